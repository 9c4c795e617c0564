/**
 * Each backbone's input preprocessing, as keras.applications defines it, for
 * kdlab's NHWC float32 images in [0, 1] (Keras's functions take [0, 255]).
 */
import * as tf from "@tensorflow/tfjs";

/** ImageNet channel statistics of Keras's "torch" mode (RGB). */
export const IMAGENET_MEAN = [0.485, 0.456, 0.406] as const;
export const IMAGENET_STD = [0.229, 0.224, 0.225] as const;

export type Preprocess = (images: tf.Tensor4D) => tf.Tensor4D;

function requireRgb(images: tf.Tensor4D, who: string): void {
  if (images.rank !== 4 || images.shape[3] !== 3) {
    throw new Error(`${who} expects NHWC RGB images [batch, height, width, 3], got shape [${images.shape.join(", ")}]`);
  }
}

/** DenseNet ("torch" mode): per-channel (x − mean) / std on [0, 1] input. */
export const densenetPreprocess: Preprocess = (images) => {
  requireRgb(images, "densenetPreprocess");
  return tf.tidy(() => images.sub(tf.tensor1d([...IMAGENET_MEAN])).div(tf.tensor1d([...IMAGENET_STD])) as tf.Tensor4D);
};

/** MobileNetV2 ("tf" mode): scale [0, 1] to [−1, 1]. */
export const mobilenetV2Preprocess: Preprocess = (images) => tf.tidy(() => images.mul(2).sub(1) as tf.Tensor4D);

/** The CIFAR networks train on [0, 1] input as decoded. */
export const identityPreprocess: Preprocess = (images) => images.clone();
