/**
 * LossOps (loss-ops.ts) on tfjs tensors: the losses run eagerly, op by op,
 * inside the caller's tf.tidy / tf.variableGrads. |x| is x·sign(x), whose
 * gradient at 0 is 0 as TensorFlow's and PyTorch's (tfjs's own abs has −1).
 */
import * as tf from "@tensorflow/tfjs";
import type { LossOps } from "./loss-ops";

export const eagerOps: LossOps<tf.Tensor> = {
  kind: "eager",
  scalar: (value) => tf.scalar(value, "float32"),
  add: (a, b) => tf.add(a, b),
  sub: (a, b) => tf.sub(a, b),
  mul: (a, b) => tf.mul(a, b),
  div: (a, b) => tf.div(a, b),
  neg: (x) => tf.neg(x),
  exp: (x) => tf.exp(x),
  log: (x) => tf.log(x),
  sqrt: (x) => tf.sqrt(x),
  square: (x) => tf.square(x),
  abs: (x) => tf.mul(x, tf.sign(x)),
  maximum: (a, b) => tf.maximum(a, b),
  minimum: (a, b) => tf.minimum(a, b),
  pow: (x, exponent) => tf.pow(x, exponent),
  addN: (values) => (values.length === 1 ? values[0] : tf.addN(values as tf.Tensor[])),
  sum: (x, axes, keepDims = false) => tf.sum(x, axes, keepDims),
  mean: (x, axes, keepDims = false) => tf.mean(x, axes, keepDims),
  meanAll: (x) => tf.mean(x),
  max: (x, axis, keepDims = false) => tf.max(x, axis, keepDims),
  min: (x, axis, keepDims = false) => tf.min(x, axis, keepDims),
  logSoftmax: (x) => tf.logSoftmax(x),
  reshape: (x, shape) => tf.reshape(x, shape),
  expandDims: (x, axis) => tf.expandDims(x, axis),
  concat: (values, axis) => tf.concat(values as tf.Tensor[], axis),
  matMul: (a, b, transposeB = false) => tf.matMul(a, b, false, transposeB),
  oneHot: (labels, classes) => tf.oneHot(labels as tf.Tensor1D, classes, 1, 0, "float32"),
  gather: (table, labels) => tf.gather(tf.tensor1d(table as number[], "float32"), labels),
  shape: (x) => x.shape.slice(),
  batchSize: (x) => tf.scalar(x.shape[0], "float32"),
  eyeLike: (x) => tf.eye(x.shape[0]),
  scope: (_name, build) => build(),
};
