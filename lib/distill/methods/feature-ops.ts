/**
 * The few ops the feature-based methods (at.ts, rkd.ts, fitnets.ts) share,
 * each as an eager tfjs function and its graph twin built with the same
 * arithmetic, so the two losses agree to float32 rounding:
 *
 * - an L2 normalisation with PyTorch's F.normalize guard, x / max(‖x‖, ε),
 *   written as x / sqrt(max(Σx², ε²)): the same value, and a finite gradient
 *   at x = 0 (sqrt's derivative at 0 is never taken);
 * - the mean smooth-L1 (Huber, δ = 1) loss: ½d² for |d| < 1, |d| − ½ beyond,
 *   written as ½q² + (|d| − q) with q = min(|d|, 1), no branch op;
 * - a row-major flatten to [batch, features];
 * - graph-only: ops GraphBuilder has no method for (Abs, Maximum, Pow,
 *   BatchMatMulV2, …) and the dynamic batch size and identity matrix (the
 *   graph's batch axis is unknown until run time).
 *
 * Every graph op here has a C++ gradient in the libtensorflow the binding
 * links (checked when this was written; TF_AddGradients errors otherwise).
 */
import * as tf from "@tensorflow/tfjs";
import { DT, OutputRef } from "../../graph/binding";
import { attr, GraphBuilder } from "../../graph/graph";

/** F.normalize's default ε. */
export const NORMALIZE_EPSILON = 1e-12;

const F32 = attr.type("T", DT.float32);

// ---- eager (tfjs) ----

/** x / max(‖x‖₂, ε) along `axis` (the last by default). */
export function l2Normalize(x: tf.Tensor, axis = -1): tf.Tensor {
  return tf.tidy(() => tf.div(x, tf.sqrt(tf.maximum(tf.sum(tf.square(x), axis, true), NORMALIZE_EPSILON * NORMALIZE_EPSILON))));
}

/** Mean over every element of smooth-L1(a − b), δ = 1 (F.smooth_l1_loss, reduction "mean"). */
export function smoothL1Mean(a: tf.Tensor, b: tf.Tensor): tf.Scalar {
  return tf.tidy(() => {
    const d = tf.abs(tf.sub(a, b));
    const q = tf.minimum(d, 1);
    return tf.mean(tf.add(tf.mul(tf.square(q), 0.5), tf.sub(d, q))) as tf.Scalar;
  });
}

/** [batch, …] → [batch, product of the rest]. */
export function flattenBatch(x: tf.Tensor): tf.Tensor2D {
  return x.rank === 2 ? (x as tf.Tensor2D) : tf.reshape(x, [x.shape[0], -1]);
}

// ---- graph ----

export function absGraph(g: GraphBuilder, x: OutputRef): OutputRef {
  return g.op("Abs", [x], [F32]);
}

export function maximumGraph(g: GraphBuilder, x: OutputRef, y: OutputRef): OutputRef {
  return g.op("Maximum", [x, y], [F32]);
}

export function minimumGraph(g: GraphBuilder, x: OutputRef, y: OutputRef): OutputRef {
  return g.op("Minimum", [x, y], [F32]);
}

export function powGraph(g: GraphBuilder, x: OutputRef, exponent: number): OutputRef {
  return g.op("Pow", [x, g.scalar(exponent)], [F32]);
}

function int32Scalar(g: GraphBuilder, value: number): OutputRef {
  return g.constant({ dtype: DT.int32, shape: [], data: Int32Array.of(value) });
}

export function expandDimsGraph(g: GraphBuilder, x: OutputRef, axis: number, dtype: number = DT.float32): OutputRef {
  return g.op("ExpandDims", [x, int32Scalar(g, axis)], [attr.type("T", dtype), attr.type("Tdim", DT.int32)]);
}

/** a · bᵀ (adjointB) or a · b over the last two axes, batched over the leading ones (BatchMatMulV2). */
export function batchMatMulGraph(g: GraphBuilder, a: OutputRef, b: OutputRef, adjointB = false): OutputRef {
  return g.op("BatchMatMulV2", [a, b], [F32, attr.bool("adj_x", false), attr.bool("adj_y", adjointB)]);
}

/** l2Normalize as graph ops along `axis` (non-negative). */
export function l2NormalizeGraph(g: GraphBuilder, x: OutputRef, axis: number): OutputRef {
  const squares = g.sum(g.square(x), [axis], true);
  return g.div(x, g.sqrt(maximumGraph(g, squares, g.scalar(NORMALIZE_EPSILON * NORMALIZE_EPSILON))));
}

/** smoothL1Mean as graph ops. */
export function smoothL1MeanGraph(g: GraphBuilder, a: OutputRef, b: OutputRef): OutputRef {
  const d = absGraph(g, g.sub(a, b));
  const q = minimumGraph(g, d, g.scalar(1));
  const perElement = g.add(g.mul(g.square(q), g.scalar(0.5)), g.sub(d, q));
  return g.mean(perElement, g.shape(perElement).map((_, i) => i));
}

/** Mean over every element. */
export function meanAllGraph(g: GraphBuilder, x: OutputRef): OutputRef {
  return g.mean(x, g.shape(x).map((_, i) => i));
}

/** [batch, …] → [batch, product of the rest]; the non-batch sizes must be known. */
export function flattenBatchGraph(g: GraphBuilder, x: OutputRef): OutputRef {
  const shape = g.shape(x);
  if (shape.length === 2) return x;
  const rest = shape.slice(1);
  if (rest.some((d) => d < 0)) throw new Error(`flatten: a feature of unknown size [${shape.join(", ")}]`);
  return g.reshape(x, [-1, rest.reduce((a, b) => a * b, 1)]);
}

/** The batch size of `x` (its first axis, known at run time), int32 scalar. */
export function batchSizeGraph(g: GraphBuilder, x: OutputRef): OutputRef {
  const shape = g.op("Shape", [x], [F32, attr.type("out_type", DT.int32)]);
  return g.op("StridedSlice", [shape, g.ints([0]), g.ints([1]), g.ints([1])], [
    attr.type("T", DT.int32),
    attr.type("Index", DT.int32),
    attr.int("begin_mask", 0),
    attr.int("end_mask", 0),
    attr.int("ellipsis_mask", 0),
    attr.int("new_axis_mask", 0),
    attr.int("shrink_axis_mask", 1),
  ]);
}

/** The [n, n] identity (float32) for an int32 scalar n. */
export function eyeGraph(g: GraphBuilder, n: OutputRef): OutputRef {
  const range = g.op("Range", [int32Scalar(g, 0), n, int32Scalar(g, 1)], [attr.type("Tidx", DT.int32)]);
  const rows = expandDimsGraph(g, range, 1, DT.int32);
  const cols = expandDimsGraph(g, range, 0, DT.int32);
  const equal = g.op("Equal", [rows, cols], [attr.type("T", DT.int32), attr.bool("incompatible_shape_error", true)]);
  return g.cast(equal, DT.bool, DT.float32);
}
