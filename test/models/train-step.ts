/** One forward + backward pass of a classifier on random data, for the model tests. */
import * as tf from "@tensorflow/tfjs";

export interface StepResult {
  loss: number;
  /** Trainable weights whose gradient is not all zeros. */
  nonZeroGradients: number;
  trainableWeights: number;
  allFinite: boolean;
}

/**
 * Softmax cross-entropy of `model` (logits out) on seeded random images, or
 * the mean square of a feature map for a backbone without its top; gradients
 * for every trainable weight.
 */
export function forwardBackward(model: tf.LayersModel, batch: number, seed = 1): StepResult {
  const [, height, width, channels] = model.inputs[0].shape as number[];
  const featureMap = model.outputs[0].rank === 4;
  const classes = featureMap ? 2 : (model.outputs[0].shape[1] as number);
  return tf.tidy(() => {
    const x = tf.randomUniform([batch, height, width, channels], 0, 1, "float32", seed);
    const labels = tf.oneHot(tf.tensor1d(Array.from({ length: batch }, (_, i) => i % classes), "int32"), classes);
    const variables = model.trainableWeights.map((w) => w.read() as tf.Variable);
    const loss = (): tf.Scalar => {
      const out = model.apply(x, { training: true }) as tf.Tensor;
      return (featureMap ? out.square().mean() : tf.losses.softmaxCrossEntropy(labels, out)) as tf.Scalar;
    };
    const { value, grads } = tf.variableGrads(loss, variables);
    const gradients = Object.values(grads);
    const absSums = gradients.map((g) => g.abs().sum().dataSync()[0]);
    return {
      loss: value.dataSync()[0],
      nonZeroGradients: absSums.filter((s) => s > 0).length,
      trainableWeights: variables.length,
      allFinite: Number.isFinite(value.dataSync()[0]) && absSums.every(Number.isFinite),
    };
  });
}
