/**
 * Runs a Python peer (bench/peers/<framework>_peer.py) as a child process of
 * the project's Python, with the same environment as kdlab's side (the oneDNN
 * setting kdlab chose, thread counts), and returns its checked answer.
 */
import * as path from "node:path";
import { PROJECT_ROOT, projectPython } from "../notebook/python";
import { runJsonChild } from "./child";
import { parsePeerResult, PeerRequest, PeerResult } from "./peer-protocol";
import { ensureBenchRequirements } from "./python-deps";
import { PeerFramework } from "./schema";

export function peerScript(framework: PeerFramework): string {
  return path.join(PROJECT_ROOT, "bench", "peers", `${framework}_peer.py`);
}

export async function runPeer(framework: PeerFramework, request: PeerRequest, log: (line: string) => void = () => undefined): Promise<PeerResult> {
  if (framework === "torch") ensureBenchRequirements(log);
  const python = projectPython();
  const answer = await runJsonChild(python, [peerScript(framework), JSON.stringify(request)], {
    cwd: PROJECT_ROOT,
    env: { ...process.env, TF_CPP_MIN_LOG_LEVEL: process.env.TF_CPP_MIN_LOG_LEVEL ?? "2", PYTHONUNBUFFERED: "1" },
    log,
    logPrefix: `${framework}: `,
    label: `${framework} peer (${python} ${path.relative(PROJECT_ROOT, peerScript(framework))})`,
  });
  return parsePeerResult(answer, framework);
}
