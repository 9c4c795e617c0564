/**
 * Attention transfer: Zagoruyko & Komodakis, "Paying More Attention to
 * Attention: Improving the Performance of Convolutional Neural Networks via
 * Attention Transfer" (ICLR 2017), activation-based AT.
 *
 * For each teacher/student pair of feature maps f (NHWC) of equal height and
 * width, the attention map of sample b is
 *
 *   a(b) = q(b) / max(‖q(b)‖₂, 1e-12),   q(b)ⱼ = mean over channels c of |f(b)ⱼ,c|^p
 *
 * (j the spatial positions, row-major; the paper's F^p_sum sums over
 * channels, the authors' code averages: the same after normalisation), and
 *
 *   L = CE(labels, student) + β · Σ_pairs (1/(B·H·W)) Σ_b ‖a_s(b) − a_t(b)‖₂²
 *
 * The formulation followed is the authors' code (szagoruyko/attention-transfer
 * utils.at_loss, `(at(x) - at(y)).pow(2).mean()`, added as `beta * sum` with
 * β = 1e3 for CIFAR), which mdistiller's AT repeats (FEAT_WEIGHT 1000, p 2):
 * the squared difference averaged over batch and map positions, no ½. The
 * paper's eq. (2) writes β/2 · Σ ‖a_s − a_t‖₂ (a norm, not squared) and sets
 * β to 10³ divided by the map's size and the batch size; the code's squared
 * mean is what is implemented, with its β, so its settings carry over.
 * Unlike mdistiller, maps of different sizes are an error, not average-pooled.
 *
 * |f|^p: Square when p = 2; Pow of |f| otherwise (p ≥ 1, so the gradient at
 * f = 0 is 0 as in PyTorch; eager |f| is f·sign(f), since tfjs's abs has
 * gradient −1 at 0).
 */
import * as tf from "@tensorflow/tfjs";
import type { OutputRef } from "../../graph/binding";
import type { GraphBuilder } from "../../graph/graph";
import { crossEntropyGraph } from "../../graph/loss-graph";
import { crossEntropy } from "../loss";
import { checkFeatureCount, formatLayerPairs, tappedPairs } from "./default-layers";
import { absGraph, l2Normalize, l2NormalizeGraph, meanAllGraph, powGraph } from "./feature-ops";
import { describeMethod, MethodDefinition } from "./method";

/** Attention maps [batch, h·w] of an NHWC feature. */
export function attentionMap(feature: tf.Tensor, p: number): tf.Tensor2D {
  return tf.tidy(() => {
    const powered = p === 2 ? tf.square(feature) : tf.pow(tf.mul(feature, tf.sign(feature)), p);
    return l2Normalize(tf.reshape(tf.mean(powered, 3), [feature.shape[0], -1])) as tf.Tensor2D;
  });
}

export function attentionMapGraph(g: GraphBuilder, feature: OutputRef, p: number): OutputRef {
  const [, h, w] = g.shape(feature);
  const powered = p === 2 ? g.square(feature) : powGraph(g, absGraph(g, feature), p);
  return l2NormalizeGraph(g, g.reshape(g.mean(powered, [3]), [-1, h * w]), 1);
}

export const at: MethodDefinition = {
  name: "at",
  reference: "Zagoruyko & Komodakis, Paying More Attention to Attention: Improving the Performance of Convolutional Neural Networks via Attention Transfer, ICLR 2017",
  params: {
    p: { kind: "number", default: 2, min: 1, doc: "exponent p of the attention map mean_c |f|^p (the paper's choice is 2)" },
    beta: { kind: "number", default: 1000, min: 0, doc: "weight β of the attention term, Σ over pairs of the mean over batch and positions of (a_s − a_t)² (the authors' code and mdistiller: 1000)" },
    layers: { kind: "string", default: "auto", doc: 'layer pairs "teacherLayer:studentLayer,…" of equal height and width, or "auto" for the study pairs (default-layers.ts)' },
  },
  create(params, { teacher, student }) {
    const p = params.p as number;
    const beta = params.beta as number;
    const pairs = tappedPairs("at", params.layers as string, teacher, student, { sameResolution: "attention maps are compared position by position, so pair layers of the same resolution" });
    const layerText = formatLayerPairs(pairs);
    return {
      name: "at",
      params,
      taps: { teacher: pairs.map((x) => x.teacher), student: pairs.map((x) => x.student) },
      parts: [],
      describe: () => describeMethod("at", { ...params, layers: layerText }),
      loss: ({ studentLogits, labels, classWeights, studentFeatures, teacherFeatures }) =>
        tf.tidy(() => {
          checkFeatureCount("at", pairs.length, studentFeatures, teacherFeatures);
          const terms = pairs.map((_, i) => tf.mean(tf.squaredDifference(attentionMap(studentFeatures[i], p), attentionMap(teacherFeatures[i], p))));
          return tf.add(crossEntropy(studentLogits, labels, classWeights), tf.mul(tf.addN(terms), beta)) as tf.Scalar;
        }),
      lossGraph: ({ g, studentLogits, labels, classes, classWeights, studentFeatures, teacherFeatures }) => {
        checkFeatureCount("at", pairs.length, studentFeatures, teacherFeatures);
        const terms = pairs.map((pair, i) =>
          g.scope(`at_${pair.teacher}_${pair.student}`, () => {
            const difference = g.sub(attentionMapGraph(g, studentFeatures[i], p), attentionMapGraph(g, teacherFeatures[i], p));
            return meanAllGraph(g, g.square(difference));
          }),
        );
        return g.add(crossEntropyGraph(g, studentLogits, labels, classes, classWeights), g.mul(g.addN(terms), g.scalar(beta)));
      },
    };
  },
};
