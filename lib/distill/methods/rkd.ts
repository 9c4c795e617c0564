/**
 * Relational knowledge distillation: Park, Kim, Lu & Cho, "Relational
 * Knowledge Distillation" (CVPR 2019), RKD-DA: the student's embeddings are
 * taught the teacher's distances and angles between samples of the batch.
 *
 * For embeddings e₁…e_N (one layer each, a 4-D feature flattened):
 *
 *   distance  ψ_D(i, j) = ‖eᵢ − eⱼ‖₂ / μ,  μ the mean of ‖eᵢ − eⱼ‖₂ over the N(N − 1) pairs i ≠ j
 *   angle     ψ_A(i, j, k) = ⟨u_ij, u_ik⟩,  u_ij = (eⱼ − eᵢ) / max(‖eⱼ − eᵢ‖₂, 1e-12)   (vertex i)
 *
 *   L_D = mean over the N² (i, j) of smooth-L1(ψ_D^s − ψ_D^t)
 *   L_A = mean over the N³ (i, j, k) of smooth-L1(ψ_A^s − ψ_A^t)     (Huber, δ = 1)
 *   L   = CE(labels, student) + w_D · L_D + w_A · L_A,   w_D = 25, w_A = 50
 *
 * (terms "rkd_distance" and "rkd_angle"; the cross-entropy is the
 * objective's, weight 1 by default)
 *
 * The paper's sums are taken as the authors' code takes them (lenscloth/RKD
 * metric/loss.py RkdDistance / RKdAngle, and mdistiller's RKD with the same
 * 25 / 50 for CIFAR): F.smooth_l1_loss means over all N² and N³ entries,
 * the diagonal (ψ_D(i, i) = 0) and degenerate triplets (a zero u, so ψ_A = 0
 * for both) included; the code's pdist clamps the squared distance at 1e-12
 * before the square root and zeroes the diagonal, so the square root's
 * derivative is never taken at 0, and the diagonal carries no gradient. The
 * unit vectors use F.normalize's guard written as d / sqrt(max(‖d‖², 1e-24)),
 * which keeps u_ii's gradient finite. Two identical embeddings (i ≠ j) get
 * the code's behaviour: ψ_D from the 1e-12 clamp and a gradient scaled by
 * 1e12 through u_ij, finite.
 *
 * A batch of one has no pairs: both terms are 0 (the code divides by zero).
 */
import type { LossOps } from "../../graph/loss-ops";
import { checkFeatureCount, formatLayerPairs, tappedPairs } from "./default-layers";
import { flattenBatch, l2Normalize, smoothL1Mean } from "./feature-ops";
import { describeMethod, LossInput, LossTerms, MethodDefinition } from "./method";

/** The code's pdist clamp on squared distances. */
const PDIST_EPSILON = 1e-12;

type Relations<V> = {
  /** [N, N] distances over their off-diagonal mean. */
  distance?: V;
  /** [N, N, N] cosines at vertex i. */
  angle?: V;
};

/** ψ_D and ψ_A of embeddings [N, D] (only the ones asked for); the batch size N is read when the ops run. */
export function relations<V>(ops: LossOps<V>, embeddings: V, want: { distance: boolean; angle: boolean }): Relations<V> {
  const difference = ops.sub(ops.expandDims(embeddings, 1), ops.expandDims(embeddings, 0));
  const squared = ops.sum(ops.square(difference), [2]);
  const result: Relations<V> = {};
  if (want.distance) {
    const count = ops.batchSize(embeddings);
    const distance = ops.mul(ops.sqrt(ops.maximum(squared, ops.scalar(PDIST_EPSILON))), ops.sub(ops.scalar(1), ops.eyeLike(embeddings)));
    const pairs = ops.maximum(ops.mul(count, ops.sub(count, ops.scalar(1))), ops.scalar(1));
    const mean = ops.div(ops.sum(distance, [0, 1]), pairs);
    result.distance = ops.div(distance, ops.maximum(mean, ops.scalar(PDIST_EPSILON)));
  }
  if (want.angle) {
    // u_ij as −(eᵢ − eⱼ)/‖…‖: the sign cancels in ⟨u_ij, u_ik⟩.
    const unit = l2Normalize(ops, difference, 2);
    result.angle = ops.matMul(unit, unit, true);
  }
  return result;
}

export const rkd: MethodDefinition = {
  name: "rkd",
  reference: "Park, Kim, Lu & Cho, Relational Knowledge Distillation, CVPR 2019",
  params: {
    distanceWeight: { kind: "number", default: 25, min: 0, doc: "weight w_D of the distance-wise loss (the paper's 25)" },
    angleWeight: { kind: "number", default: 50, min: 0, doc: "weight w_A of the angle-wise loss (the paper's 50)" },
    layers: { kind: "string", default: "auto", doc: 'one pair "teacherLayer:studentLayer" of embeddings (4-D maps are flattened), or "auto" for the study pairs\' penultimate layers (default-layers.ts)' },
  },
  create(params, { teacher, student }) {
    const distanceWeight = params.distanceWeight as number;
    const angleWeight = params.angleWeight as number;
    const pairs = tappedPairs("rkd", params.layers as string, teacher, student, { single: "teacherLayer:studentLayer" });
    const [pair] = pairs;
    const want = { distance: distanceWeight > 0, angle: angleWeight > 0 };
    return {
      name: "rkd",
      params,
      taps: { teacher: [pair.teacher], student: [pair.student] },
      parts: [],
      hardLabelWeight: 1,
      describe: () => describeMethod("rkd", { ...params, layers: formatLayerPairs(pairs) }),
      terms<V>({ ops, studentFeatures, teacherFeatures }: LossInput<V>): LossTerms<V> {
        checkFeatureCount("rkd", 1, studentFeatures, teacherFeatures);
        const terms: LossTerms<V> = {};
        ops.scope("rkd", () => {
          const s = ops.scope("student", () => relations(ops, flattenBatch(ops, studentFeatures[0]), want));
          const t = ops.scope("teacher", () => relations(ops, flattenBatch(ops, teacherFeatures[0]), want));
          if (s.distance && t.distance) terms.rkd_distance = ops.mul(smoothL1Mean(ops, s.distance, t.distance), ops.scalar(distanceWeight));
          if (s.angle && t.angle) terms.rkd_angle = ops.mul(smoothL1Mean(ops, s.angle, t.angle), ops.scalar(angleWeight));
        });
        return terms;
      },
    };
  },
};
