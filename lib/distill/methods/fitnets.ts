/**
 * FitNets hints: Romero, Ballas, Kahou, Chassang, Gatta & Bengio, "FitNets:
 * Hints for Thin Deep Nets" (ICLR 2015). A trainable regressor r maps the
 * student's guided layer onto the teacher's hint layer:
 *
 *   L = CE(labels, student) + w · mean over batch, positions and channels of (r(f_s) − f_t)²,   w = 100
 *
 * as mdistiller's FitNet trains it (one stage, F.mse_loss's mean, FEAT_WEIGHT
 * 100, CE weight 1). The paper's two-stage schedule (first the student's
 * layers up to the guided one trained on the hint alone, ½‖·‖², then the
 * whole student by KD) is not used: hint and labels train together from the
 * first step, like the other methods here.
 *
 * The regressor (our choice): a 1×1 convolution with bias, student channels →
 * teacher channels, linear, kernel glorotUniform seeded from the run's seed,
 * bias 0. mdistiller's ConvReg for maps of equal size is the same 1×1
 * convolution followed by BatchNorm and ReLU; a plain linear map keeps the
 * regressor a single layer the train step optimises and checkpoints with
 * the student, and the guided and hint maps must have the same height and
 * width (an error naming both layers otherwise). It is `parts[0]`, applied in
 * training mode through the loss input's `applyPart(0, …)` (eagerly
 * `parts[0].apply`, in the graph its layers as graph ops). The hint term is
 * "fitnets"; the cross-entropy is the objective's, weight 1 by default.
 */
import * as tf from "@tensorflow/tfjs";
import { checkFeatureCount, formatLayerPairs, tappedPairs } from "./default-layers";
import { describeMethod, MethodDefinition } from "./method";

/** The 1×1 convolution [h, w, cStudent] → [h, w, cTeacher]. */
export function hintRegressor(height: number, width: number, studentChannels: number, teacherChannels: number, seed: number): tf.LayersModel {
  const input = tf.input({ shape: [height, width, studentChannels], name: "fitnets_guided" });
  const output = tf.layers
    .conv2d({
      filters: teacherChannels,
      kernelSize: 1,
      padding: "valid",
      useBias: true,
      kernelInitializer: tf.initializers.glorotUniform({ seed }),
      biasInitializer: "zeros",
      name: "fitnets_regressor_conv",
    })
    .apply(input) as tf.SymbolicTensor;
  return tf.model({ inputs: input, outputs: output, name: "fitnets_regressor" });
}

export const fitnets: MethodDefinition = {
  name: "fitnets",
  reference: "Romero, Ballas, Kahou, Chassang, Gatta & Bengio, FitNets: Hints for Thin Deep Nets, ICLR 2015",
  params: {
    hintWeight: { kind: "number", default: 100, min: 0, doc: "weight w of the hint loss, the mean squared error of the regressed student layer against the teacher's (mdistiller: 100)" },
    layers: { kind: "string", default: "auto", doc: 'one pair "teacherLayer:studentLayer" (hint:guided) of the same height and width, or "auto" for the study pairs (default-layers.ts)' },
  },
  create(params, { teacher, student, seed }) {
    const hintWeight = params.hintWeight as number;
    const pairs = tappedPairs("fitnets", params.layers as string, teacher, student, {
      single: "teacherLayer:studentLayer (hint:guided)",
      sameResolution: "the 1×1 regressor needs a hint and guided layer of the same resolution",
    });
    const [pair] = pairs;
    const [height, width, studentChannels] = pair.studentShape;
    const regressor = hintRegressor(height, width, studentChannels, pair.teacherShape[2], seed);
    return {
      name: "fitnets",
      params,
      taps: { teacher: [pair.teacher], student: [pair.student] },
      parts: [regressor],
      hardLabelWeight: 1,
      describe: () => describeMethod("fitnets", { ...params, layers: formatLayerPairs(pairs) }),
      terms: ({ ops, studentFeatures, teacherFeatures, applyPart }) => {
        checkFeatureCount("fitnets", 1, studentFeatures, teacherFeatures);
        const regressed = applyPart(0, studentFeatures[0]);
        const hint = ops.scope("fitnets", () => ops.meanAll(ops.square(ops.sub(regressed, teacherFeatures[0]))));
        return { fitnets: ops.mul(hint, ops.scalar(hintWeight)) };
      },
    };
  },
};
