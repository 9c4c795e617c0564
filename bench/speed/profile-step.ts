/**
 * Where a compiled train step spends its time, by TensorFlow kernel: warms the
 * step up, traces one step (TensorFlow's FULL_TRACE step stats) and prints the
 * op types by total time, plus the step's forward / backward split. With
 * --peers, the same step in Keras and PyTorch beside it (step-profile.ts):
 * the untraced step times, the kernels' time by kind and the heaviest
 * kernels, one column per framework, and kdlab's step timed again after the
 * peers. Usage:
 *   node --import tsx bench/speed/profile-step.ts <model> [inputSize=224] [batch=16] [top=15] [--peers]
 * <model>: cifar-student, cifar-teacher or a registry name (pneumonia-student-model2, …).
 */
import * as tf from "@tensorflow/tfjs";
import { initBackend } from "../../lib/runtime/backend";
import { CompiledTrainStep } from "../../lib/distill/compiled/step";
import { timeByOpType } from "../../lib/graph/trace";
import { createOptimizer, disposeOptimizer, OptimizerConfig } from "../../lib/distill/optimizers";
import { countParams } from "../../lib/models/summary";
import { computePrecision } from "../../lib/runtime/precision";
import { median } from "../../lib/stats/summary";
import { profiledModel } from "./profile-model";
import { profileKdlabStep, profilePeerSteps, StepProfileSpec, stepProfileTables } from "./step-profile";

const LEARNING_RATE = 1e-4;
const MOMENTUM = 0.8;

async function kdlabOnly(model: tf.LayersModel, name: string, cifar: boolean, batchSize: number, top: number): Promise<void> {
  const [, h, w, c] = model.inputs[0].shape as number[];
  const classes = model.outputs[0].shape[1] as number;
  const xs = tf.randomUniform([batchSize, h, w, c], 0, 1, "float32", 1) as tf.Tensor4D;
  const labels = tf.tensor1d(Array.from({ length: batchSize }, (_, i) => i % classes), "int32");
  const config: OptimizerConfig = { kind: "sgd", lr: LEARNING_RATE, momentum: MOMENTUM };
  const optimizer = createOptimizer(config);
  const step = new CompiledTrainStep({ model, optimizer, optimizerConfig: config });
  const batch = { xs, labels };
  for (let i = 0; i < 2; i++) await step.run(batch, { learningRate: LEARNING_RATE, seed: i });
  const started = performance.now();
  const repeats = cifar ? 10 : 3;
  for (let i = 0; i < repeats; i++) await step.run(batch, { learningRate: LEARNING_RATE, seed: i });
  const stepMs = (performance.now() - started) / repeats;
  const split = await step.profile(batch, { learningRate: LEARNING_RATE, seed: 0 }, cifar ? 5 : 2);
  const timings = await step.traceStep(batch, { learningRate: LEARNING_RATE, seed: 0 });
  const byType = timeByOpType(timings);
  const summed = byType.reduce((a, t) => a + t.ms, 0);
  console.log(`${name} ${h}×${w} batch ${batchSize}: step ${stepMs.toFixed(1)} ms (${((batchSize / stepMs) * 1000).toFixed(1)} img/s); forward ${split.forwardMs.toFixed(1)} ms, forward + backward ${split.forwardBackwardMs.toFixed(1)} ms, feed ${split.feedMs.toFixed(2)} ms`);
  console.log(`traced step: ${timings.length} op executions, ${summed.toFixed(1)} ms of op time summed over threads`);
  console.log("| op type | count | ms | share |\n| --- | --- | --- | --- |");
  for (const t of byType.slice(0, top)) console.log(`| ${t.opType} | ${t.count} | ${t.ms.toFixed(1)} | ${(t.share * 100).toFixed(1)} % |`);
  step.dispose();
  disposeOptimizer(optimizer);
  tf.dispose([xs, labels]);
}

async function withPeers(model: tf.LayersModel, name: string, cifar: boolean, batchSize: number, top: number, threads: number): Promise<void> {
  const [, h] = model.inputs[0].shape as number[];
  const spec: StepProfileSpec = {
    model: name,
    inputSize: h,
    batch: batchSize,
    classes: model.outputs[0].shape[1] as number,
    seed: 1,
    learningRate: LEARNING_RATE,
    momentum: MOMENTUM,
    plan: cifar ? { warmup: 2, timed: 10 } : { warmup: 1, timed: 3 },
    tracedSteps: cifar ? 3 : 1,
    threads,
  };
  const precision = computePrecision();
  const { trainable, total } = countParams(model);
  const kdlab = await profileKdlabStep(model, spec, precision);
  const peers = await profilePeerSteps(spec, { env: process.env, precision, params: { trainable, total }, log: (line) => console.error(line) });
  const again = await profileKdlabStep(model, { ...spec, tracedSteps: 1 }, precision);
  console.log(`${name} ${h}×${h} batch ${batchSize}, ${threads} threads, ${precision}, SGD lr ${LEARNING_RATE} momentum ${MOMENTUM}; ${spec.plan.warmup} warm-up and ${spec.plan.timed} timed steps, then ${spec.tracedSteps} traced`);
  console.log("");
  console.log(stepProfileTables([kdlab, ...peers.profiles], top));
  console.log("");
  const before = median(kdlab.stepMs);
  const after = median(again.stepMs);
  console.log(`${kdlab.framework}'s step: ${before.toFixed(1)} ms before the peers, ${after.toFixed(1)} ms after (${(((after - before) / before) * 100).toFixed(0)} %); more than ~10 % apart means this machine's speed moved during the profile: rerun before reading the ratios.`);
  for (const crash of peers.crashes) console.log(`${crash.framework} crashed with ${crash.signal}: ${crash.detail}`);
}

async function main(): Promise<void> {
  const args = process.argv.slice(2);
  const peers = args.includes("--peers");
  const [name = "cifar-student", sizeArg, batchArg, topArg] = args.filter((a) => a !== "--peers");
  const backend = await initBackend();
  console.log(backend.line);
  const { model, cifar } = await profiledModel(name, sizeArg);
  const batchSize = Number(batchArg ?? (cifar ? 64 : 16));
  const top = Number(topArg ?? 15);
  try {
    if (peers) await withPeers(model, name, cifar, batchSize, top, backend.threads);
    else await kdlabOnly(model, name, cifar, batchSize, top);
  } finally {
    model.dispose();
  }
}

main().catch((error: unknown) => {
  console.error(error instanceof Error ? error.message : error);
  process.exit(1);
});
