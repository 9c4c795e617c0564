/**
 * Inference over a batch source: mean cross-entropy, accuracy, and the
 * softmax probabilities and labels for the test metrics. Inference mode:
 * dropout off, BatchNorm uses its moving statistics.
 */
import * as tf from "@tensorflow/tfjs";
import { BatchIterable, checkBatch, disposeBatch } from "./batch";
import { crossEntropy } from "./loss";
import { classificationReport, ClassificationReport } from "./metrics";

export interface Evaluation {
  /** Mean (unweighted) cross-entropy over all samples. */
  loss: number;
  accuracy: number;
  count: number;
  /** Row-major [count × numClasses] softmax probabilities. */
  probabilities: Float32Array;
  labels: Int32Array;
  numClasses: number;
}

/** `preprocess`: the model's input preprocessing, when the batches are not preprocessed already. */
export async function evaluateModel(model: tf.LayersModel, batches: BatchIterable, where = "evaluate", preprocess?: (xs: tf.Tensor4D) => tf.Tensor4D): Promise<Evaluation> {
  const probabilityChunks: Float32Array[] = [];
  const labelChunks: Int32Array[] = [];
  let lossSum = 0;
  let correct = 0;
  let count = 0;
  let numClasses = 0;
  for await (const batch of batches) {
    try {
      checkBatch(batch, where);
      const [loss, probabilities, hits] = tf.tidy(() => {
        const logits = model.apply(preprocess ? preprocess(batch.xs) : batch.xs, { training: false }) as tf.Tensor2D;
        const hit = tf.sum(tf.cast(tf.equal(tf.argMax(logits, 1), batch.labels), "float32"));
        return [crossEntropy(logits, batch.labels), tf.softmax(logits), hit];
      }) as [tf.Scalar, tf.Tensor2D, tf.Scalar];
      const n = batch.labels.shape[0];
      numClasses = probabilities.shape[1];
      const [lossValue, probabilityValues, labelValues, hitValue] = await Promise.all([loss.data(), probabilities.data(), batch.labels.data(), hits.data()]);
      tf.dispose([loss, probabilities, hits]);
      lossSum += lossValue[0] * n;
      correct += hitValue[0];
      count += n;
      probabilityChunks.push(probabilityValues as Float32Array);
      labelChunks.push(Int32Array.from(labelValues));
    } finally {
      disposeBatch(batch);
    }
  }
  if (count === 0) throw new Error(`${where}: the batch source produced no samples`);
  const probabilities = new Float32Array(count * numClasses);
  const labels = new Int32Array(count);
  let offset = 0;
  probabilityChunks.forEach((chunk, i) => {
    probabilities.set(chunk, offset * numClasses);
    labels.set(labelChunks[i], offset);
    offset += labelChunks[i].length;
  });
  return { loss: lossSum / count, accuracy: correct / count, count, probabilities, labels, numClasses };
}

/** Test metrics of a model on a batch source (positive class 1 = PNEUMONIA for chest X-rays). */
export async function testReport(model: tf.LayersModel, batches: BatchIterable, positiveClass = 1, preprocess?: (xs: tf.Tensor4D) => tf.Tensor4D): Promise<ClassificationReport & { loss: number }> {
  const evaluation = await evaluateModel(model, batches, "test", preprocess);
  return { ...classificationReport(evaluation.probabilities, evaluation.labels, evaluation.numClasses, positiveClass), loss: evaluation.loss };
}
