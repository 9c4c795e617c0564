/**
 * Knowledge-distillation loss (Hinton, Vinyals, Dean 2015):
 *
 *   L = α · CE(labels, student) + (1 − α) · T² · KL(softmax(teacher/T) ‖ softmax(student/T))
 *
 * α = 1 is plain cross-entropy (a model trained alone). The T² factor keeps the
 * soft-target gradients at the same scale as T changes. Everything goes through
 * log-softmax, so large logits do not overflow.
 *
 * Labels are integer class ids (tf.Tensor1D, int32), not one-hot.
 * Class weights weight the cross-entropy per sample as a weighted mean,
 * Σ w[yᵢ]·CEᵢ / Σ w[yᵢ] (PyTorch's CrossEntropyLoss(weight=…) convention);
 * the soft-target term is a plain batch mean (the teacher's distribution already
 * carries the class information).
 */
import * as tf from "@tensorflow/tfjs";

export interface DistillationLossInput {
  /** Student logits, [batch, classes]. */
  studentLogits: tf.Tensor2D;
  /** Teacher logits, [batch, classes]; required unless alpha = 1. */
  teacherLogits?: tf.Tensor2D;
  /** Integer class ids, [batch], int32. */
  labels: tf.Tensor1D;
  /** Softening temperature T > 0 (applies to the soft-target term only). */
  temperature: number;
  /** Weight α ∈ [0, 1] of the hard-label cross-entropy. */
  alpha: number;
  /** One non-negative weight per class for the cross-entropy term. */
  classWeights?: readonly number[];
}

function checkLabels(logits: tf.Tensor2D, labels: tf.Tensor1D): void {
  if (labels.rank !== 1 || labels.dtype !== "int32") {
    throw new Error(`distillationLoss: labels must be int32 class ids of shape [batch], got ${labels.dtype} [${labels.shape.join(", ")}]`);
  }
  if (logits.rank !== 2 || logits.shape[0] !== labels.shape[0]) {
    throw new Error(`distillationLoss: logits [${logits.shape.join(", ")}] do not match labels [${labels.shape.join(", ")}]`);
  }
}

/** Mean (or class-weighted mean) cross-entropy of integer labels against logits. */
export function crossEntropy(logits: tf.Tensor2D, labels: tf.Tensor1D, classWeights?: readonly number[]): tf.Scalar {
  checkLabels(logits, labels);
  const numClasses = logits.shape[1];
  if (classWeights !== undefined) {
    if (classWeights.length !== numClasses) {
      throw new Error(`distillationLoss: ${classWeights.length} class weights for ${numClasses} classes`);
    }
    if (classWeights.some((w) => !Number.isFinite(w) || w < 0)) {
      throw new Error(`distillationLoss: class weights must be finite and non-negative, got [${classWeights.join(", ")}]`);
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

/** T² · mean over the batch of KL(softmax(teacher/T) ‖ softmax(student/T)). */
export function softTargetLoss(studentLogits: tf.Tensor2D, teacherLogits: tf.Tensor2D, temperature: number): tf.Scalar {
  if (!(temperature > 0) || !Number.isFinite(temperature)) {
    throw new Error(`distillationLoss: temperature must be a positive number, got ${temperature}`);
  }
  if (teacherLogits.rank !== 2 || teacherLogits.shape[0] !== studentLogits.shape[0] || teacherLogits.shape[1] !== studentLogits.shape[1]) {
    throw new Error(`distillationLoss: teacher logits [${teacherLogits.shape.join(", ")}] do not match student logits [${studentLogits.shape.join(", ")}]`);
  }
  return tf.tidy(() => {
    const teacherLogProbs = tf.logSoftmax(tf.div(teacherLogits, temperature));
    const studentLogProbs = tf.logSoftmax(tf.div(studentLogits, temperature));
    const kl = tf.sum(tf.mul(tf.exp(teacherLogProbs), tf.sub(teacherLogProbs, studentLogProbs)), 1);
    return tf.mul(tf.mean(kl), temperature * temperature) as tf.Scalar;
  });
}

/** α · CE + (1 − α) · T² · KL, as a scalar; terms with zero weight are not computed. */
export function distillationLoss(input: DistillationLossInput): tf.Scalar {
  const { studentLogits, teacherLogits, labels, temperature, alpha, classWeights } = input;
  if (!(alpha >= 0 && alpha <= 1)) throw new Error(`distillationLoss: alpha must be in [0, 1], got ${alpha}`);
  checkLabels(studentLogits, labels);
  if (alpha < 1 && teacherLogits === undefined) {
    throw new Error(`distillationLoss: alpha = ${alpha} < 1 needs teacherLogits`);
  }
  return tf.tidy(() => {
    const terms: tf.Scalar[] = [];
    if (alpha > 0) terms.push(tf.mul(crossEntropy(studentLogits, labels, classWeights), alpha));
    if (alpha < 1 && teacherLogits !== undefined) {
      terms.push(tf.mul(softTargetLoss(studentLogits, teacherLogits, temperature), 1 - alpha));
    }
    return terms.length === 1 ? terms[0] : (tf.addN(terms) as tf.Scalar);
  });
}
