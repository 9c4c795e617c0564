/**
 * Peak RSS while training the MobileNetV2 student on the streamed chest X-ray
 * set, measured in a child process (worker.ts) so the number is that
 * training's alone, not the bench's.
 */
import * as path from "node:path";
import { runWorker } from "../common/worker";
import type { MemoryWorkerRequest } from "./worker";
import { MemoryResult, memoryWorkerAnswerSchema } from "./schema";

const WORKER = path.join(__dirname, "worker.ts");

/** `env`: what TensorFlow must see when it loads in the child (thread counts). */
export async function measureTrainingMemory(request: MemoryWorkerRequest, env: Record<string, string>, log: (line: string) => void = () => undefined): Promise<MemoryResult> {
  const result = await runWorker(WORKER, request, memoryWorkerAnswerSchema, { env, label: "memory worker" });
  log(`  streamed ${result.imagesStreamed} images in ${result.seconds.toFixed(0)} s with ${result.trainSteps} train steps (${result.trainSeconds.toFixed(0)} s); peak RSS ${result.peakRssMiB.toFixed(0)} MiB`);
  return {
    model: request.model,
    framework: request.framework,
    imagesStreamed: result.imagesStreamed,
    size: request.size,
    batch: request.batch,
    trainSteps: result.trainSteps,
    what:
      `one epoch of ${result.imagesStreamed} generated JPEGs streamed through the pipeline at ${request.size}×${request.size} (decode + resize + augment, prefetch ${request.prefetch}, batch ${request.batch}); ` +
      `a ${request.framework} train step of ${request.model} on ${result.trainSteps} of its ${result.batches} batches, spread evenly (a full epoch of steps does not fit the time budget); peak RSS of that process (VmHWM)`,
    peakRssMiB: result.peakRssMiB,
    rssAfterSetupMiB: result.rssAfterSetupMiB,
    rssEndMiB: result.rssEndMiB,
    seconds: result.seconds,
    rssAfterStepsMiB: result.rssAfterStepsMiB,
    trainSeconds: result.trainSeconds,
  };
}
