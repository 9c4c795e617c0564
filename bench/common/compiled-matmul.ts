/**
 * A square FP32 matmul as a TensorFlow graph through kdlab's graph binding:
 * the attainable rate of the compiled step's own path. tfjs-node's eager
 * MatMul (eager-matmul.ts) runs the same library but measured lower (215 vs
 * 305 GFLOP/s on the AVX-512 Xeon for Python TensorFlow's graph), so the
 * compiled variant's "% of peak" is taken against this one. Both operands
 * live in resource variables filled once (seeded), so no call copies its
 * inputs and constant folding cannot precompute the product; each call
 * copies the product out, as the eager and peer matmuls do. In bf16 the
 * operands are held as bf16 variables (cast once, when filled) and the
 * product is a bf16 MatMul cast back to float32 for the copy: the rate of
 * oneDNN's bf16 kernel, the bf16 variant's own peak (with float32 variables
 * the rewrite's per-call casts measured 161 GFLOP/s against the peers' ~380 on
 * the Zen 4 EPYC, below its float32 rate, so its share of "peak" read 148 %).
 */
import * as tf from "@tensorflow/tfjs";
import { DT, loadGraphBinding, OutputRef } from "../../lib/graph/binding";
import { attr, GraphBuilder } from "../../lib/graph/graph";
import { checkPrecisionAvailable, ComputePrecision } from "../../lib/runtime/precision";
import { sessionConfig } from "../../lib/graph/session-config";
import { tensorValue } from "../../lib/graph/tensor-value";
import { StepPlan, timeCalls, Timing } from "./timing";

/** `precision`: "bf16 mixed" times a bf16 MatMul on bf16 operands (float32 out), a bf16 variant's own peak. */
export async function timeCompiledMatmul(n: number, plan: StepPlan, precision: ComputePrecision = "float32"): Promise<Timing> {
  const binding = loadGraphBinding();
  const g = new GraphBuilder(binding);
  const dtype = precision === "float32" ? DT.float32 : DT.bfloat16;
  const a = g.variable([n, n], "matmul/a", dtype);
  const b = g.variable([n, n], "matmul/b", dtype);
  const aValue = g.placeholder(DT.float32, [n, n], "matmul/a_value");
  const bValue = g.placeholder(DT.float32, [n, n], "matmul/b_value");
  const stored = (value: OutputRef): OutputRef => (dtype === DT.float32 ? value : g.cast(value, DT.float32, dtype));
  const init = g.noOp([g.assign(a.handle, stored(aValue), [], dtype), g.assign(b.handle, stored(bValue), [], dtype)], "matmul/init");
  const raw = g.op("MatMul", [a.read, b.read], [attr.type("T", dtype), attr.bool("transpose_a", false), attr.bool("transpose_b", false)], "matmul/product");
  const product = dtype === DT.float32 ? raw : g.cast(raw, dtype, DT.float32);
  // The explicit bf16 graph needs no rewrite; the check still refuses bf16 where oneDNN has no bf16 kernels.
  checkPrecisionAvailable(precision);
  const session = binding.newSession(g.graph, sessionConfig(undefined, "float32"));
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
