/**
 * Runs a Python peer (bench/peers/<framework>_peer.py) as a child process of
 * the project's Python, with the same environment as kdlab's side (the oneDNN
 * setting kdlab chose, thread counts), and returns its checked answer. The
 * peer's stderr (its progress lines) goes to `log` as it comes.
 */
import { spawn } from "node:child_process";
import * as path from "node:path";
import { PROJECT_ROOT, projectPython } from "../notebook/python";
import { parsePeerResult, PeerRequest, PeerResult } from "./peer-protocol";
import { ensureBenchRequirements } from "./python-deps";
import { PeerFramework } from "./schema";

export function peerScript(framework: PeerFramework): string {
  return path.join(PROJECT_ROOT, "bench", "peers", `${framework}_peer.py`);
}

export interface PeerRunOptions {
  log?: (line: string) => void;
  /** Extra environment for the child (added to process.env). */
  env?: Record<string, string>;
}

export async function runPeer(framework: PeerFramework, request: PeerRequest, options: PeerRunOptions = {}): Promise<PeerResult> {
  const log = options.log ?? (() => undefined);
  if (framework === "torch") ensureBenchRequirements(log);
  const python = projectPython();
  const child = spawn(python, [peerScript(framework), JSON.stringify(request)], {
    cwd: PROJECT_ROOT,
    env: { ...process.env, TF_CPP_MIN_LOG_LEVEL: process.env.TF_CPP_MIN_LOG_LEVEL ?? "2", PYTHONUNBUFFERED: "1", ...options.env },
    stdio: ["ignore", "pipe", "pipe"],
  });
  let stdout = "";
  const stderrTail: string[] = [];
  let partial = "";
  child.stdout.setEncoding("utf8").on("data", (chunk: string) => (stdout += chunk));
  child.stderr.setEncoding("utf8").on("data", (chunk: string) => {
    const lines = (partial + chunk).split("\n");
    partial = lines.pop() ?? "";
    for (const line of lines) {
      stderrTail.push(line);
      if (stderrTail.length > 20) stderrTail.shift();
      if (line.startsWith(`${framework}: `)) log(`  ${line}`);
    }
  });
  const [code, signal] = await new Promise<[number | null, NodeJS.Signals | null]>((resolve, reject) => {
    child.on("error", reject);
    child.on("close", (c, s) => resolve([c, s]));
  });
  if (partial) stderrTail.push(partial);
  if (code !== 0) {
    throw new Error(`${framework} peer (${python} ${path.relative(PROJECT_ROOT, peerScript(framework))}) failed with ${signal ? `signal ${signal}` : `exit ${code}`}:\n${stderrTail.join("\n")}`);
  }
  return parsePeerResult(stdout, framework);
}
