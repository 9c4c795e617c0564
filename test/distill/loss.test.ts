import { before, describe, test } from "node:test";
import assert from "node:assert/strict";
import * as tf from "@tensorflow/tfjs";
import { useNativeBackend } from "../helpers/native";
import { crossEntropy } from "../../lib/distill/loss";
import { createMethod } from "../../lib/distill/methods/index";
import { eagerObjective } from "../../lib/distill/objective";

/** The registry's Hinton KD loss, α·CE + (1 − α)·T²·KL (the objective with kd's default hard-label weight α), for a hand-written case (the method reads no models). */
function distillationLoss(input: { studentLogits: tf.Tensor2D; teacherLogits?: tf.Tensor2D; labels: tf.Tensor1D; temperature: number; alpha: number; classWeights?: readonly number[] }): tf.Scalar {
  const method = createMethod("kd", { temperature: input.temperature, alpha: input.alpha }, { teacher: undefined as never, student: undefined as never, numClasses: 3, seed: 1 });
  return eagerObjective(method, { ...input, teacherLogits: input.teacherLogits ?? input.studentLogits }).total;
}

const student = [
  [2.0, -1.0, 0.5],
  [0.1, 0.2, -0.3],
  [-1.5, 3.0, 0.0],
  [12.0, -8.0, 4.0],
];
const teacher = [
  [3.0, 0.0, -1.0],
  [-0.5, 1.5, 0.5],
  [0.0, 2.0, 2.5],
  [6.0, -2.0, 5.0],
];
const labels = [0, 2, 1, 0];

/** Independent reference in float64 plain JS. */
function logSoftmax(row: number[], t = 1): number[] {
  const scaled = row.map((v) => v / t);
  const max = Math.max(...scaled);
  const logSum = max + Math.log(scaled.reduce((s, v) => s + Math.exp(v - max), 0));
  return scaled.map((v) => v - logSum);
}

function handLoss(alpha: number, t: number, weights?: number[]): number {
  let ceSum = 0;
  let weightSum = 0;
  let klSum = 0;
  student.forEach((row, i) => {
    const w = weights ? weights[labels[i]] : 1;
    ceSum += -w * logSoftmax(row)[labels[i]];
    weightSum += w;
    const lt = logSoftmax(teacher[i], t);
    const ls = logSoftmax(row, t);
    klSum += lt.reduce((s, l, c) => s + Math.exp(l) * (l - ls[c]), 0);
  });
  return alpha * (ceSum / weightSum) + (1 - alpha) * t * t * (klSum / student.length);
}

function lossValue(alpha: number, t: number, weights?: number[], studentRows = student): number {
  return tf.tidy(() =>
    distillationLoss({
      studentLogits: tf.tensor2d(studentRows),
      teacherLogits: tf.tensor2d(teacher),
      labels: tf.tensor1d(labels, "int32"),
      temperature: t,
      alpha,
      classWeights: weights,
    }).arraySync(),
  ) as number;
}

describe("distillation loss (Hinton KD, methods/kd.ts, checked by hand; kd.test.ts checks it against PyTorch)", () => {
  before(async () => {
    await useNativeBackend();
  });

  for (const [alpha, t] of [[1, 1], [0, 1], [0.5, 2], [0.3, 4], [0.9, 10], [0, 0.5]]) {
    test(`matches a hand computation at α=${alpha}, T=${t}`, () => {
      assert.ok(Math.abs(lossValue(alpha, t) - handLoss(alpha, t)) < 1e-5 * Math.max(1, handLoss(alpha, t)));
    });
    test(`matches a hand computation with class weights at α=${alpha}, T=${t}`, () => {
      const weights = [0.5, 2.0, 1.25];
      assert.ok(Math.abs(lossValue(alpha, t, weights) - handLoss(alpha, t, weights)) < 1e-5 * Math.max(1, handLoss(alpha, t, weights)));
    });
  }

  test("α = 1 is plain cross-entropy (the teacher's logits are not read)", () => {
    const value = tf.tidy(() => distillationLoss({ studentLogits: tf.tensor2d(student), labels: tf.tensor1d(labels, "int32"), temperature: 3, alpha: 1 }).arraySync()) as number;
    const ce = tf.tidy(() => crossEntropy(tf.tensor2d(student), tf.tensor1d(labels, "int32")).arraySync()) as number;
    assert.equal(value, ce);
    assert.ok(Math.abs(value - handLoss(1, 1)) < 1e-6);
  });

  test("stays finite for huge logits", () => {
    const huge = student.map((row) => row.map((v) => v * 1000));
    const value = lossValue(0.5, 2, undefined, huge);
    assert.ok(Number.isFinite(value));
  });

  test("T = 1 with the teacher equal to the student has no soft-target loss", () => {
    const value = tf.tidy(() => distillationLoss({ studentLogits: tf.tensor2d(teacher), teacherLogits: tf.tensor2d(teacher), labels: tf.tensor1d(labels, "int32"), temperature: 1, alpha: 0 }).arraySync()) as number;
    assert.ok(Math.abs(value) < 1e-6);
  });

  for (const [alpha, t, weighted] of [[0.5, 2, false], [0.2, 5, true], [1, 1, true]] as const) {
    test(`gradient matches central finite differences (α=${alpha}, T=${t}, weights ${weighted})`, () => {
      const weights = weighted ? [0.5, 2.0, 1.25] : undefined;
      const analytic = tf.tidy(() => {
        const f = (s: tf.Tensor): tf.Scalar =>
          distillationLoss({ studentLogits: s as tf.Tensor2D, teacherLogits: tf.tensor2d(teacher), labels: tf.tensor1d(labels, "int32"), temperature: t, alpha, classWeights: weights });
        return tf.grad(f)(tf.tensor2d(student)).arraySync() as number[][];
      });
      const eps = 1e-2;
      student.forEach((row, i) =>
        row.forEach((_, c) => {
          const shifted = (delta: number): number[][] => student.map((r, k) => r.map((v, j) => (k === i && j === c ? v + delta : v)));
          const numeric = (lossValue(alpha, t, weights, shifted(eps)) - lossValue(alpha, t, weights, shifted(-eps))) / (2 * eps);
          assert.ok(Math.abs(numeric - analytic[i][c]) < 2e-3, `d/ds[${i}][${c}]: analytic ${analytic[i][c]}, numeric ${numeric}`);
        }),
      );
    });
  }

  test("rejects one-hot labels, bad α, T and weights with clear errors", () => {
    const s = tf.tensor2d(student);
    const ids = tf.tensor1d(labels, "int32");
    assert.throws(() => distillationLoss({ studentLogits: s, labels: tf.oneHot(ids, 3) as unknown as tf.Tensor1D, temperature: 1, alpha: 1 }), /int32 class ids/);
    assert.throws(() => distillationLoss({ studentLogits: s, labels: ids, temperature: 1, alpha: 1.5 }), /alpha of kd must be a number ≥ 0 and ≤ 1/);
    assert.throws(() => distillationLoss({ studentLogits: s, teacherLogits: s, labels: ids, temperature: 0, alpha: 0.5 }), /temperature of kd must be a number > 0/);
    assert.throws(() => distillationLoss({ studentLogits: s, labels: ids, temperature: 1, alpha: 1, classWeights: [1, 2] }), /2 class weights for 3 classes/);
    tf.dispose([s, ids]);
  });
});
