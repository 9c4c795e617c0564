/** A square FP32 matmul through tfjs-node's eager op dispatch: the eager variant's attainable rate. */
import * as tf from "@tensorflow/tfjs";
import { StepPlan, timeCalls, Timing } from "./timing";

export async function timeEagerMatmul(n: number, plan: StepPlan): Promise<Timing> {
  const a = tf.randomUniform([n, n], 0, 1, "float32", 1);
  const b = tf.randomUniform([n, n], 0, 1, "float32", 2);
  try {
    return await timeCalls(async () => {
      const c = tf.matMul(a, b);
      await c.data();
      c.dispose();
    }, plan);
  } finally {
    tf.dispose([a, b]);
  }
}
