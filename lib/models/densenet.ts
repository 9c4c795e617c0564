/**
 * DenseNet121 in tfjs-layers, following keras.applications.densenet layer for
 * layer: the same layer names (conv1_conv, conv2_block1_1_conv, pool2_conv, …,
 * bn, relu, avg_pool, predictions), BatchNormalization epsilon 1.001e-5 with
 * Keras's default momentum 0.99, convolutions without bias. Parameters at
 * 224×224×3: 8,062,504 with the top, 7,037,504 without (Keras's counts), so
 * Keras ImageNet weight files load by layer name (see keras-weights.ts).
 *
 * Reference: Huang et al., "Densely Connected Convolutional Networks", CVPR 2017.
 */
import * as tf from "@tensorflow/tfjs";
import { kerasBatchNorm } from "./batch-norm";
import { BackboneOptions, checkInputShape, DEFAULT_INPUT_SHAPE, topOrPooling } from "./backbone";
import { LayerSeeds, weightDecayRegularizer } from "./seeds";

export { densenetPreprocess } from "./preprocessing";

type S = tf.SymbolicTensor;

/** Conv blocks per dense block: DenseNet121. */
export const DENSENET121_BLOCKS = [6, 12, 24, 16] as const;
const GROWTH_RATE = 32;
const COMPRESSION = 0.5;
const BN_EPSILON = 1.001e-5;

class Builder {
  private readonly regularizer: ReturnType<typeof weightDecayRegularizer>;
  private paddings = 0;

  constructor(private readonly seeds: LayerSeeds, weightDecay: number | undefined) {
    this.regularizer = weightDecayRegularizer(weightDecay);
  }

  bn(x: S, name: string): S {
    return kerasBatchNorm({ axis: 3, epsilon: BN_EPSILON, name }).apply(x) as S;
  }

  relu(x: S, name: string): S {
    return tf.layers.activation({ activation: "relu", name }).apply(x) as S;
  }

  conv(x: S, filters: number, kernelSize: number, name: string, extra: { strides?: number; padding?: "same" | "valid" } = {}): S {
    return tf.layers
      .conv2d({ filters, kernelSize, useBias: false, name, kernelInitializer: this.seeds.glorotUniform(), kernelRegularizer: this.regularizer, ...extra })
      .apply(x) as S;
  }

  /** Keras leaves these unnamed; a fresh Keras session calls them zero_padding2d, zero_padding2d_1. */
  pad(x: S, amount: number): S {
    const name = this.paddings === 0 ? "zero_padding2d" : `zero_padding2d_${this.paddings}`;
    this.paddings += 1;
    return tf.layers.zeroPadding2d({ padding: [[amount, amount], [amount, amount]], name }).apply(x) as S;
  }

  /** BN → ReLU → 1×1 conv (4·growth) → BN → ReLU → 3×3 conv (growth), concatenated to the input. */
  convBlock(x: S, name: string): S {
    let y = this.relu(this.bn(x, `${name}_0_bn`), `${name}_0_relu`);
    y = this.conv(y, 4 * GROWTH_RATE, 1, `${name}_1_conv`);
    y = this.relu(this.bn(y, `${name}_1_bn`), `${name}_1_relu`);
    y = this.conv(y, GROWTH_RATE, 3, `${name}_2_conv`, { padding: "same" });
    return tf.layers.concatenate({ axis: 3, name: `${name}_concat` }).apply([x, y]) as S;
  }

  denseBlock(x: S, blocks: number, name: string): S {
    for (let i = 0; i < blocks; i++) x = this.convBlock(x, `${name}_block${i + 1}`);
    return x;
  }

  /** BN → ReLU → 1×1 conv halving the channels → 2×2 average pool. */
  transition(x: S, name: string): S {
    const channels = x.shape[3] as number;
    let y = this.relu(this.bn(x, `${name}_bn`), `${name}_relu`);
    y = this.conv(y, Math.floor(channels * COMPRESSION), 1, `${name}_conv`);
    return tf.layers.averagePooling2d({ poolSize: 2, strides: 2, name: `${name}_pool` }).apply(y) as S;
  }

  dense(x: S, units: number, activation: "softmax" | "linear", name: string): S {
    return tf.layers
      .dense({ units, activation, name, kernelInitializer: this.seeds.glorotUniform(), kernelRegularizer: this.regularizer })
      .apply(x) as S;
  }
}

/**
 * DenseNet121 as keras.applications.DenseNet121(weights=None, …). Without the
 * top the output is the last ReLU's feature map: 7×7×1024 at 224×224 (input/32,
 * rounded down at each stride).
 */
export function denseNet121(options: BackboneOptions = {}): tf.LayersModel {
  const inputShape = checkInputShape(options.inputShape ?? DEFAULT_INPUT_SHAPE, "DenseNet121");
  const b = new Builder(new LayerSeeds(options.seed), options.weightDecay);

  const input = tf.input({ shape: inputShape, name: "input_layer" });
  let x = b.pad(input, 3);
  x = b.conv(x, 64, 7, "conv1_conv", { strides: 2 });
  x = b.relu(b.bn(x, "conv1_bn"), "conv1_relu");
  x = b.pad(x, 1);
  x = tf.layers.maxPooling2d({ poolSize: 3, strides: 2, name: "pool1" }).apply(x) as S;

  x = b.denseBlock(x, DENSENET121_BLOCKS[0], "conv2");
  x = b.transition(x, "pool2");
  x = b.denseBlock(x, DENSENET121_BLOCKS[1], "conv3");
  x = b.transition(x, "pool3");
  x = b.denseBlock(x, DENSENET121_BLOCKS[2], "conv4");
  x = b.transition(x, "pool4");
  x = b.denseBlock(x, DENSENET121_BLOCKS[3], "conv5");
  x = b.relu(b.bn(x, "bn"), "relu");

  x = topOrPooling(x, options, { avg: "avg_pool", max: "max_pool" }, (y, units, activation, name) => b.dense(y, units, activation, name));
  return tf.model({ inputs: input, outputs: x, name: options.name ?? "densenet121" });
}
