import { before, describe, test } from "node:test";
import assert from "node:assert/strict";
import * as fs from "node:fs";
import * as path from "node:path";
import * as v8 from "node:v8";
import * as vm from "node:vm";
import * as tf from "@tensorflow/tfjs";
import { useNativeBackend } from "../helpers/native";
import { listChestXray } from "../../lib/data/chest-xray";
import { listCifar10 } from "../../lib/data/cifar10";
import { listDicomDataset } from "../../lib/data/dicom-dataset";
import { Batch, ImagePipeline } from "../../lib/data/pipeline";
import { Sample, SkippedFile } from "../../lib/data/sample";
import { synthChestXray } from "../../lib/data/synth-chest-xray";
import { synthCifar10 } from "../../lib/data/synth-cifar10";
import { synthDicom } from "../../lib/data/synth-dicom";
import { tempDir } from "./helpers";

/** A full V8 collection, so RSS reflects live memory rather than garbage not yet collected. */
function collectGarbage(): void {
  v8.setFlagsFromString("--expose-gc");
  (vm.runInNewContext("gc") as () => void)();
}

async function collect(pipeline: ImagePipeline, epoch: number, keep = false): Promise<{ files: string[]; batches: Batch[] }> {
  const files: string[] = [];
  const batches: Batch[] = [];
  for await (const batch of pipeline.epoch(epoch)) {
    files.push(...batch.files);
    if (keep) batches.push(batch);
    else batch.dispose();
  }
  return { files, batches };
}

describe("streaming pipeline", () => {
  let samples: Sample[];
  before(async () => {
    await useNativeBackend();
    const root = tempDir("pipe");
    await synthChestXray(root, { seed: 4, size: 48, counts: { train: [40, 80] } });
    samples = listChestXray(root).splits.train;
  });

  test("tensors and RSS stay flat over three epochs with augmentation", async (t) => {
    const pipeline = new ImagePipeline(samples, { batchSize: 16, numClasses: 2, size: 128, augment: {}, seed: 1, prefetch: 3 });
    const runEpoch = async (epoch: number): Promise<void> => {
      let seen = 0;
      for await (const batch of pipeline.epoch(epoch)) {
        assert.deepEqual(batch.xs.shape, [batch.labels.length, 128, 128, 3]);
        // Stand in for a training step that uses the batch.
        tf.tidy(() => batch.xs.mean().dataSync());
        seen += batch.labels.length;
        batch.dispose();
      }
      assert.equal(seen, samples.length);
    };
    // One warm-up epoch first: allocators and V8 grow to their working size once.
    await runEpoch(0);
    const tensorsBefore = tf.memory().numTensors;
    const rss: number[] = [];
    const tensors: number[] = [];
    for (let epoch = 1; epoch <= 3; epoch++) {
      await runEpoch(epoch);
      collectGarbage();
      tensors.push(tf.memory().numTensors);
      rss.push(process.memoryUsage().rss);
    }
    assert.deepEqual(tensors, [tensorsBefore, tensorsBefore, tensorsBefore]);
    // Each epoch streams 120 × 128 × 128 × 3 float32 = 23.6 MiB of batches; holding on to them would show.
    const growth = (rss[2] - rss[0]) / 2 ** 20;
    t.diagnostic(`RSS after epochs 1–3: ${rss.map((r) => (r / 2 ** 20).toFixed(0)).join(", ")} MiB`);
    assert.ok(growth < 20, `RSS grew ${growth.toFixed(1)} MiB from epoch 1 to epoch 3 (${rss.map((r) => (r / 2 ** 20).toFixed(0)).join(", ")} MiB)`);
  });

  test("every sample once per epoch; seeded order differs by epoch and repeats by seed", async () => {
    const make = (seed: number): ImagePipeline => new ImagePipeline(samples, { batchSize: 32, numClasses: 2, size: 32, seed });
    const a0 = (await collect(make(5), 0)).files;
    const a1 = (await collect(make(5), 1)).files;
    const b0 = (await collect(make(5), 0)).files;
    const c0 = (await collect(make(6), 0)).files;
    assert.deepEqual([...a0].sort(), samples.map((s) => s.file).sort());
    assert.deepEqual(a0, b0);
    assert.notDeepEqual(a0, a1);
    assert.notDeepEqual(a0, c0);
    assert.equal(make(5).batchesPerEpoch, 4);
  });

  test("decoding runs ahead of the consumer: the prefetch queue fills while it is busy", async () => {
    const pipeline = new ImagePipeline(samples, { batchSize: 8, numClasses: 2, size: 32, prefetch: 3, shuffle: false });
    const batches = pipeline.epoch(0);
    const first = await batches.next();
    assert.equal(first.done, false);
    // The consumer "trains" for a while without asking for more.
    for (let i = 0; i < 500 && pipeline.decodedCount < 4 * 8; i++) await new Promise((resolve) => setTimeout(resolve, 20));
    await new Promise((resolve) => setTimeout(resolve, 100));
    assert.equal(pipeline.decodedCount, 4 * 8, "the first batch plus 3 prefetched ones, and no more");
    if (!first.done) first.value.dispose();
    await batches.return(undefined);
  });

  test("labels one-hot by default, int32 on request; values in [0, 1]", async () => {
    const onehot = new ImagePipeline(samples.slice(0, 10), { batchSize: 10, numClasses: 2, size: 32, shuffle: false });
    const { batches: [b1] } = await collect(onehot, 0, true);
    assert.deepEqual(b1.ys.shape, [10, 2]);
    assert.equal(b1.ys.dtype, "float32");
    assert.deepEqual((b1.ys.argMax(1).arraySync() as number[]), b1.labels);
    assert.ok(b1.xs.min().dataSync()[0] >= 0 && b1.xs.max().dataSync()[0] <= 1);
    const ints = new ImagePipeline(samples.slice(0, 10), { batchSize: 10, numClasses: 2, size: 32, shuffle: false, labels: "int", channels: 1 });
    const { batches: [b2] } = await collect(ints, 0, true);
    assert.deepEqual(b2.ys.shape, [10]);
    assert.equal(b2.ys.dtype, "int32");
    assert.deepEqual(Array.from(b2.ys.dataSync()), b2.labels);
    assert.deepEqual(b2.xs.shape, [10, 32, 32, 1]);
    b1.dispose();
    b2.dispose();
  });

  test("the on-disk cache stores decoded uint8 images and gives the same batches", async () => {
    const cacheDir = tempDir("pipe-cache");
    const options = { batchSize: 8, numClasses: 2, size: 40, shuffle: false, channels: 1 as const };
    const subset = samples.slice(0, 16);
    const fresh = await collect(new ImagePipeline(subset, options), 0, true);
    const cached = new ImagePipeline(subset, { ...options, cacheDir });
    await collect(cached, 0);
    const entries = fs.readdirSync(cacheDir, { recursive: true }).map(String).filter((f) => f.endsWith(".u8"));
    assert.equal(entries.length, 16);
    assert.equal(fs.statSync(path.join(cacheDir, entries[0])).size, 40 * 40);
    const second = await collect(cached, 1, true);
    for (let i = 0; i < 2; i++) assert.deepEqual(Array.from(second.batches[i].xs.dataSync()), Array.from(fresh.batches[i].xs.dataSync()));
    [...fresh.batches, ...second.batches].forEach((b) => b.dispose());
  });

  test("a split that fits memoryCacheBytes is decoded once: later epochs give the same pixels without reading the files; one that does not is decoded every epoch", async () => {
    const dir = tempDir("pipe-memory");
    const copies: Sample[] = samples.slice(0, 12).map((s, i) => {
      const file = path.join(dir, `${i}-${path.basename(s.file)}`);
      fs.copyFileSync(s.file, file);
      return { ...s, file };
    });
    const options = { batchSize: 4, numClasses: 2, size: 40, shuffle: false, channels: 1 as const, onSkip: () => undefined };
    const kept = new ImagePipeline(copies, { ...options, memoryCacheBytes: 12 * 40 * 40 });
    const streamed = new ImagePipeline(copies, { ...options, memoryCacheBytes: 12 * 40 * 40 - 1 });
    const first = await collect(kept, 0, true);
    await collect(streamed, 0);
    for (const sample of copies) fs.rmSync(sample.file);
    const again = await collect(kept, 1, true);
    assert.equal(again.files.length, 12, "every image again from memory, though its file is gone");
    for (let i = 0; i < first.batches.length; i++) assert.deepEqual(Array.from(again.batches[i].xs.dataSync()), Array.from(first.batches[i].xs.dataSync()));
    assert.equal((await collect(streamed, 1)).files.length, 0, "over the budget nothing is kept: every file is read again (and is gone)");
    assert.equal(streamed.skipped.length, 12);
    [...first.batches, ...again.batches].forEach((b) => b.dispose());
  });

  test("a corrupt image is skipped, listed with its reason and reported once, never stopping the epoch", async () => {
    const dir = tempDir("pipe-bad");
    const bad = path.join(dir, "person1_bacteria_1.jpeg");
    fs.writeFileSync(bad, "not an image");
    const withBad: Sample[] = [...samples.slice(0, 9), { format: "chest-xray", file: bad, label: 1, className: "PNEUMONIA", patient: "person1" }];
    const reported: SkippedFile[] = [];
    const pipeline = new ImagePipeline(withBad, { batchSize: 4, numClasses: 2, size: 32, seed: 2, onSkip: (s) => reported.push(s) });
    assert.equal((await collect(pipeline, 0)).files.length, 9);
    assert.equal((await collect(pipeline, 1)).files.length, 9);
    assert.equal(reported.length, 1);
    assert.deepEqual(pipeline.skipped.map((s) => s.file), [bad]);
    assert.match(pipeline.skipped[0].reason, new RegExp(`${bad}: cannot decode image`));
  });

  test("CIFAR-10 records and DICOM files stream through the same pipeline", async () => {
    const cifarRoot = tempDir("pipe-cifar");
    synthCifar10(cifarRoot, { seed: 1, recordsPerTrainBatch: 6, testRecords: 6 });
    const cifar = new ImagePipeline(listCifar10(cifarRoot, "train").samples, { batchSize: 10, numClasses: 10, augment: { maxRotationDegrees: 5 } });
    const { batches } = await collect(cifar, 0, true);
    assert.deepEqual(batches.map((b) => b.xs.shape), [[10, 32, 32, 3], [10, 32, 32, 3], [10, 32, 32, 3]]);
    assert.match(batches[0].files[0], /data_batch_\d\.bin#\d+$/);
    batches.forEach((b) => b.dispose());

    const dicomRoot = tempDir("pipe-dicom");
    synthDicom(dicomRoot, { seed: 1, size: 40, counts: { train: [3, 3] } });
    const dicom = new ImagePipeline(listDicomDataset(dicomRoot).splits.train, { batchSize: 6, numClasses: 2, size: 32 });
    const dicomBatches = (await collect(dicom, 0, true)).batches;
    assert.deepEqual(dicomBatches[0].xs.shape, [6, 32, 32, 3]);
    assert.equal(dicom.skipped.length, 0);
    dicomBatches.forEach((b) => b.dispose());
  });
});
