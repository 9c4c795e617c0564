/**
 * Where a compiled train step spends its time, by TensorFlow kernel: warms the
 * step up, traces one step (TensorFlow's FULL_TRACE step stats) and prints the
 * op types by total time, plus the step's forward / backward split. Usage:
 *   node --import tsx bench/speed/profile-step.ts <model> [inputSize=224] [batch=16] [top=15]
 * <model>: cifar-student, cifar-teacher or a registry name (pneumonia-student-model2, …).
 */
import * as tf from "@tensorflow/tfjs";
import { initBackend } from "../../lib/runtime/backend";
import { CompiledTrainStep } from "../../lib/distill/compiled/step";
import { timeByOpType } from "../../lib/graph/trace";
import { createOptimizer, disposeOptimizer, OptimizerConfig } from "../../lib/distill/optimizers";
import { profiledModel } from "./profile-model";

async function main(): Promise<void> {
  const [name = "cifar-student", sizeArg, batchArg, topArg] = process.argv.slice(2);
  console.log((await initBackend()).line);
  const { model, cifar } = await profiledModel(name, sizeArg);
  const batchSize = Number(batchArg ?? (cifar ? 64 : 16));
  const [, h, w, c] = model.inputs[0].shape as number[];
  const classes = model.outputs[0].shape[1] as number;
  const xs = tf.randomUniform([batchSize, h, w, c], 0, 1, "float32", 1) as tf.Tensor4D;
  const labels = tf.tensor1d(Array.from({ length: batchSize }, (_, i) => i % classes), "int32");
  const config: OptimizerConfig = { kind: "sgd", lr: 1e-4, momentum: 0.8 };
  const optimizer = createOptimizer(config);
  const step = new CompiledTrainStep({ model, optimizer, optimizerConfig: config });
  const batch = { xs, labels };
  for (let i = 0; i < 2; i++) await step.run(batch, { learningRate: 1e-4, seed: i });
  const started = performance.now();
  const repeats = cifar ? 10 : 3;
  for (let i = 0; i < repeats; i++) await step.run(batch, { learningRate: 1e-4, seed: i });
  const stepMs = (performance.now() - started) / repeats;
  const split = await step.profile(batch, { learningRate: 1e-4, seed: 0 }, cifar ? 5 : 2);
  const timings = await step.traceStep(batch, { learningRate: 1e-4, seed: 0 });
  const byType = timeByOpType(timings);
  const summed = byType.reduce((a, t) => a + t.ms, 0);
  console.log(`${name} ${h}×${w} batch ${batchSize}: step ${stepMs.toFixed(1)} ms (${((batchSize / stepMs) * 1000).toFixed(1)} img/s); forward ${split.forwardMs.toFixed(1)} ms, forward + backward ${split.forwardBackwardMs.toFixed(1)} ms, feed ${split.feedMs.toFixed(2)} ms`);
  console.log(`traced step: ${timings.length} op executions, ${summed.toFixed(1)} ms of op time summed over threads`);
  console.log("| op type | count | ms | share |\n| --- | --- | --- | --- |");
  for (const t of byType.slice(0, Number(topArg ?? 15))) console.log(`| ${t.opType} | ${t.count} | ${t.ms.toFixed(1)} | ${(t.share * 100).toFixed(1)} % |`);
  step.dispose();
  disposeOptimizer(optimizer);
  model.dispose();
  tf.dispose([xs, labels]);
}

main().catch((error: unknown) => {
  console.error(error instanceof Error ? error.message : error);
  process.exit(1);
});
