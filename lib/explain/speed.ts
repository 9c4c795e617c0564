/**
 * Inference speed and size of a model: per-image latency at batch 1 (what a
 * single X-ray at the bedside waits), throughput at batch 32 (a worklist),
 * each the median of a few timed runs after warm-up runs (the first calls
 * build kernels and allocate), and the parameter count and weight size.
 * The network alone is timed, on random input already preprocessed; each
 * run waits for the output values, so asynchronous backends are timed fully.
 */
import * as tf from "@tensorflow/tfjs";
import { median } from "../stats/summary";

export interface InferenceSpeedOptions {
  /** Square input side in pixels. */
  inputSize: number;
  channels?: number;
  /** Default 1. */
  latencyBatch?: number;
  /** Default 32. */
  throughputBatch?: number;
  /** Untimed runs first (default 2). */
  warmupRuns?: number;
  /** Timed runs; the median is reported (default 5). */
  timedRuns?: number;
  seed?: number;
}

export interface InferenceSpeed {
  model: string;
  inputSize: number;
  params: number;
  /** Bytes of all weights (trainable and not, e.g. BatchNorm statistics) / 10⁶. */
  weightMB: number;
  latencyBatch: number;
  /** Median milliseconds per image at latencyBatch. */
  latencyMs: number;
  throughputBatch: number;
  /** Images per second at throughputBatch (from the median run). */
  imagesPerSecond: number;
  /** Every timed run, milliseconds per batch. */
  latencyRunsMs: number[];
  throughputRunsMs: number[];
}

const BYTES_PER_VALUE: Record<string, number> = { float32: 4, int32: 4, bool: 1, complex64: 8, string: 0 };

/** Parameter count and weight bytes over every weight of the model. */
export function modelSize(model: tf.LayersModel): { params: number; bytes: number } {
  let params = 0;
  let bytes = 0;
  for (const weight of model.weights) {
    const count = weight.shape.reduce((a: number, b) => a * (b ?? 1), 1);
    params += count;
    bytes += count * (BYTES_PER_VALUE[weight.dtype] ?? 4);
  }
  return { params, bytes };
}

/** Milliseconds of each timed run of one forward pass over `batch` images. */
async function timeRuns(model: tf.LayersModel, batch: number, options: InferenceSpeedOptions): Promise<number[]> {
  const channels = options.channels ?? 3;
  const input = tf.randomUniform([batch, options.inputSize, options.inputSize, channels], -1, 1, "float32", options.seed ?? 0);
  const runOnce = async (): Promise<number> => {
    const started = performance.now();
    const output = model.predict(input) as tf.Tensor;
    await output.data();
    const elapsed = performance.now() - started;
    output.dispose();
    return elapsed;
  };
  try {
    for (let i = 0; i < (options.warmupRuns ?? 2); i++) await runOnce();
    const runs: number[] = [];
    for (let i = 0; i < (options.timedRuns ?? 5); i++) runs.push(await runOnce());
    return runs;
  } finally {
    input.dispose();
  }
}

export async function measureInference(model: tf.LayersModel, options: InferenceSpeedOptions): Promise<InferenceSpeed> {
  if (!(Number.isInteger(options.inputSize) && options.inputSize > 0)) throw new Error(`measureInference: inputSize must be a positive integer, got ${options.inputSize}`);
  if (!((options.timedRuns ?? 5) >= 1)) throw new Error(`measureInference: timedRuns must be at least 1, got ${options.timedRuns}`);
  const latencyBatch = options.latencyBatch ?? 1;
  const throughputBatch = options.throughputBatch ?? 32;
  const latencyRunsMs = await timeRuns(model, latencyBatch, options);
  const throughputRunsMs = await timeRuns(model, throughputBatch, options);
  const { params, bytes } = modelSize(model);
  return {
    model: model.name,
    inputSize: options.inputSize,
    params,
    weightMB: bytes / 1e6,
    latencyBatch,
    latencyMs: median(latencyRunsMs) / latencyBatch,
    throughputBatch,
    imagesPerSecond: (throughputBatch * 1000) / median(throughputRunsMs),
    latencyRunsMs,
    throughputRunsMs,
  };
}
