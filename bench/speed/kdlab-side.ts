/**
 * kdlab's side of the bench (run in kdlab-worker.ts's process): the same
 * models, batch sizes, optimizer and timing protocol as the peers. A training
 * step is `step.run(batch, {learningRate, seed})` of a kdlab train step (one
 * per variant, see common/variants.ts) on one fixed batch of random preprocessed
 * images, so only the step is timed, not data loading.
 */
import * as tf from "@tensorflow/tfjs";
import { createOptimizer, disposeOptimizer } from "../../lib/distill/optimizers";
import { modelEntry } from "../../lib/models/registry";
import { countParams } from "../../lib/models/summary";
import { forwardFlops, TRAIN_FLOPS_PER_FORWARD } from "./flops";
import { inferenceRow, matmulRow, throughputRow } from "./rows";
import { Framework } from "../common/framework";
import { prepareModelConvolutions } from "../../lib/runtime/conv-routing";
import { ParamCount } from "../common/network";
import { BenchPart, KdlabSideResult } from "./schema";
import { BenchModel, BenchSettings } from "./settings";
import { timeCalls, Timing } from "../common/timing";
import { KdlabVariant } from "../common/variants";

/** A bench model, its convolutions probed (and routed where they crash here) before any variant runs it. */
export function buildBenchModel(spec: BenchModel, seed: number): tf.LayersModel {
  const model = modelEntry(spec.model).build({ inputSize: spec.inputSize, classes: spec.classes, seed });
  prepareModelConvolutions(model, `bench model ${spec.model}`);
  return model;
}

/** Parameter counts and forward FLOPs of a kdlab model. */
export function describeKdlabModel(model: tf.LayersModel): { params: ParamCount; forwardFlops: number } {
  const { trainable, total } = countParams(model);
  return { params: { trainable, total }, forwardFlops: forwardFlops(model) };
}

/** Times `variant`'s train step on `model` (which stays the caller's: it is trained, not disposed). */
export async function timeKdlabTraining(model: tf.LayersModel, spec: BenchModel, variant: KdlabVariant, settings: BenchSettings): Promise<Timing> {
  const optimizerConfig = { kind: "sgd", lr: settings.optimizer.learningRate, momentum: settings.optimizer.momentum } as const;
  const optimizer = createOptimizer(optimizerConfig);
  const step = variant.createStep({ model, optimizer, optimizerConfig });
  const xs = tf.randomUniform([spec.batch, spec.inputSize, spec.inputSize, 3], -1, 1, "float32", settings.seed) as tf.Tensor4D;
  const labels = tf.tidy(() => tf.cast(tf.randomUniform([spec.batch], 0, spec.classes, "float32", settings.seed + 1).floor(), "int32") as tf.Tensor1D);
  let stepIndex = 0;
  try {
    return await timeCalls(() => step.run({ xs, labels }, { learningRate: settings.optimizer.learningRate, seed: settings.seed + stepIndex++ }), spec.train);
  } finally {
    step.dispose();
    disposeOptimizer(optimizer);
    tf.dispose([xs, labels]);
  }
}

export interface KdlabInference {
  latency: Timing & { batch: number };
  throughput: Timing & { batch: number };
}

/** Latency at batch 1 and throughput at batch 32 of `variant`'s predictor on random preprocessed input; each run waits for the output values. */
export async function timeKdlabInference(model: tf.LayersModel, spec: BenchModel, variant: KdlabVariant, settings: BenchSettings): Promise<KdlabInference> {
  const predictor = variant.createPredictor(model);
  const time = async (batch: number): Promise<Timing & { batch: number }> => {
    const xs = tf.randomUniform([batch, spec.inputSize, spec.inputSize, 3], -1, 1, "float32", settings.seed) as tf.Tensor4D;
    try {
      const timing = await timeCalls(async () => {
        const output = await predictor.predict(xs);
        await output.data();
        output.dispose();
      }, spec.inference);
      return { batch, ...timing };
    } finally {
      xs.dispose();
    }
  };
  try {
    return { latency: await time(settings.inference.latencyBatch), throughput: await time(settings.inference.throughputBatch) };
  } finally {
    predictor.dispose();
  }
}

/**
 * Every kdlab measurement the parts ask for. Each variant's matmul runs
 * before and after the models (its best run is the attainable rate); each model is built once:
 * counted, trained by the first variant (later variants get a fresh copy),
 * then timed for inference by every variant.
 */
export async function measureKdlab(settings: BenchSettings, parts: readonly BenchPart[], variants: readonly KdlabVariant[], log: (line: string) => void): Promise<KdlabSideResult> {
  const result: KdlabSideResult = { params: [], flops: [], throughput: [], inference: [], matmul: [] };
  const matmulSeconds = new Map<Framework, number[]>();
  const timeMatmul = async (): Promise<void> => {
    if (!parts.includes("matmul")) return;
    for (const variant of variants) {
      log(`${variant.framework} ${settings.matmul.n}² matmul`);
      const { seconds } = await variant.timeMatmul(settings.matmul.n, settings.matmul);
      matmulSeconds.set(variant.framework, [...(matmulSeconds.get(variant.framework) ?? []), ...seconds]);
    }
  };
  await timeMatmul();
  for (const spec of settings.models) {
    const model = buildBenchModel(spec, settings.seed);
    try {
      const { params, forwardFlops: flops } = describeKdlabModel(model);
      result.params.push({ model: spec.model, ...params });
      result.flops.push({ model: spec.model, inputSize: spec.inputSize, forwardGflops: flops / 1e9, trainGflops: (TRAIN_FLOPS_PER_FORWARD * flops) / 1e9 });
      if (parts.includes("train")) {
        for (const [i, variant] of variants.entries()) {
          log(`${variant.framework} training ${spec.model} (batch ${spec.batch}, ${spec.inputSize}×${spec.inputSize}, ${spec.train.warmup} warm-up + ${spec.train.timed} timed steps)`);
          const fresh = i === 0 ? model : buildBenchModel(spec, settings.seed);
          try {
            result.throughput.push(throughputRow(spec, variant.framework, await timeKdlabTraining(fresh, spec, variant, settings)));
          } finally {
            if (fresh !== model) fresh.dispose();
          }
        }
      }
      if (parts.includes("inference")) {
        for (const variant of variants) {
          log(`${variant.framework} inference ${spec.model}`);
          const timing = await timeKdlabInference(model, spec, variant, settings);
          result.inference.push(inferenceRow(spec, variant.framework, timing.latency, timing.throughput));
        }
      }
    } finally {
      model.dispose();
    }
  }
  await timeMatmul();
  for (const [framework, seconds] of matmulSeconds) result.matmul.push(matmulRow(framework, settings.matmul.n, seconds));
  return result;
}
