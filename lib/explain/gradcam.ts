/**
 * Grad-CAM (Selvaraju et al. 2017): where in the image a network looked for
 * the class it scored. For a feature layer with activations A (h×w×C) and the
 * class logit y, the channel weights are the spatial mean of ∂y/∂A, the map
 * is ReLU(Σ_c w_c·A_c), upsampled (bilinear) to the input size and scaled to
 * [0, 1] by its maximum, so 0 keeps its meaning: no positive evidence.
 *
 * Images go in already preprocessed for the model. BatchNorm and dropout run
 * in inference mode. Every tensor made here is disposed.
 */
import * as tf from "@tensorflow/tfjs";
import { logitsFromFeatures } from "./cut-graph";

export interface FeatureLayerInfo {
  name: string;
  /** Output height and width. */
  height: number;
  width: number;
  channels: number;
}

/** Layers that only pad or reshape the map carry no features of their own. */
const NOT_FEATURES = new Set(["InputLayer", "ZeroPadding2D", "Cropping2D"]);

/** Layers with a 4-D output (the convolutional feature maps), input to output. */
export function featureLayers(model: tf.LayersModel): FeatureLayerInfo[] {
  const layers: FeatureLayerInfo[] = [];
  for (const layer of model.layers) {
    if (layer.inboundNodes.length !== 1) continue;
    const shape = layer.outputShape;
    if (!Array.isArray(shape) || shape.length !== 4 || Array.isArray(shape[0])) continue;
    const [, height, width, channels] = shape as (number | null)[];
    if (typeof height !== "number" || typeof width !== "number" || typeof channels !== "number") continue;
    if (NOT_FEATURES.has(layer.getClassName())) continue;
    layers.push({ name: layer.name, height, width, channels });
  }
  return layers;
}

/**
 * The layer Grad-CAM reads: the last feature map at least `minSize` cells on
 * each side (default 2, which passes over a head's pooled 1×1 map; a 64-pixel
 * input leaves DenseNet121 and MobileNetV2 a 2×2 last map, and minSize 4
 * picks an earlier 4×4 one that shows more), or the layer named.
 */
export function pickFeatureLayer(model: tf.LayersModel, options: { layer?: string; minSize?: number } = {}): FeatureLayerInfo {
  const candidates = featureLayers(model);
  if (options.layer !== undefined) {
    const named = candidates.find((c) => c.name === options.layer);
    if (!named) {
      const exists = model.layers.some((l) => l.name === options.layer);
      throw new Error(`${model.name}: ${exists ? `layer ${options.layer} has no 4-D feature map output` : `no layer named ${options.layer}`}`);
    }
    return named;
  }
  const minSize = options.minSize ?? 2;
  const fitting = candidates.filter((c) => Math.min(c.height, c.width) >= minSize);
  const last = fitting[fitting.length - 1];
  if (!last) throw new Error(`${model.name}: no convolutional feature map of at least ${minSize}×${minSize} (Grad-CAM needs one)`);
  return last;
}

export interface GradCamOptions {
  /** Feature layer by name; default: see pickFeatureLayer. */
  layer?: string;
  /** Smallest side of the default feature layer's map (default 2). */
  minSize?: number;
  /** Class explained, one for all images or one per image; default: each image's predicted class. */
  classIndex?: number | readonly number[];
}

export interface GradCamResult {
  /** The feature layer read. */
  layer: FeatureLayerInfo;
  /** [batch, height, width] in [0, 1], at the input's size; the caller disposes it. */
  heatmaps: tf.Tensor3D;
  /** The class explained for each image. */
  classIndex: number[];
  /** Softmax probabilities [batch][classes]. */
  probabilities: number[][];
}

function classesFor(option: GradCamOptions["classIndex"], predicted: number[], classes: number): number[] {
  const chosen = option === undefined ? predicted : typeof option === "number" ? predicted.map(() => option) : [...option];
  if (chosen.length !== predicted.length) throw new Error(`gradCam: classIndex has ${chosen.length} entries for ${predicted.length} images`);
  for (const c of chosen) if (!Number.isInteger(c) || c < 0 || c >= classes) throw new Error(`gradCam: classIndex ${c} is not a class of a ${classes}-class model`);
  return chosen;
}

/** Grad-CAM heatmaps of a batch of preprocessed NHWC images. */
export async function gradCam(model: tf.LayersModel, images: tf.Tensor4D, options: GradCamOptions = {}): Promise<GradCamResult> {
  if (images.rank !== 4) throw new Error(`gradCam: images must be NHWC [batch, height, width, channels], got [${images.shape.join(", ")}]`);
  const layer = pickFeatureLayer(model, options);
  const cut = model.getLayer(layer.name).output as tf.SymbolicTensor;
  const [batch, height, width] = images.shape;
  // One forward pass for both the activations and the logits.
  const probe = tf.model({ inputs: model.inputs, outputs: [cut, model.outputs[0]] });
  const [features, logits] = probe.predict(images) as [tf.Tensor4D, tf.Tensor2D];
  try {
    const classes = logits.shape[1];
    const [predicted, probabilities] = tf.tidy(() => [tf.argMax(logits, 1).arraySync() as number[], tf.softmax(logits).arraySync() as number[][]]);
    const classIndex = classesFor(options.classIndex, predicted, classes);
    const heatmaps = tf.tidy(() => {
      const selector = tf.oneHot(tf.tensor1d(classIndex, "int32"), classes).toFloat();
      // Images are independent in inference mode, so the gradient of the summed selected logits gives each image its own ∂y/∂A.
      const gradients = tf.grad((a: tf.Tensor) => tf.sum(tf.mul(logitsFromFeatures(model, cut, a, images), selector)))(features) as tf.Tensor4D;
      const weights = tf.mean(gradients, [1, 2], true);
      const cam = tf.relu(tf.sum(tf.mul(weights, features), 3, true)) as tf.Tensor4D;
      const upsampled = tf.image.resizeBilinear(cam, [height, width], false, true);
      const peak = tf.max(upsampled, [1, 2, 3], true);
      const scaled = tf.divNoNan(upsampled, peak);
      return tf.clipByValue(scaled, 0, 1).reshape([batch, height, width]) as tf.Tensor3D;
    });
    return { layer, heatmaps, classIndex, probabilities };
  } finally {
    tf.dispose([features, logits]);
  }
}
