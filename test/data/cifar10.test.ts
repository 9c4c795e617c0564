import { before, describe, test } from "node:test";
import assert from "node:assert/strict";
import * as fs from "node:fs";
import * as path from "node:path";
import * as tf from "@tensorflow/tfjs";
import { useNativeBackend } from "../helpers/native";
import { CIFAR_CLASS_NAMES, CIFAR_RECORD_BYTES, listCifar10, loadCifar10, readCifarRecord } from "../../lib/data/cifar10";
import { synthCifar10 } from "../../lib/data/synth-cifar10";
import { hashTree, tempDir } from "./helpers";

describe("CIFAR-10 binary format", () => {
  let root: string;
  before(async () => {
    await useNativeBackend();
    root = tempDir("cifar");
    synthCifar10(root, { seed: 5, recordsPerTrainBatch: 30, testRecords: 40 });
  });

  test("decodes channel-planar records to NHWC float32 in [0, 1]", () => {
    const dir = tempDir("cifar-known");
    const batchDir = path.join(dir, "cifar-10-batches-bin");
    fs.mkdirSync(batchDir);
    // One record: label 7; R plane all 10, G plane = pixel index mod 256, B plane all 250.
    const record = new Uint8Array(CIFAR_RECORD_BYTES);
    record[0] = 7;
    for (let p = 0; p < 1024; p++) {
      record[1 + p] = 10;
      record[1 + 1024 + p] = p % 256;
      record[1 + 2048 + p] = 250;
    }
    fs.writeFileSync(path.join(batchDir, "test_batch.bin"), record);
    const { xs, ys, classNames } = loadCifar10(dir, "test");
    assert.deepEqual(xs.shape, [1, 32, 32, 3]);
    assert.equal(xs.dtype, "float32");
    assert.deepEqual(Array.from(ys.dataSync()), [7]);
    assert.deepEqual(classNames, CIFAR_CLASS_NAMES);
    const pixel = xs.slice([0, 1, 3, 0], [1, 1, 1, 3]).dataSync(); // row 1, column 3 → index 35
    assert.ok(Math.abs(pixel[0] - 10 / 255) < 1e-6);
    assert.ok(Math.abs(pixel[1] - 35 / 255) < 1e-6);
    assert.ok(Math.abs(pixel[2] - 250 / 255) < 1e-6);
    tf.dispose([xs, ys]);
  });

  test("reads the generated splits with class names from batches.meta.txt", async () => {
    const train = loadCifar10(root, "train");
    assert.deepEqual(train.xs.shape, [150, 32, 32, 3]);
    const [min, max] = [train.xs.min().dataSync()[0], train.xs.max().dataSync()[0]];
    assert.ok(min >= 0 && max <= 1 && max > 0.5);
    assert.deepEqual(train.classNames, CIFAR_CLASS_NAMES);
    const counts = new Array(10).fill(0);
    for (const y of train.ys.dataSync()) counts[y]++;
    assert.deepEqual(counts, new Array(10).fill(15));
    const listed = listCifar10(root, "test");
    assert.equal(listed.samples.length, 40);
    const record = await readCifarRecord(listed.samples[3].file, 3);
    assert.equal(record.label, listed.samples[3].label);
    const fromLoad = loadCifar10(root, "test", { limit: 4 });
    assert.deepEqual(Array.from(fromLoad.xs.slice([3], [1]).mul(255).round().dataSync()), Array.from(record.pixels));
    tf.dispose([train.xs, train.ys, fromLoad.xs, fromLoad.ys]);
  });

  test("synthetic classes differ: mean colour per class is distinct", () => {
    const { xs, ys } = loadCifar10(root, "train");
    const means = tf.tidy(() => {
      const oneHot = tf.oneHot(ys, 10).toFloat();
      const perImage = xs.mean([1, 2]);
      return tf.matMul(oneHot, perImage, true, false).div(oneHot.sum(0).reshape([10, 1])).arraySync() as number[][];
    });
    for (let a = 0; a < 10; a++) for (let b = a + 1; b < 10; b++) {
      const distance = Math.hypot(...means[a].map((v, c) => v - means[b][c]));
      assert.ok(distance > 0.01, `classes ${a} and ${b} look alike (${distance})`);
    }
    tf.dispose([xs, ys]);
  });

  test("same seed gives the same bytes; another seed does not", () => {
    const again = tempDir("cifar-again");
    synthCifar10(again, { seed: 5, recordsPerTrainBatch: 30, testRecords: 40 });
    assert.equal(hashTree(again), hashTree(root));
    const other = tempDir("cifar-other");
    synthCifar10(other, { seed: 6, recordsPerTrainBatch: 30, testRecords: 40 });
    assert.notEqual(hashTree(other), hashTree(root));
  });

  test("a truncated file is an error naming the file and the record", () => {
    const dir = tempDir("cifar-trunc");
    synthCifar10(dir, { seed: 1, recordsPerTrainBatch: 5, testRecords: 5 });
    const file = path.join(dir, "cifar-10-batches-bin", "test_batch.bin");
    fs.truncateSync(file, CIFAR_RECORD_BYTES * 3 + 100);
    assert.throws(() => loadCifar10(dir, "test"), (e: Error) => e.message.includes(file) && /record 3 is truncated/.test(e.message));
  });

  test("a label outside 0–9 is an error naming the file and the record", () => {
    const dir = tempDir("cifar-label");
    synthCifar10(dir, { seed: 1, recordsPerTrainBatch: 5, testRecords: 5 });
    const file = path.join(dir, "cifar-10-batches-bin", "data_batch_2.bin");
    const bytes = fs.readFileSync(file);
    bytes[2 * CIFAR_RECORD_BYTES] = 12;
    fs.writeFileSync(file, bytes);
    assert.throws(() => loadCifar10(dir, "train"), (e: Error) => e.message.includes(file) && /record 2 has label 12/.test(e.message));
  });
});
