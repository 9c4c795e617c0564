/**
 * Analytic FLOPs of a model, counted from its layers: 2 × multiply-adds of
 * every convolution (Conv2D: h·w·kh·kw·cin·cout per image; DepthwiseConv2D:
 * h·w·kh·kw·cin·multiplier) and dense layer (in·out). BatchNorm, activations,
 * pooling, concatenation and additions are left out: they are memory-bound
 * and under 2 % of the arithmetic in these networks.
 *
 * A training step is counted as 3 × forward: the backward pass computes one
 * gradient for the layer's input and one for its weights, each about as
 * costly as the forward product.
 */
import * as tf from "@tensorflow/tfjs";

export const TRAIN_FLOPS_PER_FORWARD = 3;

function kernelShape(layer: tf.layers.Layer): number[] {
  const kernel = layer.weights.find((w) => /kernel$/.test(w.originalName));
  if (!kernel) throw new Error(`${layer.name} (${layer.getClassName()}) has no kernel weight`);
  return kernel.shape.map((d) => d ?? 1);
}

function spatial(layer: tf.layers.Layer): number {
  const shape = layer.outputShape as (number | null)[];
  if (shape.length !== 4) throw new Error(`${layer.name}: expected an NHWC output, got [${shape.join(", ")}]`);
  return (shape[1] ?? 1) * (shape[2] ?? 1);
}

/** Multiply-adds of one layer for one image; 0 for layers that are not convolutions or dense. */
export function layerMultiplyAdds(layer: tf.layers.Layer): number {
  switch (layer.getClassName()) {
    case "Conv2D": {
      const [kh, kw, cin, cout] = kernelShape(layer);
      return spatial(layer) * kh * kw * cin * cout;
    }
    case "DepthwiseConv2D": {
      const [kh, kw, cin, multiplier] = kernelShape(layer);
      return spatial(layer) * kh * kw * cin * multiplier;
    }
    case "Dense": {
      const [inputs, units] = kernelShape(layer);
      return inputs * units;
    }
    default:
      return 0;
  }
}

/** Forward FLOPs of one image through `model`. */
export function forwardFlops(model: tf.LayersModel): number {
  return 2 * model.layers.reduce((sum, layer) => sum + layerMultiplyAdds(layer), 0);
}
