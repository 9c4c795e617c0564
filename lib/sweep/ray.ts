/**
 * `kdlab sweep --ray`: the pending trials' launches (plan.ts) go to
 * ray_driver.py, run by the project's Python with Ray installed on first use
 * (scripts/ray-requirements.txt, stamped like TensorBoard). The plan is
 * written into the sweep folder as ray-plan.json; the driver's pid into
 * ray-driver.pid while it runs. SIGINT or SIGTERM to the sweep is passed on
 * to the driver, which cancels the tasks.
 */
import { spawn } from "node:child_process";
import * as fs from "node:fs";
import * as path from "node:path";
import { projectPython } from "../notebook/python";
import { PROJECT_ROOT } from "../runtime/paths";
import { ensureRequirements, PythonRequirements } from "../notebook/python-requirements";
import { TrialLaunch } from "./plan";

export const RAY_REQUIREMENTS: PythonRequirements = {
  name: "ray",
  file: path.join(PROJECT_ROOT, "scripts", "ray-requirements.txt"),
  packages: "ray",
};

export const RAY_DRIVER = path.join(__dirname, "ray_driver.py");

export interface RayRunOptions {
  /** "auto": a Ray started for this sweep on 127.0.0.1; otherwise an existing cluster's address (HOST:PORT). */
  address: string;
  /** CPUs of the Ray started for the sweep (address "auto"). */
  localCpus: number;
  log: (line: string) => void;
}

/** Runs the launches through the driver; resolves with its exit code (0: every task ended, whatever the trials' own exit codes) or the signal that stopped the sweep. */
export async function runOnRay(sweepDir: string, launches: readonly TrialLaunch[], options: RayRunOptions): Promise<{ code: number; interrupted: string | null }> {
  ensureRequirements(RAY_REQUIREMENTS, options.log);
  const planFile = path.join(sweepDir, "ray-plan.json");
  // The object store holds only the tasks' small records.
  fs.writeFileSync(planFile, `${JSON.stringify({ localCpus: options.localCpus, objectStoreBytes: 100 * 2 ** 20, trials: launches }, null, 1)}\n`);
  const driverAddress = options.address === "auto" ? "local" : options.address;
  const child = spawn(projectPython(), [RAY_DRIVER, planFile, driverAddress], { cwd: PROJECT_ROOT, stdio: ["ignore", "pipe", "pipe"], env: { ...process.env, RAY_USAGE_STATS_ENABLED: "0" } });
  const pidFile = path.join(sweepDir, "ray-driver.pid");
  fs.writeFileSync(pidFile, `${child.pid}\n`);
  const forward = (stream: NodeJS.ReadableStream, write: (line: string) => void) => {
    let rest = "";
    stream.setEncoding("utf8");
    stream.on("data", (chunk: string) => {
      const lines = (rest + chunk).split("\n");
      rest = lines.pop() ?? "";
      for (const line of lines) if (line.trim()) write(line);
    });
  };
  forward(child.stdout!, options.log);
  const stderr: string[] = [];
  forward(child.stderr!, (line) => {
    stderr.push(line);
    if (/^ray_driver:|Error|error/.test(line)) options.log(line);
  });
  let interrupted: string | null = null;
  const pass = (signal: NodeJS.Signals) => () => {
    interrupted = signal;
    child.kill(signal);
  };
  const onInt = pass("SIGINT");
  const onTerm = pass("SIGTERM");
  process.on("SIGINT", onInt);
  process.on("SIGTERM", onTerm);
  try {
    const [code, signal] = await new Promise<[number | null, NodeJS.Signals | null]>((resolve) => {
      child.on("error", (error) => {
        stderr.push(error.message);
        resolve([127, null]);
      });
      child.on("exit", (c, s) => resolve([c, s]));
    });
    if (code === 143 || code === 130 || signal) interrupted ??= signal ?? (code === 143 ? "SIGTERM" : "SIGINT");
    if (code !== 0 && !interrupted) options.log(`kdlab sweep: the Ray driver exited ${code}; its last words:\n${stderr.slice(-8).join("\n")}`);
    return { code: code ?? 1, interrupted };
  } finally {
    process.off("SIGINT", onInt);
    process.off("SIGTERM", onTerm);
    fs.rmSync(pidFile, { force: true });
  }
}
