/** Starts kdlab's side of the fidelity part in its own process (worker.ts) and checks its answer. */
import * as path from "node:path";
import { runJsonChild } from "../common/child";
import type { FidelityKdlabAnswer, FidelityWorkerRequest } from "./worker";

const WORKER = path.join(__dirname, "worker.ts");

function checkAnswer(value: unknown, seeds: readonly number[]): FidelityKdlabAnswer {
  if (typeof value !== "object" || value === null) throw new Error("fidelity worker: answer is not an object");
  const record = value as Record<string, unknown>;
  if (typeof record.network !== "object" || record.network === null) throw new Error("fidelity worker: network missing from its answer");
  if (!Array.isArray(record.runs)) throw new Error("fidelity worker: runs missing from its answer");
  const answered = (record.runs as { seed?: unknown }[]).map((r) => r.seed);
  if (answered.join(",") !== seeds.join(",")) throw new Error(`fidelity worker: answered for seeds ${answered.join(", ")}, asked ${seeds.join(", ")}`);
  return value as FidelityKdlabAnswer;
}

/** `env`: what TensorFlow must see when it loads in the child (thread counts). */
export async function runFidelityKdlab(request: FidelityWorkerRequest, env: Record<string, string>, log: (line: string) => void): Promise<FidelityKdlabAnswer> {
  const answer = await runJsonChild(process.execPath, ["--import", "tsx", WORKER, JSON.stringify(request)], { env: { ...process.env, ...env }, log, logPrefix: "kdlab: ", label: "fidelity worker" });
  return checkAnswer(answer, request.settings.seeds);
}
