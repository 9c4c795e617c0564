/**
 * The convolution shapes a tfjs-layers model runs, read from its layers
 * (Conv2D, DepthwiseConv2D; nested models included), so all of them can be
 * probed in one go before the model first runs.
 */
import * as tf from "@tensorflow/tfjs";
import { ConvShape, convShapeOf } from "./conv-shape";

function pair(value: unknown): [number, number] {
  if (typeof value === "number") return [value, value];
  if (Array.isArray(value) && value.length === 2) return [Number(value[0]), Number(value[1])];
  return [1, 1];
}

interface LayerInternals {
  inboundNodes: { inputShapes: unknown }[];
}

/** Every fully known 4-D input shape the layer is called at (one per inbound node). */
function inputShapesOf(layer: tf.layers.Layer): number[][] {
  const shapes: number[][] = [];
  for (const node of (layer as unknown as LayerInternals).inboundNodes) {
    // One shape per input tensor of the call ([[null, H, W, C]]), or the bare shape in older tfjs.
    const raw = node.inputShapes;
    const candidates: unknown[] = Array.isArray(raw) && Array.isArray(raw[0]) ? raw : [raw];
    for (const shape of candidates) {
      if (Array.isArray(shape) && shape.length === 4 && shape.slice(1).every((d) => typeof d === "number")) shapes.push(shape as number[]);
    }
  }
  return shapes;
}

export function modelConvShapes(model: tf.LayersModel): ConvShape[] {
  const shapes: ConvShape[] = [];
  for (const layer of model.layers) {
    if (layer instanceof tf.LayersModel) {
      shapes.push(...modelConvShapes(layer));
      continue;
    }
    const className = layer.getClassName();
    if (className !== "Conv2D" && className !== "DepthwiseConv2D") continue;
    const kernel = layer.weights.find((w) => /kernel/.test(w.originalName))?.shape as number[] | undefined;
    if (!kernel) continue;
    const config = layer.getConfig();
    const padding = config.padding === "valid" ? "VALID" : "SAME";
    for (const input of inputShapesOf(layer)) shapes.push(convShapeOf(className === "Conv2D" ? "conv" : "depthwise", input, kernel, pair(config.strides ?? 1), padding));
  }
  return shapes;
}
