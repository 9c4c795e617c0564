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
import * as tf from "@tensorflow/tfjs";
import { DT, OutputRef } from "../../graph/binding";
import type { GraphBuilder } from "../../graph/graph";
import { crossEntropyGraph } from "../../graph/loss-graph";
import { crossEntropy } from "../loss";
import { checkFeatureCount, formatLayerPairs, tappedPairs } from "./default-layers";
import {
  batchMatMulGraph,
  batchSizeGraph,
  expandDimsGraph,
  eyeGraph,
  flattenBatch,
  flattenBatchGraph,
  l2NormalizeGraph,
  l2Normalize,
  maximumGraph,
  smoothL1Mean,
  smoothL1MeanGraph,
} from "./feature-ops";
import { describeMethod, MethodDefinition } from "./method";

/** The code's pdist clamp on squared distances. */
const PDIST_EPSILON = 1e-12;

type Relations<T> = {
  /** [N, N] distances over their off-diagonal mean. */
  distance?: T;
  /** [N, N, N] cosines at vertex i. */
  angle?: T;
};

/** ψ_D and ψ_A of embeddings [N, D] (only the ones asked for). */
export function relations(embeddings: tf.Tensor2D, want: { distance: boolean; angle: boolean }): Relations<tf.Tensor> {
  return tf.tidy((): Relations<tf.Tensor> => {
    const n = embeddings.shape[0];
    const difference = tf.sub(tf.expandDims(embeddings, 1), tf.expandDims(embeddings, 0));
    const squared = tf.sum(tf.square(difference), 2);
    const result: Relations<tf.Tensor> = {};
    if (want.distance) {
      const distance = tf.mul(tf.sqrt(tf.maximum(squared, PDIST_EPSILON)), tf.sub(1, tf.eye(n)));
      const mean = tf.div(tf.sum(distance), Math.max(n * (n - 1), 1));
      result.distance = tf.div(distance, tf.maximum(mean, PDIST_EPSILON));
    }
    if (want.angle) {
      // u_ij as −(eᵢ − eⱼ)/‖…‖: the sign cancels in ⟨u_ij, u_ik⟩.
      const unit = l2Normalize(difference, 2);
      result.angle = tf.matMul(unit, unit, false, true);
    }
    return result;
  });
}

/** relations() as graph ops; the batch size is read at run time. */
export function relationsGraph(g: GraphBuilder, embeddings: OutputRef, want: { distance: boolean; angle: boolean }): Relations<OutputRef> {
  const difference = g.sub(expandDimsGraph(g, embeddings, 1), expandDimsGraph(g, embeddings, 0));
  const squared = g.sum(g.square(difference), [2]);
  const result: Relations<OutputRef> = {};
  if (want.distance) {
    const n = batchSizeGraph(g, embeddings);
    const count = g.cast(n, DT.int32, DT.float32);
    const distance = g.mul(g.sqrt(maximumGraph(g, squared, g.scalar(PDIST_EPSILON))), g.sub(g.scalar(1), eyeGraph(g, n)));
    const pairs = maximumGraph(g, g.mul(count, g.sub(count, g.scalar(1))), g.scalar(1));
    const mean = g.div(g.sum(distance, [0, 1]), pairs);
    result.distance = g.div(distance, maximumGraph(g, mean, g.scalar(PDIST_EPSILON)));
  }
  if (want.angle) {
    const unit = l2NormalizeGraph(g, difference, 2);
    result.angle = batchMatMulGraph(g, unit, unit, true);
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
      describe: () => describeMethod("rkd", { ...params, layers: formatLayerPairs(pairs) }),
      loss: ({ studentLogits, labels, classWeights, studentFeatures, teacherFeatures }) =>
        tf.tidy(() => {
          checkFeatureCount("rkd", 1, studentFeatures, teacherFeatures);
          const s = relations(flattenBatch(studentFeatures[0]), want);
          const t = relations(flattenBatch(teacherFeatures[0]), want);
          const terms: tf.Scalar[] = [crossEntropy(studentLogits, labels, classWeights)];
          if (s.distance && t.distance) terms.push(tf.mul(smoothL1Mean(s.distance, t.distance), distanceWeight));
          if (s.angle && t.angle) terms.push(tf.mul(smoothL1Mean(s.angle, t.angle), angleWeight));
          return tf.addN(terms) as tf.Scalar;
        }),
      lossGraph: ({ g, studentLogits, labels, classes, classWeights, studentFeatures, teacherFeatures }) => {
        checkFeatureCount("rkd", 1, studentFeatures, teacherFeatures);
        const terms: OutputRef[] = [crossEntropyGraph(g, studentLogits, labels, classes, classWeights)];
        g.scope("rkd", () => {
          const s = g.scope("student", () => relationsGraph(g, flattenBatchGraph(g, studentFeatures[0]), want));
          const t = g.scope("teacher", () => relationsGraph(g, flattenBatchGraph(g, teacherFeatures[0]), want));
          if (s.distance && t.distance) terms.push(g.mul(smoothL1MeanGraph(g, s.distance, t.distance), g.scalar(distanceWeight)));
          if (s.angle && t.angle) terms.push(g.mul(smoothL1MeanGraph(g, s.angle, t.angle), g.scalar(angleWeight)));
        });
        return g.addN(terms);
      },
    };
  },
};
