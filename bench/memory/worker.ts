/**
 * Child process of the memory part (measure.ts starts it, so its peak RSS is
 * its own): streams the generated chest X-ray set through the data pipeline
 * (decode + resize + augment, MobileNetV2 preprocessing) and runs a kdlab
 * train step of the MobileNetV2 student on `trainSteps` batches spread evenly
 * over the epoch; the other batches are decoded and dropped. A full epoch of
 * training steps does not fit the bench's time budget on 2 cores; streaming
 * the whole set still exercises the pipeline's memory for the whole epoch and
 * the train step's at its peak. Prints one JSON line (schema.ts MemoryWorkerAnswer).
 *
 *   node --import tsx bench/memory/worker.ts '<MemoryWorkerRequest JSON>'
 */
import * as fs from "node:fs";
import * as tf from "@tensorflow/tfjs";
import { initBackend } from "../../lib/runtime/backend";
import { listChestXray } from "../../lib/data/chest-xray";
import { ImagePipeline } from "../../lib/data/pipeline";
import { createOptimizer } from "../../lib/distill/optimizers";
import { pipelineSource } from "../../lib/distill/pipeline-source";
import { modelEntry } from "../../lib/models/registry";
import { sampleSubset } from "../common/chest-set";
import { serveJsonRequest } from "../common/worker";
import type { MemoryWorkerAnswer } from "./schema";
import { KDLAB_VARIANTS } from "../common/variants";

export interface MemoryWorkerRequest {
  dir: string;
  images: number;
  size: number;
  batch: number;
  trainSteps: number;
  prefetch: number;
  seed: number;
  model: string;
  framework: string;
}

/** Peak resident set size of this process so far (Linux VmHWM), MiB. */
export function peakRssMiB(): number {
  const status = fs.readFileSync("/proc/self/status", "utf8");
  const kb = Number(/VmHWM:\s+(\d+)/.exec(status)?.[1] ?? 0);
  return kb / 1024;
}

const rssMiB = (): number => process.memoryUsage().rss / 2 ** 20;

async function main(request: MemoryWorkerRequest): Promise<MemoryWorkerAnswer> {
  const backend = await initBackend();
  const variant = KDLAB_VARIANTS.find((v) => v.framework === request.framework);
  if (!variant) throw new Error(`memory worker: unknown kdlab variant ${request.framework}`);
  const entry = modelEntry(request.model);
  const samples = sampleSubset(listChestXray(request.dir).splits.train ?? [], request.images, request.seed);
  if (samples.length < request.images) throw new Error(`${request.dir}: ${samples.length} training images, need ${request.images}`);
  const pipeline = new ImagePipeline(samples, { batchSize: request.batch, numClasses: 2, size: request.size, channels: 3, seed: request.seed, prefetch: request.prefetch, augment: {}, labels: "int" });
  const source = pipelineSource(pipeline, { preprocess: entry.preprocess });
  const model = entry.build({ inputSize: request.size, seed: request.seed });
  const optimizerConfig = { kind: "sgd", lr: 1e-4, momentum: 0.8 } as const;
  const optimizer = createOptimizer(optimizerConfig);
  const step = variant.createStep({ model, optimizer, optimizerConfig });
  const rssAfterSetupMiB = rssMiB();
  const every = Math.max(1, Math.floor(pipeline.batchesPerEpoch / request.trainSteps));
  const started = performance.now();
  let trainSeconds = 0;
  let batches = 0;
  let imagesStreamed = 0;
  const rssAfterStepsMiB: number[] = [];
  for await (const batch of source({ epoch: 0, seed: request.seed })) {
    try {
      if (batches % every === 0 && rssAfterStepsMiB.length < request.trainSteps) {
        const stepStarted = performance.now();
        await step.run({ xs: batch.xs, labels: batch.labels }, { learningRate: 1e-4, seed: batches });
        trainSeconds += (performance.now() - stepStarted) / 1000;
        rssAfterStepsMiB.push(rssMiB());
      }
      imagesStreamed += batch.labels.shape[0];
      batches++;
    } finally {
      tf.dispose([batch.xs, batch.labels]);
    }
  }
  const seconds = (performance.now() - started) / 1000;
  if (pipeline.skipped.length > 0) throw new Error(`memory worker: ${pipeline.skipped.length} images failed to decode, first ${pipeline.skipped[0].file}`);
  return { imagesStreamed, trainSteps: rssAfterStepsMiB.length, batches, peakRssMiB: peakRssMiB(), rssAfterSetupMiB, rssEndMiB: rssMiB(), rssAfterStepsMiB, trainSeconds, seconds, backend: backend.line };
}

if (require.main === module) serveJsonRequest("memory worker", main);
