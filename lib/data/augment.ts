/**
 * Seeded per-batch augmentation on the TensorFlow backend: horizontal flip,
 * small rotation, zoom / random-resized crop (one affine warp per image,
 * bilinear, edges replicated) and brightness / contrast jitter. Only the
 * per-image parameters are drawn in JS (a few numbers per image); all pixel
 * work is tf ops. The same seed gives the same batch.
 */
import * as tf from "@tensorflow/tfjs";
import { Random, randomUniform, seededRandom } from "./random";

export interface AugmentOptions {
  /** Probability of a horizontal flip (default 0.5). */
  flipProbability?: number;
  /** Largest rotation either way, degrees (default 10). */
  maxRotationDegrees?: number;
  /** Crop area as a share of the image, [min, max] (default [0.8, 1]): 1 is no zoom. */
  cropArea?: [number, number];
  /** Crop aspect ratio range (default [3/4, 4/3]). */
  cropAspect?: [number, number];
  /** Largest additive brightness change in [0, 1] units (default 0.1). */
  brightness?: number;
  /** Largest relative contrast change (default 0.2: factor in [0.8, 1.2]). */
  contrast?: number;
}

/** Per-image parameters: the 2×3 affine map from output to source (normalised [-1, 1] coordinates), brightness delta, contrast factor. */
export interface AugmentParams {
  affine: number[][];
  brightness: number[];
  contrast: number[];
}

export function drawAugmentParams(batch: number, seed: number, options: AugmentOptions = {}): AugmentParams {
  const random: Random = seededRandom(seed);
  const [areaMin, areaMax] = options.cropArea ?? [0.8, 1];
  const [aspectMin, aspectMax] = options.cropAspect ?? [3 / 4, 4 / 3];
  const maxAngle = ((options.maxRotationDegrees ?? 10) * Math.PI) / 180;
  const params: AugmentParams = { affine: [], brightness: [], contrast: [] };
  for (let i = 0; i < batch; i++) {
    const flip = random() < (options.flipProbability ?? 0.5) ? -1 : 1;
    const angle = randomUniform(random, -maxAngle, maxAngle);
    const area = randomUniform(random, areaMin, areaMax);
    const aspect = Math.exp(randomUniform(random, Math.log(aspectMin), Math.log(aspectMax)));
    const sx = Math.min(1, Math.sqrt(area * aspect));
    const sy = Math.min(1, Math.sqrt(area / aspect));
    // The crop's centre moves only as far as keeps the crop inside the image.
    const tx = randomUniform(random, -(1 - sx), 1 - sx);
    const ty = randomUniform(random, -(1 - sy), 1 - sy);
    const cos = Math.cos(angle);
    const sin = Math.sin(angle);
    params.affine.push([cos * sx * flip, -sin * sy, tx, sin * sx * flip, cos * sy, ty]);
    const b = options.brightness ?? 0.1;
    const c = options.contrast ?? 0.2;
    params.brightness.push(randomUniform(random, -b, b));
    params.contrast.push(randomUniform(random, 1 - c, 1 + c));
  }
  return params;
}

/** Warps each image by its affine map with bilinear sampling via gathers (tfjs-node has no Transform kernel). */
export function affineWarp(images: tf.Tensor4D, affine: number[][]): tf.Tensor4D {
  const [batch, height, width, channels] = images.shape;
  return tf.tidy(() => {
    const gridX = tf.linspace(-1, 1, width).reshape([1, width]).tile([height, 1]).reshape([1, height * width]);
    const gridY = tf.linspace(-1, 1, height).reshape([height, 1]).tile([1, width]).reshape([1, height * width]);
    const m = tf.tensor2d(affine, [batch, 6]);
    const col = (k: number): tf.Tensor2D => m.slice([0, k], [batch, 1]);
    const srcX = col(0).mul(gridX).add(col(1).mul(gridY)).add(col(2));
    const srcY = col(3).mul(gridX).add(col(4).mul(gridY)).add(col(5));
    const px = srcX.add(1).mul((width - 1) / 2).clipByValue(0, width - 1);
    const py = srcY.add(1).mul((height - 1) / 2).clipByValue(0, height - 1);
    const x0 = px.floor();
    const y0 = py.floor();
    const wx = px.sub(x0).reshape([-1, 1]);
    const wy = py.sub(y0).reshape([-1, 1]);
    const x1 = x0.add(1).minimum(width - 1);
    const y1 = y0.add(1).minimum(height - 1);
    const base = tf.range(0, batch).mul(height * width).reshape([batch, 1]);
    const flat = images.reshape([batch * height * width, channels]);
    const at = (yy: tf.Tensor, xx: tf.Tensor): tf.Tensor2D => tf.gather(flat, yy.mul(width).add(xx).add(base).reshape([-1]).toInt()) as tf.Tensor2D;
    const top = at(y0, x0).mul(tf.sub(1, wx)).add(at(y0, x1).mul(wx));
    const bottom = at(y1, x0).mul(tf.sub(1, wx)).add(at(y1, x1).mul(wx));
    return top.mul(tf.sub(1, wy)).add(bottom.mul(wy)).reshape([batch, height, width, channels]) as tf.Tensor4D;
  });
}

/** Augments a batch of NHWC float32 images in [0, 1]; returns a new tensor (the input is not disposed). */
export function augmentBatch(images: tf.Tensor4D, seed: number, options: AugmentOptions = {}): tf.Tensor4D {
  const [batch] = images.shape;
  const params = drawAugmentParams(batch, seed, options);
  return tf.tidy(() => {
    const warped = affineWarp(images, params.affine);
    const mean = warped.mean([1, 2, 3], true);
    const contrast = tf.tensor4d(params.contrast, [batch, 1, 1, 1]);
    const brightness = tf.tensor4d(params.brightness, [batch, 1, 1, 1]);
    return warped.sub(mean).mul(contrast).add(mean).add(brightness).clipByValue(0, 1) as tf.Tensor4D;
  });
}
