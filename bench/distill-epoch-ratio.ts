/**
 * Cost of a distillation epoch relative to a student-alone epoch, with the
 * teacher run live and with its logits cached, on the CIFAR-10 teacher and
 * student (random 32×32 images). Usage:
 *   node --import tsx bench/distill-epoch-ratio.ts [images=1024] [batch=64] [epochs=3]
 * Each mode trains a fresh student for `epochs` epochs; the first epoch is
 * dropped (warm-up, and the cache fill for the cached mode).
 */
import * as tf from "@tensorflow/tfjs";
import { initBackend } from "../lib/backend";
import { Batch, BatchSource } from "../lib/distill/batch";
import { TeacherCacheMode } from "../lib/distill/cache";
import { trainModel } from "../lib/distill/trainer";
import { cifarStudent, cifarTeacher } from "../lib/models/cifar";

async function main(): Promise<void> {
  const [images = 1024, batchSize = 64, epochs = 3] = process.argv.slice(2).map(Number);
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
  const modes: { name: string; cache?: TeacherCacheMode }[] = [{ name: "student alone" }, { name: "distilled, live teacher", cache: "off" }, { name: "distilled, cached logits", cache: "memory" }];
  const seconds: Record<string, number> = {};
  for (const mode of modes) {
    const student = cifarStudent({ seed: 2 });
    const result = await trainModel(student, { train: source }, {
      epochs,
      seed: 1,
      optimizer: { kind: "sgd", lr: 1e-3, momentum: 0.8 },
      distillation: mode.cache === undefined ? undefined : { teacher, temperature: 4, alpha: 0.5, cache: mode.cache },
      progress: "off",
    });
    const timed = result.history.slice(1).map((r) => r.seconds);
    seconds[mode.name] = timed.reduce((a, b) => a + b, 0) / timed.length;
    console.log(`${mode.name}: ${seconds[mode.name].toFixed(2)} s/epoch (epochs ${result.history.map((r) => r.seconds.toFixed(2)).join(", ")})`);
    tf.dispose(student.weights.map((w) => w.read()));
  }
  const alone = seconds["student alone"];
  console.log(`ratio live/alone ${(seconds["distilled, live teacher"] / alone).toFixed(2)}, cached/alone ${(seconds["distilled, cached logits"] / alone).toFixed(2)}  (${images} images, batch ${batchSize})`);
}

main().catch((error: unknown) => {
  console.error(error);
  process.exit(1);
});
