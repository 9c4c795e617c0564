/**
 * The hard-label loss every training run shares, written once against the
 * loss ops (lib/graph/loss-ops.ts), so the eager step, the evaluation and the
 * compiled step compute the same ops: cross-entropy of integer class ids
 * (int32 [batch], not one-hot) against logits, through log-softmax so large
 * logits do not overflow. Class weights make it a weighted mean,
 * Σ w[yᵢ]·CEᵢ / Σ w[yᵢ] (PyTorch's CrossEntropyLoss(weight=…) convention).
 * The objective (objective.ts) weighs it beside a distillation method's terms.
 */
import * as tf from "@tensorflow/tfjs";
import type { LossOps } from "../graph/loss-ops";
import { eagerOps } from "../graph/loss-ops-eager";

/** Class weights checked against the class count; throws naming what is wrong. */
export function checkClassWeights(classWeights: readonly number[] | undefined, classes: number): void {
  if (classWeights === undefined) return;
  if (classWeights.length !== classes) throw new Error(`crossEntropy: ${classWeights.length} class weights for ${classes} classes`);
  if (classWeights.some((w) => !Number.isFinite(w) || w < 0)) {
    throw new Error(`crossEntropy: class weights must be finite and non-negative, got [${classWeights.join(", ")}]`);
  }
}

/** Mean (or class-weighted mean) cross-entropy of int32 labels against logits [batch, classes], as `ops`. */
export function crossEntropyOf<V>(ops: LossOps<V>, logits: V, labels: V, classes: number, classWeights?: readonly number[]): V {
  checkClassWeights(classWeights, classes);
  const logProbs = ops.logSoftmax(logits);
  const perSample = ops.neg(ops.sum(ops.mul(ops.oneHot(labels, classes), logProbs), [1]));
  if (classWeights === undefined) return ops.mean(perSample, [0]);
  const sampleWeights = ops.gather(classWeights, labels);
  return ops.div(ops.sum(ops.mul(sampleWeights, perSample), [0]), ops.sum(sampleWeights, [0]));
}

/** Labels and logits checked for an eager call. */
export function checkLabels(logits: tf.Tensor, labels: tf.Tensor): void {
  if (labels.rank !== 1 || labels.dtype !== "int32") {
    throw new Error(`crossEntropy: labels must be int32 class ids of shape [batch], got ${labels.dtype} [${labels.shape.join(", ")}]`);
  }
  if (logits.rank !== 2 || logits.shape[0] !== labels.shape[0]) {
    throw new Error(`crossEntropy: logits [${logits.shape.join(", ")}] do not match labels [${labels.shape.join(", ")}]`);
  }
}

/** crossEntropyOf on tfjs tensors. */
export function crossEntropy(logits: tf.Tensor2D, labels: tf.Tensor1D, classWeights?: readonly number[]): tf.Scalar {
  checkLabels(logits, labels);
  return tf.tidy(() => crossEntropyOf(eagerOps, logits, labels, logits.shape[1], classWeights) as tf.Scalar);
}
