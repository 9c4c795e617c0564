/**
 * A square FP32 matmul as a TensorFlow graph through kdlab's graph binding:
 * the attainable rate of the compiled step's own path. tfjs-node's eager
 * MatMul (kdlab-side.ts) runs the same library but measured lower (215 vs
 * 305 GFLOP/s on the AVX-512 Xeon for Python TensorFlow's graph), so the
 * compiled variant's "% of peak" is taken against this one. Both operands
 * live in resource variables filled once (seeded), so no call copies its
 * inputs and constant folding cannot precompute the product; each call
 * copies the product out, as the eager and peer matmuls do.
 */
import * as tf from "@tensorflow/tfjs";
import { DT, loadGraphBinding } from "../compiled/binding";
import { attr, GraphBuilder } from "../compiled/graph";
import { ComputePrecision } from "../compiled/precision";
import { sessionConfig } from "../compiled/session-config";
import { tensorValue } from "../compiled/tensor-value";
import { StepPlan } from "./settings";
import { timeCalls, Timing } from "./timing";

/** `precision`: bf16 mixed times the matmul as the bf16 rewrite runs it (inputs cast to bf16, float32 out), a bf16 variant's own peak. */
export async function timeCompiledMatmul(n: number, plan: StepPlan, precision: ComputePrecision = "float32"): Promise<Timing> {
  const binding = loadGraphBinding();
  const g = new GraphBuilder(binding);
  const a = g.variable([n, n], "matmul/a");
  const b = g.variable([n, n], "matmul/b");
  const aValue = g.placeholder(DT.float32, [n, n], "matmul/a_value");
  const bValue = g.placeholder(DT.float32, [n, n], "matmul/b_value");
  const init = g.noOp([g.assign(a.handle, aValue), g.assign(b.handle, bValue)], "matmul/init");
  const product = g.op("MatMul", [a.read, b.read], [attr.type("T", DT.float32), attr.bool("transpose_a", false), attr.bool("transpose_b", false)], "matmul/product");
  const session = binding.newSession(g.graph, sessionConfig(undefined, precision));
  try {
    const [aInit, bInit] = [tf.randomUniform([n, n], 0, 1, "float32", 1), tf.randomUniform([n, n], 0, 1, "float32", 2)];
    try {
      await binding.sessionRunAsync(session, [[aValue, await tensorValue(aInit)], [bValue, await tensorValue(bInit)]], [], [init]);
    } finally {
      tf.dispose([aInit, bInit]);
    }
    return await timeCalls(() => binding.sessionRunAsync(session, [], [product], []), plan);
  } finally {
    binding.closeSession(session);
  }
}
