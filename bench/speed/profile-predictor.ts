/**
 * Inference against training, per image, on one model: the compiled
 * predictor (frozen weights as graph constants) at batch 1 and 32, tfjs's
 * eager predict at the same batches, and the compiled train step; then the
 * predictor's traced pass by op type. Issue 18: inference must never be
 * slower than training. `all` (what the README names for the next person on
 * a new machine) prints this machine's frozen-BatchNorm form verdicts, then
 * profiles the bench's four models in turn. Usage:
 *   node --import tsx bench/speed/profile-predictor.ts <model|all> [inputSize=224] [trainBatch=16] [top=12]
 */
import * as tf from "@tensorflow/tfjs";
import { initBackend } from "../../lib/runtime/backend";
import { CompiledPredictor } from "../../lib/distill/compiled/predictor";
import { batchNormTiming } from "../../lib/graph/batch-norm-form";
import { CompiledTrainStep } from "../../lib/distill/compiled/step";
import { timeByOpType } from "../../lib/graph/trace";
import { createOptimizer, disposeOptimizer, OptimizerConfig } from "../../lib/distill/optimizers";
import { profiledModel } from "./profile-model";
import { median } from "../../lib/stats/summary";
import { timeCalls } from "../common/timing";

/** Median milliseconds of `repeats` calls after `warmup` untimed ones (the bench's timing protocol). */
async function medianMs(run: () => Promise<unknown>, warmup: number, repeats: number): Promise<number> {
  return median((await timeCalls(run, { warmup, timed: repeats })).seconds) * 1000;
}

/** The bench's four models, smallest first. */
const BENCH_MODELS = ["cifar-student", "cifar-teacher", "pneumonia-student-model2", "pneumonia-teacher-model2"];

async function main(): Promise<void> {
  const [name = "pneumonia-teacher-model2", sizeArg, batchArg, topArg] = process.argv.slice(2);
  console.log((await initBackend()).line);
  if (name !== "all") return profile(name, sizeArg, batchArg, topArg);
  const timing = batchNormTiming();
  for (const place of ["standalone", "afterConvolution"] as const) {
    const t = timing[place];
    console.log(`frozen BatchNorm ${place}: oneDNN fused ${t.fusedMs.toFixed(2)} ms, Mul + AddV2 ${t.mulAddMs.toFixed(2)} ms → ${t.mulAdd ? "Mul + AddV2" : "fused"}`);
  }
  for (const model of BENCH_MODELS) await profile(model, sizeArg, batchArg, topArg);
}

async function profile(name: string, sizeArg: string | undefined, batchArg: string | undefined, topArg: string | undefined): Promise<void> {
  const { model, cifar } = await profiledModel(name, sizeArg);
  const [, h, w, c] = model.inputs[0].shape as number[];
  const classes = model.outputs[0].shape[1] as number;
  const images = (n: number): tf.Tensor4D => tf.randomUniform([n, h, w, c], 0, 1, "float32", n) as tf.Tensor4D;
  const heavy = h * w > 64 * 64;
  const rows: string[] = [];
  const predictor = new CompiledPredictor(model);
  for (const batch of [1, 32]) {
    const xs = images(batch);
    const compiled = await medianMs(async () => (await predictor.predict(xs)).dispose(), 2, heavy ? 3 : 10);
    const eager = await medianMs(async () => (model.predict(xs) as tf.Tensor).dispose(), 2, heavy ? 3 : 10);
    rows.push(`| batch ${batch} | compiled predictor ${(compiled / batch).toFixed(1)} ms/image (${((batch / compiled) * 1000).toFixed(1)} img/s) | eager predict ${(eager / batch).toFixed(1)} ms/image (${((batch / eager) * 1000).toFixed(1)} img/s) |`);
    xs.dispose();
  }
  const trainBatch = Number(batchArg ?? (cifar ? 64 : 16));
  const xs = images(trainBatch);
  const labels = tf.tensor1d(Array.from({ length: trainBatch }, (_, i) => i % classes), "int32");
  const config: OptimizerConfig = { kind: "sgd", lr: 1e-4, momentum: 0.8 };
  const optimizer = createOptimizer(config);
  const step = new CompiledTrainStep({ model, optimizer, optimizerConfig: config });
  const stepMs = await medianMs(() => step.run({ xs, labels }, { learningRate: 1e-4, seed: 0 }), 2, heavy ? 3 : 10);
  console.log(`${name} ${h}×${w}:`);
  for (const row of rows) console.log(row);
  console.log(`| train batch ${trainBatch} | compiled train step ${(stepMs / trainBatch).toFixed(1)} ms/image (${((trainBatch / stepMs) * 1000).toFixed(1)} img/s) | |`);
  const traceXs = images(32);
  const byType = timeByOpType(await predictor.traceRun(traceXs));
  console.log("predictor, batch 32, traced:\n| op type | count | ms | share |\n| --- | --- | --- | --- |");
  for (const t of byType.slice(0, Number(topArg ?? 12))) console.log(`| ${t.opType} | ${t.count} | ${t.ms.toFixed(1)} | ${(t.share * 100).toFixed(1)} % |`);
  step.dispose();
  disposeOptimizer(optimizer);
  predictor.dispose();
  model.dispose();
  tf.dispose([xs, labels, traceXs]);
}

main().catch((error: unknown) => {
  console.error(error instanceof Error ? error.message : error);
  process.exit(1);
});
