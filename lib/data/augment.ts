/**
 * Seeded per-batch augmentation on the TensorFlow backend: horizontal flip,
 * small rotation, zoom / random-resized crop (one affine warp per image,
 * bilinear, edges replicated; see affine-warp.ts) and brightness / contrast jitter. Only the
 * per-image parameters are drawn in JS (a few numbers per image); all pixel
 * work is tf ops. The same seed gives the same batch.
 */
import * as tf from "@tensorflow/tfjs";
import { affineWarp } from "./affine-warp";
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
