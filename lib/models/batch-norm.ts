/**
 * BatchNormalization with Keras 3's frozen-layer rule.
 *
 * In Keras, a BatchNormalization layer with `trainable = false` runs in
 * inference mode (moving statistics, no updates) even while the model trains.
 * tfjs-layers ignores `trainable` there: a frozen backbone would still
 * normalise with batch statistics and overwrite its ImageNet moving averages.
 * This wrapper restores Keras's behaviour; the layer's class and config stay
 * plain `BatchNormalization`, so saved models load anywhere.
 */
import * as tf from "@tensorflow/tfjs";

type BatchNormArgs = Parameters<typeof tf.layers.batchNormalization>[0];
type BatchNormLayer = ReturnType<typeof tf.layers.batchNormalization>;

export function kerasBatchNorm(args: BatchNormArgs): BatchNormLayer {
  const layer = tf.layers.batchNormalization(args);
  const call = layer.call.bind(layer);
  layer.call = (inputs, kwargs) => call(inputs, layer.trainable ? kwargs : { ...kwargs, training: false });
  return layer;
}
