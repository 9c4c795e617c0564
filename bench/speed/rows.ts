/** Timings (any framework's) turned into the result's rows: rates from the median timed call. */
import { Framework } from "../common/framework";
import { InferenceRow, MatmulRow, ThroughputRow } from "./schema";
import { BenchModel } from "./settings";
import { median } from "../../lib/stats/summary";
import { Timing } from "../common/timing";

export function throughputRow(spec: BenchModel, framework: Framework, timing: Timing): ThroughputRow {
  return { model: spec.model, framework, imagesPerSec: spec.batch / median(timing.seconds), batch: spec.batch, inputSize: spec.inputSize, warmupSeconds: timing.warmupSeconds, stepSeconds: timing.seconds };
}

export function inferenceRow(spec: BenchModel, framework: Framework, latency: Timing & { batch: number }, throughput: Timing & { batch: number }): InferenceRow {
  return {
    model: spec.model,
    framework,
    inputSize: spec.inputSize,
    latencyBatch: latency.batch,
    latencyMs: (median(latency.seconds) * 1000) / latency.batch,
    throughputBatch: throughput.batch,
    imagesPerSec: throughput.batch / median(throughput.seconds),
  };
}

/** The attainable rate is the fastest run: slower ones met other work on the machine. */
export function matmulRow(framework: Framework, n: number, seconds: readonly number[]): MatmulRow {
  const flops = 2 * n ** 3;
  return { framework, n, bestGflops: flops / Math.min(...seconds) / 1e9, medianGflops: flops / median(seconds) / 1e9, slowestGflops: flops / Math.max(...seconds) / 1e9 };
}
