/** Tiny models and an in-memory learnable task for the distillation tests (8×8 single-channel images). */
import * as tf from "@tensorflow/tfjs";
import { Batch, BatchSource } from "../../lib/distill/batch";
import { seededRandom } from "../../lib/data/random";
import { createMethod, DistillationMethod } from "../../lib/distill/methods/index";

export const SIZE = 8;

/** conv 3×3 → maxpool → dense logits; seeded initialisers so the same seed builds the same weights. */
export function tinyConvNet(seed: number, numClasses = 2, filters = 4, dropout = 0): tf.Sequential {
  const model = tf.sequential();
  model.add(tf.layers.conv2d({ inputShape: [SIZE, SIZE, 1], filters, kernelSize: 3, padding: "same", activation: "relu", kernelInitializer: tf.initializers.glorotUniform({ seed }) }));
  model.add(tf.layers.maxPooling2d({ poolSize: 2 }));
  model.add(tf.layers.flatten());
  if (dropout > 0) model.add(tf.layers.dropout({ rate: dropout }));
  model.add(tf.layers.dense({ units: numClasses, kernelInitializer: tf.initializers.glorotUniform({ seed: seed + 1 }) }));
  return model;
}

export interface SyntheticTask {
  images: Float32Array;
  labels: Int32Array;
  count: number;
  numClasses: number;
}

/** Class c brightens row band c of the image, plus uniform noise: learnable by a small conv net. */
export function syntheticTask(count: number, seed: number, numClasses = 2): SyntheticTask {
  const random = seededRandom(seed);
  const images = new Float32Array(count * SIZE * SIZE);
  const labels = new Int32Array(count);
  const band = SIZE / numClasses;
  for (let i = 0; i < count; i++) {
    const label = Math.floor(random() * numClasses);
    labels[i] = label;
    for (let y = 0; y < SIZE; y++) {
      for (let x = 0; x < SIZE; x++) {
        const signal = y >= label * band && y < (label + 1) * band ? 0.6 : 0;
        images[(i * SIZE + y) * SIZE + x] = signal + 0.4 * random();
      }
    }
  }
  return { images, labels, count, numClasses };
}

/** Batches of the task; shuffled per epoch from the epoch's seed when `shuffle`, carrying sample ids. */
export function taskSource(task: SyntheticTask, batchSize: number, shuffle = true): BatchSource {
  return ({ seed }) => {
    const order = Array.from({ length: task.count }, (_, i) => i);
    if (shuffle) {
      const random = seededRandom(seed);
      for (let i = order.length - 1; i > 0; i--) {
        const j = Math.floor(random() * (i + 1));
        [order[i], order[j]] = [order[j], order[i]];
      }
    }
    const chunks: number[][] = [];
    for (let start = 0; start < order.length; start += batchSize) chunks.push(order.slice(start, start + batchSize));
    return lazily(chunks.length, (k) => {
      const ids = chunks[k];
      const pixels = new Float32Array(ids.length * SIZE * SIZE);
      ids.forEach((id, n) => pixels.set(task.images.subarray(id * SIZE * SIZE, (id + 1) * SIZE * SIZE), n * SIZE * SIZE));
      return { xs: tf.tensor4d(pixels, [ids.length, SIZE, SIZE, 1]), labels: tf.tensor1d(ids.map((id) => task.labels[id]), "int32"), ids };
    });
  };
}

/** Creates batch k only when asked, like a streaming pipeline (so an unfinished epoch leaks nothing). */
function lazily(count: number, make: (k: number) => Batch): Iterable<Batch> {
  return {
    *[Symbol.iterator]() {
      for (let k = 0; k < count; k++) yield make(k);
    },
  };
}

export function weightsOf(model: tf.LayersModel): Float32Array[] {
  return model.getWeights().map((w) => Float32Array.from(w.dataSync()));
}

export function maxAbsDifference(a: readonly Float32Array[], b: readonly Float32Array[]): number {
  let max = 0;
  a.forEach((values, i) => values.forEach((v, j) => (max = Math.max(max, Math.abs(v - b[i][j])))));
  return max;
}

/** Hinton KD at T and α for a teacher/student pair (the registry's "kd"). */
export function kdMethod(teacher: tf.LayersModel, student: tf.LayersModel, temperature: number, alpha: number): DistillationMethod {
  return createMethod("kd", { temperature, alpha }, { teacher, student, numClasses: teacher.outputs[0].shape[1] as number, seed: 1 });
}
