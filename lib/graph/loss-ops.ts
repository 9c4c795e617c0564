/**
 * The small set of ops every loss in kdlab is written against, once: the
 * hard-label cross-entropy (lib/distill/loss.ts) and each distillation
 * method's terms (lib/distill/methods). Two implementations run the same
 * loss code: loss-ops-eager.ts on tfjs tensors (the eager train step, the
 * evaluation) and loss-ops-graph.ts as ops of a TensorFlow graph (the
 * compiled train step), so the two steps compute one formula, op for op.
 *
 * Values are float32 unless said (labels are int32 class ids); axes are
 * non-negative. In a graph the batch axis is known only at run time:
 * `shape` says -1 for it, `batchSize` and `eyeLike` read it when the graph
 * runs.
 */

export interface LossOps<V> {
  /** "eager" (tfjs) or "graph" (TensorFlow graph ops). */
  readonly kind: "eager" | "graph";
  scalar(value: number): V;
  add(a: V, b: V): V;
  sub(a: V, b: V): V;
  mul(a: V, b: V): V;
  div(a: V, b: V): V;
  neg(x: V): V;
  exp(x: V): V;
  log(x: V): V;
  sqrt(x: V): V;
  square(x: V): V;
  /** |x|, with gradient 0 at x = 0 (TensorFlow's Abs; PyTorch's abs). */
  abs(x: V): V;
  maximum(a: V, b: V): V;
  minimum(a: V, b: V): V;
  pow(x: V, exponent: number): V;
  /** The sum of one or more values of one shape. */
  addN(values: readonly V[]): V;
  sum(x: V, axes: number[], keepDims?: boolean): V;
  mean(x: V, axes: number[], keepDims?: boolean): V;
  /** The mean over every element (a scalar). */
  meanAll(x: V): V;
  max(x: V, axis: number, keepDims?: boolean): V;
  min(x: V, axis: number, keepDims?: boolean): V;
  /** Log-softmax over the last axis. */
  logSoftmax(x: V): V;
  /** Reshape; -1 stands for the one axis inferred from the others. */
  reshape(x: V, shape: number[]): V;
  expandDims(x: V, axis: number): V;
  concat(values: readonly V[], axis: number): V;
  /** a·b (or a·bᵀ with `transposeB`) over the last two axes, batched over the leading ones. */
  matMul(a: V, b: V, transposeB?: boolean): V;
  /** int32 class ids [batch] as float32 one-hot rows [batch, classes]. */
  oneHot(labels: V, classes: number): V;
  /** table[labels[i]] for each i: a constant float32 table looked up by int32 class ids. */
  gather(table: readonly number[], labels: V): V;
  /** The static shape; -1 for an axis known only at run time (the graph's batch). */
  shape(x: V): number[];
  /** float32 scalar: the size of x's first axis. */
  batchSize(x: V): V;
  /** The [n, n] float32 identity, n the size of x's first axis. */
  eyeLike(x: V): V;
  /** Builds `build`'s ops under the name `name` (graph op names; eager: runs it). */
  scope<T>(name: string, build: () => T): T;
}
