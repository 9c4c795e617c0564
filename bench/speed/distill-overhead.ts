/**
 * Cost of a distillation epoch relative to a student-alone epoch, with the
 * teacher run live and with its logits cached, on the CIFAR-10 teacher and
 * student (random 32×32 images in memory, so only training is timed). Each
 * round trains a fresh student for one epoch in each mode, interleaved; the
 * cached mode reads a disk cache filled once up front (that one-time fill is
 * reported separately). Round 0 warms kernels up and is not counted; the
 * minimum over the counted rounds is reported, which is robust to other
 * processes on a shared machine.
 */
import * as fs from "node:fs";
import * as os from "node:os";
import * as path from "node:path";
import * as tf from "@tensorflow/tfjs";
import { Batch, BatchSource } from "../../lib/distill/batch";
import { fillTeacherCache, TeacherCacheMode, TeacherOutputSource } from "../../lib/distill/cache";
import { createMethod } from "../../lib/distill/methods/index";
import { trainModel } from "../../lib/distill/trainer";
import { cifarStudent, cifarTeacher } from "../../lib/models/cifar";
import { DistillOverhead } from "./schema";

export interface DistillOverheadOptions {
  images: number;
  batch: number;
  /** Counted rounds (one more, uncounted, warms up). */
  rounds: number;
  log?: (line: string) => void;
}

function memorySource(pixels: tf.Tensor4D, images: number, batchSize: number): BatchSource {
  const labels = Array.from({ length: images }, (_, i) => i % 10);
  return () => ({
    *[Symbol.iterator](): Generator<Batch> {
      for (let start = 0; start < images; start += batchSize) {
        const size = Math.min(batchSize, images - start);
        const ids = Array.from({ length: size }, (_, k) => start + k);
        yield { xs: tf.slice(pixels, [start, 0, 0, 0], [size, 32, 32, 3]) as tf.Tensor4D, labels: tf.tensor1d(labels.slice(start, start + size), "int32"), ids };
      }
    },
  });
}

const MODES: { name: "alone" | "live" | "cached"; cache?: "off" | "dir" }[] = [{ name: "alone" }, { name: "live", cache: "off" }, { name: "cached", cache: "dir" }];

export async function measureDistillOverhead(options: DistillOverheadOptions): Promise<DistillOverhead> {
  const { images, batch, rounds } = options;
  if (!(images >= batch && batch >= 1 && rounds >= 1)) throw new Error(`distill overhead: need images ≥ batch ≥ 1 and rounds ≥ 1, got ${images}, ${batch}, ${rounds}`);
  const log = options.log ?? (() => undefined);
  const pixels = tf.randomUniform([images, 32, 32, 3], 0, 1, "float32", 1) as tf.Tensor4D;
  const source = memorySource(pixels, images, batch);
  const teacher = cifarTeacher({ seed: 1 });
  const cacheDir = fs.mkdtempSync(path.join(os.tmpdir(), "kdlab-bench-cache-"));
  try {
    const fillStarted = performance.now();
    await fillTeacherCache(new TeacherOutputSource(teacher, { dir: cacheDir }, 10), source({ epoch: 0, seed: 0 }));
    const cacheFillSeconds = (performance.now() - fillStarted) / 1000;
    const runs: Record<string, number[]> = { alone: [], live: [], cached: [] };
    for (let round = 0; round <= rounds; round++) {
      for (const mode of MODES) {
        const student = cifarStudent({ seed: 2 });
        const cache: TeacherCacheMode | undefined = mode.cache === "dir" ? { dir: cacheDir } : mode.cache;
        const result = await trainModel(student, { train: source }, {
          epochs: 1,
          seed: 1,
          optimizer: { kind: "sgd", lr: 1e-3, momentum: 0.8 },
          distillation: cache === undefined ? undefined : { teacher, method: createMethod("kd", { temperature: 4, alpha: 0.5 }, { teacher, student, numClasses: 10, seed: 1 }), cache },
          progress: "off",
        });
        if (round > 0) runs[mode.name].push(result.history[0].seconds);
        student.dispose();
      }
      if (round > 0) log(`  distill round ${round}: alone ${runs.alone.at(-1)?.toFixed(2)} s, live ${runs.live.at(-1)?.toFixed(2)} s, cached ${runs.cached.at(-1)?.toFixed(2)} s`);
    }
    const [alone, live, cached] = [Math.min(...runs.alone), Math.min(...runs.live), Math.min(...runs.cached)];
    return {
      model: "cifar-student (teacher cifar-teacher)",
      images,
      batch,
      rounds,
      studentAloneSeconds: alone,
      liveTeacherSeconds: live,
      cachedLogitsSeconds: cached,
      cacheFillSeconds,
      liveRatio: live / alone,
      cachedRatio: cached / alone,
    };
  } finally {
    fs.rmSync(cacheDir, { recursive: true, force: true });
    teacher.dispose();
    pixels.dispose();
  }
}
