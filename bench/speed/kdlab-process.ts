/** Starts kdlab's side of the bench in its own process (kdlab-worker.ts) and checks its answer. */
import * as path from "node:path";
import { runJsonChild } from "../common/child";
import type { KdlabSideResult } from "./kdlab-side";
import type { KdlabWorkerRequest } from "./kdlab-worker";

const WORKER = path.join(__dirname, "kdlab-worker.ts");

function checkAnswer(value: unknown): KdlabSideResult {
  if (typeof value !== "object" || value === null) throw new Error("kdlab worker: answer is not an object");
  const record = value as Record<string, unknown>;
  for (const key of ["params", "flops", "throughput", "inference"]) if (!Array.isArray(record[key])) throw new Error(`kdlab worker: ${key} missing from its answer`);
  return value as KdlabSideResult;
}

/** `env`: what TensorFlow must see when it loads in the child (thread counts). */
export async function runKdlabSide(request: KdlabWorkerRequest, env: Record<string, string>, log: (line: string) => void): Promise<KdlabSideResult> {
  const answer = await runJsonChild(process.execPath, ["--import", "tsx", WORKER, JSON.stringify(request)], { env: { ...process.env, ...env }, log, logPrefix: "kdlab: ", label: "kdlab worker" });
  return checkAnswer(answer);
}
