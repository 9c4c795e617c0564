/**
 * What the trainer consumes: batches of images and integer labels, produced
 * per epoch by any iterable (the data pipeline's generator, an array in tests).
 * The trainer disposes every batch's tensors after use.
 */
import * as tf from "@tensorflow/tfjs";
import { mixSeed } from "../data/random";

export interface Batch {
  /** Images, NHWC float32, already preprocessed for the model. */
  xs: tf.Tensor4D;
  /** Integer class ids, int32, [batch]. */
  labels: tf.Tensor1D;
  /** Sample ids (dataset index or file id), needed to cache teacher logits. */
  ids?: readonly (number | string)[];
  /** True when the images were randomly augmented: cached teacher logits would be wrong for them. */
  augmented?: boolean;
}

/** A batch with the teacher's outputs attached, as a train step receives it. */
export interface StepBatch {
  xs: tf.Tensor4D;
  labels: tf.Tensor1D;
  /** The teacher's logits; needed when distilling. */
  teacherLogits?: tf.Tensor2D;
  /** The teacher's tapped layer outputs, in the distillation method's `taps.teacher` order. */
  teacherFeatures?: readonly tf.Tensor[];
}

/** Which epoch is being produced; `seed` is derived from the run's seed and the epoch, so epoch e gets the same batches whether or not the run was resumed. */
export interface EpochContext {
  epoch: number;
  seed: number;
}

export type BatchIterable = AsyncIterable<Batch> | Iterable<Batch>;

/** Produces one epoch of batches; called once per epoch (and once per evaluation). */
export type BatchSource = (context: EpochContext) => BatchIterable;

export function disposeBatch(batch: Batch): void {
  tf.dispose([batch.xs, batch.labels]);
}

/** Checks shapes and dtypes up front so a bad pipeline fails with a clear message, not deep inside a kernel. */
export function checkBatch(batch: Batch, where: string): void {
  if (!batch || !(batch.xs instanceof tf.Tensor) || !(batch.labels instanceof tf.Tensor)) {
    throw new Error(`${where}: a batch must be { xs: Tensor4D, labels: Tensor1D }`);
  }
  if (batch.xs.rank !== 4) throw new Error(`${where}: xs must be NHWC rank 4, got shape [${batch.xs.shape.join(", ")}]`);
  if (batch.labels.rank !== 1 || batch.labels.dtype !== "int32") {
    throw new Error(`${where}: labels must be int32 class ids of shape [batch], got ${batch.labels.dtype} [${batch.labels.shape.join(", ")}]`);
  }
  if (batch.labels.shape[0] !== batch.xs.shape[0]) {
    throw new Error(`${where}: ${batch.xs.shape[0]} images but ${batch.labels.shape[0]} labels`);
  }
  if (batch.ids !== undefined && batch.ids.length !== batch.xs.shape[0]) {
    throw new Error(`${where}: ${batch.xs.shape[0]} images but ${batch.ids.length} ids`);
  }
}

/** The seed of epoch `epoch` of a run: unrelated streams per epoch, the same on every resume. */
export function epochSeed(seed: number, epoch: number): number {
  return mixSeed(seed, epoch);
}
