import { before, describe, test } from "node:test";
import assert from "node:assert/strict";
import * as tf from "@tensorflow/tfjs";
import { useNativeBackend } from "../helpers/native";
import { PipelineBatchLike, pipelineSource } from "../../lib/distill/pipeline-source";
import { liveProgress } from "../../lib/distill/progress";
import { trainModel } from "../../lib/distill/trainer";
import { kdMethod, tinyConvNet } from "./fixtures";

/** Shaped like lib/data/pipeline.ts's batches: one-hot ys, number[] labels, file ids, dispose(). */
function fakePipeline(augment: boolean) {
  return {
    options: { augment: augment ? { flip: true } : false },
    batchesPerEpoch: 2,
    async *epoch(epoch: number): AsyncGenerator<PipelineBatchLike> {
      for (let b = 0; b < 2; b++) {
        const labels = [0, 1, 1, 0];
        const xs = tf.fill([4, 8, 8, 1], 0.25 * (b + 1) + epoch * 0.01) as tf.Tensor4D;
        const ys = tf.tidy(() => tf.oneHot(tf.tensor1d(labels, "int32"), 2));
        yield { xs, labels, files: labels.map((_, i) => `b${b}-${i}.jpeg`), dispose: () => tf.dispose([xs, ys]) };
      }
    },
  };
}

describe("pipeline source", () => {
  before(async () => {
    await useNativeBackend();
  });

  test("turns pipeline batches into trainer batches (int32 labels, file ids, preprocessing) without leaking", async () => {
    const before = tf.memory().numTensors;
    const source = pipelineSource(fakePipeline(false), { preprocess: (xs) => tf.sub(tf.mul(xs, 2), 1) as tf.Tensor4D });
    const seen: { ids: readonly (string | number)[] | undefined; min: number; labels: string; augmented?: boolean }[] = [];
    for await (const batch of source({ epoch: 0, seed: 1 })) {
      seen.push({ ids: batch.ids, min: batch.xs.min().dataSync()[0], labels: `${batch.labels.dtype}:${batch.labels.dataSync().join(",")}`, augmented: batch.augmented });
      tf.dispose([batch.xs, batch.labels]);
    }
    assert.equal(seen.length, 2);
    assert.deepEqual(seen[0].ids, ["b0-0.jpeg", "b0-1.jpeg", "b0-2.jpeg", "b0-3.jpeg"]);
    assert.equal(seen[0].labels, "int32:0,1,1,0");
    assert.ok(Math.abs(seen[0].min - -0.5) < 1e-6, "preprocessing applied");
    assert.equal(seen[0].augmented, false);
    assert.equal(tf.memory().numTensors - before, 2, "only the min() scalars remain");
  });

  test("an augmenting pipeline refuses the teacher-logit cache; the live teacher works", async () => {
    const teacher = tinyConvNet(5);
    const student = tinyConvNet(6);
    const source = pipelineSource(fakePipeline(true));
    const config = { epochs: 1, seed: 1, optimizer: { kind: "sgd" as const, lr: 0.01 }, progress: "off" as const };
    await assert.rejects(trainModel(student, { train: source }, { ...config, distillation: { teacher, method: kdMethod(teacher, student, 2, 0.5), cache: "memory" } }), /un-augmented/);
    const texts: string[] = [];
    const result = await trainModel(student, { train: source }, { ...config, distillation: { teacher, method: kdMethod(teacher, student, 2, 0.5) }, progress: liveProgress((text) => texts.push(text), 0) });
    assert.equal(result.history.length, 1);
    assert.match(texts[texts.length - 1], /epoch 1\/1 {2}loss .*\ndone after 1 epochs/);
  });
});
