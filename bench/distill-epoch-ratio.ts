/**
 * Cost of a distillation epoch relative to a student-alone epoch, with the
 * teacher run live and with its logits cached, on the CIFAR-10 teacher and
 * student (random 32×32 images). Usage:
 *   node --import tsx bench/distill-epoch-ratio.ts [images=1024] [batch=64] [rounds=3]
 * Each round trains a fresh student for one epoch in each mode, interleaved;
 * the cached mode reads a disk cache filled once up front (the one-time fill
 * is reported separately). The minimum over rounds is reported, which is
 * robust to other processes on a shared machine.
 */
import * as fs from "node:fs";
import * as os from "node:os";
import * as path from "node:path";
import * as tf from "@tensorflow/tfjs";
import { initBackend } from "../lib/backend";
import { Batch, BatchSource } from "../lib/distill/batch";
import { fillTeacherCache, TeacherCacheMode, TeacherLogitSource } from "../lib/distill/cache";
import { trainModel } from "../lib/distill/trainer";
import { cifarStudent, cifarTeacher } from "../lib/models/cifar";

async function main(): Promise<void> {
  const [images = 1024, batchSize = 64, rounds = 3] = process.argv.slice(2).map(Number);
  console.log((await initBackend()).line);
  const pixels = tf.randomUniform([images, 32, 32, 3], 0, 1, "float32", 1);
  const labelValues = Array.from({ length: images }, (_, i) => i % 10);
  const source: BatchSource = () => ({
    *[Symbol.iterator](): Generator<Batch> {
      for (let start = 0; start < images; start += batchSize) {
        const size = Math.min(batchSize, images - start);
        const ids = Array.from({ length: size }, (_, k) => start + k);
        yield { xs: tf.slice(pixels, [start, 0, 0, 0], [size, 32, 32, 3]) as tf.Tensor4D, labels: tf.tensor1d(labelValues.slice(start, start + size), "int32"), ids };
      }
    },
  });
  const teacher = cifarTeacher({ seed: 1 });
  const cacheDir = fs.mkdtempSync(path.join(os.tmpdir(), "kdlab-bench-cache-"));
  const fillStarted = Date.now();
  await fillTeacherCache(new TeacherLogitSource(teacher, { dir: cacheDir }, 10), source({ epoch: 0, seed: 0 }));
  console.log(`one-time cache fill (teacher inference over ${images} images): ${((Date.now() - fillStarted) / 1000).toFixed(2)} s`);
  const modes: { name: string; cache?: TeacherCacheMode }[] = [{ name: "student alone" }, { name: "distilled, live teacher", cache: "off" }, { name: "distilled, cached logits", cache: { dir: cacheDir } }];
  const runs: Record<string, number[]> = {};
  for (let round = 0; round <= rounds; round++) {
    for (const mode of modes) {
      const student = cifarStudent({ seed: 2 });
      const result = await trainModel(student, { train: source }, {
        epochs: 1,
        seed: 1,
        optimizer: { kind: "sgd", lr: 1e-3, momentum: 0.8 },
        distillation: mode.cache === undefined ? undefined : { teacher, temperature: 4, alpha: 0.5, cache: mode.cache },
        progress: "off",
      });
      // Round 0 warms up kernels and is not counted.
      if (round > 0) (runs[mode.name] ??= []).push(result.history[0].seconds);
      tf.dispose(student.weights.map((w) => w.read()));
    }
  }
  const seconds: Record<string, number> = {};
  for (const mode of modes) {
    seconds[mode.name] = Math.min(...runs[mode.name]);
    console.log(`${mode.name}: ${seconds[mode.name].toFixed(2)} s/epoch (min of ${runs[mode.name].map((v) => v.toFixed(2)).join(", ")})`);
  }
  fs.rmSync(cacheDir, { recursive: true, force: true });
  const alone = seconds["student alone"];
  console.log(`ratio live/alone ${(seconds["distilled, live teacher"] / alone).toFixed(2)}, cached/alone ${(seconds["distilled, cached logits"] / alone).toFixed(2)}  (${images} images, batch ${batchSize})`);
}

main().catch((error: unknown) => {
  console.error(error);
  process.exit(1);
});
