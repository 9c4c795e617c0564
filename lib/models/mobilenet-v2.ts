/**
 * MobileNetV2 in tfjs-layers, following keras.applications.mobilenet_v2 layer
 * for layer: the same names (Conv1, bn_Conv1, expanded_conv_depthwise,
 * block_1_expand, block_1_pad, …, Conv_1, Conv_1_bn, out_relu, predictions),
 * BatchNormalization epsilon 1e-3 and momentum 0.999, ReLU6, Keras's
 * asymmetric padding before stride-2 depthwise convolutions. Parameters at
 * α = 1.0, 224×224×3: 3,538,984 with the top, 2,257,984 without.
 *
 * Reference: Sandler et al., "MobileNetV2: Inverted Residuals and Linear
 * Bottlenecks", CVPR 2018.
 */
import * as tf from "@tensorflow/tfjs";
import { kerasBatchNorm } from "./batch-norm";
import { BackboneOptions, checkInputShape, DEFAULT_INPUT_SHAPE, spatialSize, topOrPooling } from "./backbone";
import { LayerSeeds, weightDecayRegularizer } from "./seeds";

export { mobilenetV2Preprocess } from "./preprocessing";

type S = tf.SymbolicTensor;

export interface MobileNetV2Options extends BackboneOptions {
  /** Width multiplier α; default 1.0. */
  alpha?: number;
}

const BN = { axis: -1, epsilon: 1e-3, momentum: 0.999 } as const;

/** (expansion, output filters, stride) of blocks 0…16, as in the paper's Table 2. */
const BLOCKS: ReadonlyArray<readonly [number, number, number]> = [
  [1, 16, 1],
  [6, 24, 2], [6, 24, 1],
  [6, 32, 2], [6, 32, 1], [6, 32, 1],
  [6, 64, 2], [6, 64, 1], [6, 64, 1], [6, 64, 1],
  [6, 96, 1], [6, 96, 1], [6, 96, 1],
  [6, 160, 2], [6, 160, 1], [6, 160, 1],
  [6, 320, 1],
];

/** Keras's _make_divisible: round to a multiple of `divisor`, never more than 10 % down. */
export function makeDivisible(value: number, divisor: number): number {
  let rounded = Math.max(divisor, Math.floor((value + divisor / 2) / divisor) * divisor);
  if (rounded < 0.9 * value) rounded += divisor;
  return rounded;
}

/** Keras's imagenet_utils.correct_pad: pad so a 3×3 stride-2 "valid" conv matches TF's "same" split. */
function correctPad(x: S, kernel: number): [[number, number], [number, number]] {
  const [h, w] = spatialSize(x);
  const half = Math.floor(kernel / 2);
  return [
    [half - (1 - (h % 2)), half],
    [half - (1 - (w % 2)), half],
  ];
}

class Builder {
  private readonly regularizer: ReturnType<typeof weightDecayRegularizer>;

  constructor(private readonly seeds: LayerSeeds, weightDecay: number | undefined) {
    this.regularizer = weightDecayRegularizer(weightDecay);
  }

  conv(x: S, filters: number, kernelSize: number, name: string, strides = 1, padding: "same" | "valid" = "same"): S {
    return tf.layers
      .conv2d({ filters, kernelSize, strides, padding, useBias: false, name, kernelInitializer: this.seeds.glorotUniform(), kernelRegularizer: this.regularizer })
      .apply(x) as S;
  }

  bn(x: S, name: string): S {
    return kerasBatchNorm({ ...BN, name }).apply(x) as S;
  }

  relu6(x: S, name: string): S {
    return tf.layers.reLU({ maxValue: 6, name }).apply(x) as S;
  }

  /** Expand (1×1) → depthwise 3×3 → project (1×1, linear), with a residual add when shapes allow. */
  invertedResidual(inputs: S, expansion: number, stride: number, alpha: number, filters: number, blockId: number): S {
    const inChannels = inputs.shape[3] as number;
    const pointwiseFilters = makeDivisible(Math.trunc(filters * alpha), 8);
    let prefix = `block_${blockId}_`;
    let x = inputs;
    if (blockId) {
      x = this.conv(x, expansion * inChannels, 1, `${prefix}expand`);
      x = this.relu6(this.bn(x, `${prefix}expand_BN`), `${prefix}expand_relu`);
    } else {
      prefix = "expanded_conv_";
    }
    if (stride === 2) x = tf.layers.zeroPadding2d({ padding: correctPad(x, 3), name: `${prefix}pad` }).apply(x) as S;
    x = tf.layers
      .depthwiseConv2d({
        kernelSize: 3,
        strides: stride,
        padding: stride === 1 ? "same" : "valid",
        useBias: false,
        name: `${prefix}depthwise`,
        depthwiseInitializer: this.seeds.glorotUniform(),
        depthwiseRegularizer: this.regularizer,
      })
      .apply(x) as S;
    x = this.relu6(this.bn(x, `${prefix}depthwise_BN`), `${prefix}depthwise_relu`);
    x = this.conv(x, pointwiseFilters, 1, `${prefix}project`);
    x = this.bn(x, `${prefix}project_BN`);
    if (inChannels === pointwiseFilters && stride === 1) return tf.layers.add({ name: `${prefix}add` }).apply([inputs, x]) as S;
    return x;
  }

  dense(x: S, units: number, activation: "softmax" | "linear", name: string): S {
    return tf.layers
      .dense({ units, activation, name, kernelInitializer: this.seeds.glorotUniform(), kernelRegularizer: this.regularizer })
      .apply(x) as S;
  }
}

/**
 * MobileNetV2 as keras.applications.MobileNetV2(weights=None, …). Without the
 * top the output is `out_relu`: 7×7×1280 at 224×224.
 */
export function mobileNetV2(options: MobileNetV2Options = {}): tf.LayersModel {
  const alpha = options.alpha ?? 1.0;
  const inputShape = checkInputShape(options.inputShape ?? DEFAULT_INPUT_SHAPE, "MobileNetV2");
  const b = new Builder(new LayerSeeds(options.seed), options.weightDecay);

  const input = tf.input({ shape: inputShape, name: "input_layer" });
  let x = b.conv(input, makeDivisible(32 * alpha, 8), 3, "Conv1", 2);
  x = b.relu6(b.bn(x, "bn_Conv1"), "Conv1_relu");
  BLOCKS.forEach(([expansion, filters, stride], blockId) => {
    x = b.invertedResidual(x, expansion, stride, alpha, filters, blockId);
  });
  const lastFilters = alpha > 1.0 ? makeDivisible(1280 * alpha, 8) : 1280;
  x = b.conv(x, lastFilters, 1, "Conv_1", 1, "valid");
  x = b.relu6(b.bn(x, "Conv_1_bn"), "out_relu");

  // Keras leaves the pooling layers unnamed; a fresh session gives them these names.
  const poolNames = { avg: "global_average_pooling2d", max: "global_max_pooling2d" };
  x = topOrPooling(x, options, poolNames, (y, units, activation, name) => b.dense(y, units, activation, name));
  const rows = inputShape[0];
  return tf.model({ inputs: input, outputs: x, name: options.name ?? `mobilenetv2_${alpha.toFixed(2)}_${rows}` });
}
