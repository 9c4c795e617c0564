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
 * (the term "at"; the cross-entropy is the objective's, weight 1 by default)
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
 * f = 0 is 0 as in PyTorch: the loss ops' abs, lib/graph/loss-ops.ts).
 */
import { checkFeatureCount, formatLayerPairs, tappedPairs } from "./default-layers";
import { l2Normalize } from "./feature-ops";
import { describeMethod, LossInput, MethodDefinition } from "./method";

/** Attention maps [batch, h·w] of an NHWC feature. */
export function attentionMap<V>({ ops }: LossInput<V>, feature: V, p: number): V {
  const [, h, w] = ops.shape(feature);
  const powered = p === 2 ? ops.square(feature) : ops.pow(ops.abs(feature), p);
  return l2Normalize(ops, ops.reshape(ops.mean(powered, [3]), [-1, h * w]), 1);
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
      hardLabelWeight: 1,
      describe: () => describeMethod("at", { ...params, layers: layerText }),
      terms: (input) => {
        const { ops, studentFeatures, teacherFeatures } = input;
        checkFeatureCount("at", pairs.length, studentFeatures, teacherFeatures);
        const terms = pairs.map((pair, i) =>
          ops.scope(`at_${pair.teacher}_${pair.student}`, () => {
            const difference = ops.sub(attentionMap(input, studentFeatures[i], p), attentionMap(input, teacherFeatures[i], p));
            return ops.meanAll(ops.square(difference));
          }),
        );
        return { at: ops.mul(ops.addN(terms), ops.scalar(beta)) };
      },
    };
  },
};
