/**
 * Runs a functional LayersModel eagerly from an intermediate activation: the
 * value of a chosen layer's output is supplied from outside (so tf.grad can
 * differentiate the logits with respect to it), and only what the logits
 * still need is computed, walking the graph back from the output. Where the
 * chosen layer is not a cut point (a skip connection passes around it), the
 * model input is fed too and the other paths are computed from it, so the
 * gradient is the partial derivative through the chosen activation alone.
 */
import * as tf from "@tensorflow/tfjs";

/** The model's first output computed from `features` (the value of `cut`) and, where needed, the model input `x`. */
export function logitsFromFeatures(model: tf.LayersModel, cut: tf.SymbolicTensor, features: tf.Tensor, x: tf.Tensor): tf.Tensor {
  const values = new Map<number, tf.Tensor>([
    [model.inputs[0].id, x],
    [cut.id, features],
  ]);
  const valueOf = (symbolic: tf.SymbolicTensor): tf.Tensor => {
    const known = values.get(symbolic.id);
    if (known) return known;
    if (symbolic.inputs.length === 0) throw new Error(`${model.name}: ${symbolic.name} is an input the Grad-CAM graph walk cannot feed`);
    const inputs = symbolic.inputs.map(valueOf);
    const output = symbolic.sourceLayer.apply(inputs.length === 1 ? inputs[0] : inputs, { ...symbolic.callArgs, training: false }) as tf.Tensor | tf.Tensor[];
    const value = Array.isArray(output) ? output[symbolic.outputTensorIndex ?? 0] : output;
    values.set(symbolic.id, value);
    return value;
  };
  return valueOf(model.outputs[0]);
}
