/**
 * The few loss pieces several methods share, written once against the loss
 * ops (lib/graph/loss-ops.ts), so they run eagerly and as graph ops alike:
 *
 * - KL divergence per row from log-probabilities (kd.ts, dkd.ts);
 * - an L2 normalisation with PyTorch's F.normalize guard, x / max(‖x‖, ε),
 *   written as x / sqrt(max(Σx², ε²)): the same value, and a finite gradient
 *   at x = 0 (sqrt's derivative at 0 is never taken) (at.ts, rkd.ts);
 * - the mean smooth-L1 (Huber, δ = 1) loss: ½d² for |d| < 1, |d| − ½ beyond,
 *   written as ½q² + (|d| − q) with q = min(|d|, 1), no branch op (rkd.ts);
 * - a row-major flatten to [batch, features] (rkd.ts).
 */
import type { LossOps } from "../../graph/loss-ops";

/** F.normalize's default ε. */
export const NORMALIZE_EPSILON = 1e-12;

/** Σ over a row of exp(logP_T) · (logP_T − logP_S), [batch, k] → [batch]. */
export function klRows<V>(ops: LossOps<V>, teacherLogProbs: V, studentLogProbs: V): V {
  return ops.sum(ops.mul(ops.exp(teacherLogProbs), ops.sub(teacherLogProbs, studentLogProbs)), [1]);
}

/** x / max(‖x‖₂, ε) along `axis`. */
export function l2Normalize<V>(ops: LossOps<V>, x: V, axis: number): V {
  const squares = ops.sum(ops.square(x), [axis], true);
  return ops.div(x, ops.sqrt(ops.maximum(squares, ops.scalar(NORMALIZE_EPSILON * NORMALIZE_EPSILON))));
}

/** Mean over every element of smooth-L1(a − b), δ = 1 (F.smooth_l1_loss, reduction "mean"). */
export function smoothL1Mean<V>(ops: LossOps<V>, a: V, b: V): V {
  const d = ops.abs(ops.sub(a, b));
  const q = ops.minimum(d, ops.scalar(1));
  return ops.meanAll(ops.add(ops.mul(ops.square(q), ops.scalar(0.5)), ops.sub(d, q)));
}

/** [batch, …] → [batch, product of the rest]; the non-batch sizes must be known. */
export function flattenBatch<V>(ops: LossOps<V>, x: V): V {
  const shape = ops.shape(x);
  if (shape.length === 2) return x;
  const rest = shape.slice(1);
  if (rest.some((d) => d < 0)) throw new Error(`flatten: a feature of unknown size [${shape.join(", ")}]`);
  return ops.reshape(x, [-1, rest.reduce((a, b) => a * b, 1)]);
}
