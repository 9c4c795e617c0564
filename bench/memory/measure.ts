/**
 * Peak RSS while training the MobileNetV2 student on the streamed chest X-ray
 * set, measured in a child process (worker.ts) so the number is that
 * training's alone, not the bench's.
 */
import * as path from "node:path";
import { runJsonChild } from "../common/child";
import { MemoryResult } from "../speed/schema";
import type { MemoryWorkerRequest, MemoryWorkerResult } from "./worker";

const WORKER = path.join(__dirname, "worker.ts");

function checkWorkerResult(value: unknown): MemoryWorkerResult {
  const numbers: (keyof MemoryWorkerResult)[] = ["imagesStreamed", "trainSteps", "batches", "peakRssMiB", "rssAfterSetupMiB", "rssEndMiB", "trainSeconds", "seconds"];
  if (typeof value !== "object" || value === null) throw new Error("memory worker: answer is not an object");
  const record = value as Record<string, unknown>;
  for (const key of numbers) if (typeof record[key] !== "number") throw new Error(`memory worker: ${key} missing from its answer`);
  if (!Array.isArray(record.rssAfterStepsMiB)) throw new Error("memory worker: rssAfterStepsMiB missing from its answer");
  return value as MemoryWorkerResult;
}

/** `env`: what TensorFlow must see when it loads in the child (thread counts). */
export async function measureTrainingMemory(request: MemoryWorkerRequest, env: Record<string, string>, log: (line: string) => void = () => undefined): Promise<MemoryResult> {
  const parsed = await runJsonChild(process.execPath, ["--import", "tsx", WORKER, JSON.stringify(request)], { env: { ...process.env, ...env }, label: "memory worker" });
  const result = checkWorkerResult(parsed);
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
