/**
 * The hard-label loss every training run and every distillation method
 * (lib/distill/methods) shares: cross-entropy of integer class ids (int32
 * [batch], not one-hot) against logits, through log-softmax so large logits do
 * not overflow. Class weights make it a weighted mean, Σ w[yᵢ]·CEᵢ / Σ w[yᵢ]
 * (PyTorch's CrossEntropyLoss(weight=…) convention).
 */
import * as tf from "@tensorflow/tfjs";

function checkLabels(logits: tf.Tensor2D, labels: tf.Tensor1D): void {
  if (labels.rank !== 1 || labels.dtype !== "int32") {
    throw new Error(`crossEntropy: labels must be int32 class ids of shape [batch], got ${labels.dtype} [${labels.shape.join(", ")}]`);
  }
  if (logits.rank !== 2 || logits.shape[0] !== labels.shape[0]) {
    throw new Error(`crossEntropy: logits [${logits.shape.join(", ")}] do not match labels [${labels.shape.join(", ")}]`);
  }
}

/** Mean (or class-weighted mean) cross-entropy of integer labels against logits. */
export function crossEntropy(logits: tf.Tensor2D, labels: tf.Tensor1D, classWeights?: readonly number[]): tf.Scalar {
  checkLabels(logits, labels);
  const numClasses = logits.shape[1];
  if (classWeights !== undefined) {
    if (classWeights.length !== numClasses) {
      throw new Error(`crossEntropy: ${classWeights.length} class weights for ${numClasses} classes`);
    }
    if (classWeights.some((w) => !Number.isFinite(w) || w < 0)) {
      throw new Error(`crossEntropy: class weights must be finite and non-negative, got [${classWeights.join(", ")}]`);
    }
  }
  return tf.tidy(() => {
    const logProbs = tf.logSoftmax(logits);
    const perSample = tf.neg(tf.sum(tf.mul(tf.oneHot(labels, numClasses), logProbs), 1));
    if (classWeights === undefined) return tf.mean(perSample) as tf.Scalar;
    const sampleWeights = tf.gather(tf.tensor1d(classWeights as number[], "float32"), labels);
    return tf.div(tf.sum(tf.mul(sampleWeights, perSample)), tf.sum(sampleWeights)) as tf.Scalar;
  });
}
