/**
 * LossOps (loss-ops.ts) as ops of a TensorFlow graph: `graphOps(g)` gives
 * the losses a GraphBuilder to emit into, for the compiled train step. Ops
 * GraphBuilder has no typed method for (Abs, Maximum, Pow, BatchMatMulV2,
 * OneHot, …) are built here, and the batch size and identity matrix are read
 * from the graph when it runs. Every op has a C++ gradient in the
 * libtensorflow the binding links (TF_AddGradients errors otherwise).
 */
import { DT, OutputRef } from "./binding";
import { attr, GraphBuilder } from "./graph";
import type { LossOps } from "./loss-ops";

const F32 = attr.type("T", DT.float32);

function int32Scalar(g: GraphBuilder, value: number): OutputRef {
  return g.constant({ dtype: DT.int32, shape: [], data: Int32Array.of(value) });
}

function expandDims(g: GraphBuilder, x: OutputRef, axis: number, dtype: number = DT.float32): OutputRef {
  return g.op("ExpandDims", [x, int32Scalar(g, axis)], [attr.type("T", dtype), attr.type("Tdim", DT.int32)]);
}

function reduce(g: GraphBuilder, type: "Max" | "Min", x: OutputRef, axis: number, keepDims: boolean): OutputRef {
  return g.op(type, [x, g.ints([axis])], [F32, attr.type("Tidx", DT.int32), attr.bool("keep_dims", keepDims)]);
}

/** The batch size of `x` (its first axis, known at run time), int32 scalar. */
function batchSizeInt(g: GraphBuilder, x: OutputRef): OutputRef {
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
function eye(g: GraphBuilder, n: OutputRef): OutputRef {
  const range = g.op("Range", [int32Scalar(g, 0), n, int32Scalar(g, 1)], [attr.type("Tidx", DT.int32)]);
  const rows = expandDims(g, range, 1, DT.int32);
  const cols = expandDims(g, range, 0, DT.int32);
  const equal = g.op("Equal", [rows, cols], [attr.type("T", DT.int32), attr.bool("incompatible_shape_error", true)]);
  return g.cast(equal, DT.bool, DT.float32);
}

/** The loss ops emitted into `g`. */
export function graphOps(g: GraphBuilder): LossOps<OutputRef> {
  return {
    kind: "graph",
    scalar: (value) => g.scalar(value),
    add: (a, b) => g.add(a, b),
    sub: (a, b) => g.sub(a, b),
    mul: (a, b) => g.mul(a, b),
    div: (a, b) => g.div(a, b),
    neg: (x) => g.neg(x),
    exp: (x) => g.exp(x),
    log: (x) => g.op("Log", [x], [F32]),
    sqrt: (x) => g.sqrt(x),
    square: (x) => g.square(x),
    abs: (x) => g.op("Abs", [x], [F32]),
    maximum: (a, b) => g.op("Maximum", [a, b], [F32]),
    minimum: (a, b) => g.op("Minimum", [a, b], [F32]),
    pow: (x, exponent) => g.op("Pow", [x, g.scalar(exponent)], [F32]),
    addN: (values) => g.addN(values),
    sum: (x, axes, keepDims = false) => g.sum(x, axes, keepDims),
    mean: (x, axes, keepDims = false) => g.mean(x, axes, keepDims),
    meanAll: (x) => g.mean(x, g.shape(x).map((_, i) => i)),
    max: (x, axis, keepDims = false) => reduce(g, "Max", x, axis, keepDims),
    min: (x, axis, keepDims = false) => reduce(g, "Min", x, axis, keepDims),
    logSoftmax: (x) => g.logSoftmax(x),
    reshape: (x, shape) => g.reshape(x, shape),
    expandDims: (x, axis) => expandDims(g, x, axis),
    concat: (values, axis) => g.op("ConcatV2", [values, int32Scalar(g, axis)], [attr.int("N", values.length), F32, attr.type("Tidx", DT.int32)]),
    matMul: (a, b, transposeB = false) => g.op("BatchMatMulV2", [a, b], [F32, attr.bool("adj_x", false), attr.bool("adj_y", transposeB)]),
    oneHot: (labels, classes) => g.op("OneHot", [labels, int32Scalar(g, classes), g.scalar(1), g.scalar(0)], [F32, attr.type("TI", DT.int32), attr.int("axis", -1)]),
    gather: (table, labels) => {
      const values = g.constant({ dtype: DT.float32, shape: [table.length], data: Float32Array.from(table) });
      return g.op("GatherV2", [values, labels, int32Scalar(g, 0)], [attr.type("Tparams", DT.float32), attr.type("Tindices", DT.int32), attr.type("Taxis", DT.int32), attr.int("batch_dims", 0)]);
    },
    shape: (x) => g.shape(x),
    batchSize: (x) => g.cast(batchSizeInt(g, x), DT.int32, DT.float32),
    eyeLike: (x) => eye(g, batchSizeInt(g, x)),
    scope: (name, build) => g.scope(name, build),
  };
}
