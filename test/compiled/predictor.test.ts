import { before, describe, test } from "node:test";
import assert from "node:assert/strict";
import * as tf from "@tensorflow/tfjs";
import { useNativeBackend } from "../helpers/native";
import { cifarTeacher } from "../../lib/models/cifar";
import { buildModel } from "../../lib/models/registry";
import { CompiledPredictor } from "../../lib/distill/compiled/predictor";
import { fixedBatches } from "./equivalence";

describe("compiled predictor (teacher inference as a graph)", () => {
  before(async () => {
    await useNativeBackend();
  });

  const cases: [string, () => Promise<tf.LayersModel> | tf.LayersModel][] = [
    ["CIFAR teacher", () => cifarTeacher({ seed: 2 })],
    ["DenseNet121 teacher head (Model 2) at 32 px, dropout and BatchNorm in inference mode", () => buildModel("pneumonia-teacher-model2", { inputSize: 32 })],
    ["MobileNetV2 student head (final, dropout 0.3) at 32 px", () => buildModel("pneumonia-student-final", { inputSize: 32 })],
  ];
  for (const [name, build] of cases) for (const fold of [false, true]) {
    test(`${name}: the same logits as tfjs inference${fold ? " (BatchNorm folded into Mul + AddV2, the form used under an AVX cap)" : ""}`, async () => {
      const model = await build();
      // Non-trivial moving statistics, so inference mode is visible in the output.
      for (const w of model.weights.filter((v) => /moving_(mean|variance)$/.test(v.originalName))) {
        const value = tf.tidy(() => tf.add(tf.mul(tf.randomUniform(w.shape as number[], 0, 0.5, "float32", 3), 1), /variance/.test(w.originalName) ? 0.5 : -0.25));
        w.write(value);
        value.dispose();
      }
      const predictor = new CompiledPredictor(model, { foldFrozenBatchNorm: fold });
      const [batch] = fixedBatches(model, 1, 6, 11);
      try {
        const expected = model.predict(batch.xs) as tf.Tensor2D;
        const actual = await predictor.predict(batch.xs);
        const scale = Math.max(...Array.from(expected.dataSync()).map(Math.abs), 1);
        const difference = tf.tidy(() => tf.max(tf.abs(tf.sub(expected, actual))).dataSync()[0]);
        assert.deepEqual(actual.shape, expected.shape);
        assert.ok(difference <= 1e-4 * scale, `max |tfjs − graph| = ${difference} (scale ${scale})`);
        tf.dispose([expected, actual]);
      } finally {
        predictor.dispose();
        model.dispose();
        tf.dispose([batch.xs, batch.labels, batch.teacherLogits]);
      }
    });
  }
});
