/**
 * Peak RSS while training the MobileNetV2 student on the streamed chest X-ray
 * set, measured in a child process (memory-worker.ts) so the number is that
 * training's alone, not the bench's.
 */
import { spawn } from "node:child_process";
import * as path from "node:path";
import { MemoryResult } from "./schema";
import { MemoryWorkerRequest, MemoryWorkerResult } from "./memory-worker";

const WORKER = path.join(__dirname, "memory-worker.ts");

function checkWorkerResult(value: unknown): MemoryWorkerResult {
  const numbers: (keyof MemoryWorkerResult)[] = ["imagesStreamed", "trainSteps", "batches", "peakRssMiB", "rssAfterSetupMiB", "rssEndMiB", "trainSeconds", "seconds"];
  if (typeof value !== "object" || value === null) throw new Error("memory worker: answer is not an object");
  const record = value as Record<string, unknown>;
  for (const key of numbers) if (typeof record[key] !== "number") throw new Error(`memory worker: ${key} missing from its answer`);
  if (!Array.isArray(record.rssAfterStepsMiB)) throw new Error("memory worker: rssAfterStepsMiB missing from its answer");
  return value as MemoryWorkerResult;
}

export async function measureTrainingMemory(request: MemoryWorkerRequest, log: (line: string) => void = () => undefined): Promise<MemoryResult> {
  const child = spawn(process.execPath, ["--import", "tsx", WORKER, JSON.stringify(request)], { env: process.env, stdio: ["ignore", "pipe", "pipe"] });
  let stdout = "";
  let stderr = "";
  child.stdout.setEncoding("utf8").on("data", (chunk: string) => (stdout += chunk));
  child.stderr.setEncoding("utf8").on("data", (chunk: string) => (stderr += chunk));
  const code = await new Promise<number | null>((resolve, reject) => {
    child.on("error", reject);
    child.on("close", resolve);
  });
  if (code !== 0) throw new Error(`memory worker exited ${code}:\n${stderr.trim().split("\n").slice(-10).join("\n")}`);
  const line = stdout.trim().split("\n").at(-1) ?? "";
  let parsed: unknown;
  try {
    parsed = JSON.parse(line);
  } catch {
    throw new Error(`memory worker: last line is not JSON: ${line.slice(0, 200)}`);
  }
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
