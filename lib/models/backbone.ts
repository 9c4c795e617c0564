/** Options shared by the keras.applications-style backbones (DenseNet121, MobileNetV2). */
import * as tf from "@tensorflow/tfjs";

export interface BackboneOptions {
  /** [height, width, channels]; default [224, 224, 3]. Height and width ≥ 32. */
  inputShape?: [number, number, number];
  /** Keras's ImageNet top: global average pool + Dense(classes). Default true, as in Keras. */
  includeTop?: boolean;
  /** Classes of the top; default 1000. */
  classes?: number;
  /** Activation of the top; Keras's default "softmax", "linear" for logits. */
  classifierActivation?: "softmax" | "linear";
  /** Without the top: global pooling of the last feature map, or none (4-D output). */
  pooling?: "avg" | "max";
  /** Base seed of the initial weights (same seed → same weights). */
  seed?: number;
  /** PyTorch-style weight decay on every kernel (see weightDecayRegularizer); default none. */
  weightDecay?: number;
  /** Model name; Keras's by default. */
  name?: string;
}

export const DEFAULT_INPUT_SHAPE: [number, number, number] = [224, 224, 3];

/** Keras's obtain_input_shape rule for weights-free models: at least 32×32, channels last. */
export function checkInputShape(shape: readonly number[], model: string): [number, number, number] {
  const [height, width, channels] = shape;
  if (shape.length !== 3 || ![height, width, channels].every((n) => Number.isInteger(n) && n > 0)) {
    throw new Error(`${model}: inputShape must be [height, width, channels] of positive integers, got [${shape.join(", ")}]`);
  }
  if (height < 32 || width < 32) throw new Error(`${model}: input must be at least 32×32, got ${height}×${width}`);
  return [height, width, channels];
}

/** Static height/width of a 4-D symbolic tensor (our models always have them). */
export function spatialSize(x: tf.SymbolicTensor): [number, number] {
  const [, h, w] = x.shape;
  if (h == null || w == null) throw new Error(`expected a fixed spatial size, got shape [${x.shape.join(", ")}]`);
  return [h, w];
}

/**
 * Keras's ending of both backbones: with the top, global average pooling and
 * Dense(classes) named "predictions"; without it, optional global pooling.
 * `poolNames` are Keras's names for the pooling layers of that backbone.
 */
export function topOrPooling(
  x: tf.SymbolicTensor,
  options: BackboneOptions,
  poolNames: { avg: string; max: string },
  dense: (x: tf.SymbolicTensor, units: number, activation: "softmax" | "linear", name: string) => tf.SymbolicTensor,
): tf.SymbolicTensor {
  if (options.includeTop ?? true) {
    const pooled = tf.layers.globalAveragePooling2d({ name: poolNames.avg }).apply(x) as tf.SymbolicTensor;
    return dense(pooled, options.classes ?? 1000, options.classifierActivation ?? "softmax", "predictions");
  }
  if (options.pooling === "avg") return tf.layers.globalAveragePooling2d({ name: poolNames.avg }).apply(x) as tf.SymbolicTensor;
  if (options.pooling === "max") return tf.layers.globalMaxPooling2d({ name: poolNames.max }).apply(x) as tf.SymbolicTensor;
  return x;
}
