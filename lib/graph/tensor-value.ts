/** tfjs tensors and numbers as the binding's TensorValue (copies of the data, for feeding a session). */
import * as tf from "@tensorflow/tfjs";
import { DT, TensorValue } from "./binding";

export function float32Value(shape: number[], data: Float32Array): TensorValue {
  return { dtype: DT.float32, shape, data };
}

/** A float32 or int32 tfjs tensor's values; other dtypes are an error. */
export async function tensorValue(tensor: tf.Tensor): Promise<TensorValue> {
  if (tensor.dtype === "int32") return { dtype: DT.int32, shape: tensor.shape.slice(), data: (await tensor.data()) as Int32Array };
  if (tensor.dtype !== "float32") throw new Error(`compiled step: cannot feed a ${tensor.dtype} tensor`);
  return float32Value(tensor.shape.slice(), (await tensor.data()) as Float32Array);
}
