/** Starts JupyterLab from the project's Python environment, on the notebooks folder. */
import { ChildProcess, spawn } from "node:child_process";
import * as path from "node:path";
import { pythonTool } from "./python";
import { PROJECT_ROOT } from "../runtime/paths";

/** How long Jupyter gets to shut down (its kernels too) after SIGTERM before SIGKILL. */
export const LAB_STOP_GRACE_MS = 10_000;

export interface LabOptions {
  port?: number;
  ip?: string;
  /** Access token; empty string disables it (only for loopback test servers). */
  token?: string;
  openBrowser?: boolean;
  notebookDir?: string;
  extraArgs?: string[];
}

export interface RunningLab {
  process: ChildProcess;
  url: string;
  stop(): Promise<void>;
}

export function labArgs(options: LabOptions): string[] {
  const args = ["lab", `--notebook-dir=${options.notebookDir ?? path.join(PROJECT_ROOT, "notebooks")}`, `--ServerApp.ip=${options.ip ?? "127.0.0.1"}`];
  if (options.port !== undefined) args.push(`--ServerApp.port=${options.port}`, "--ServerApp.port_retries=0");
  if (options.token !== undefined) args.push(`--IdentityProvider.token=${options.token}`);
  if (!options.openBrowser) args.push("--no-browser");
  // Containers and CI run as root; Jupyter refuses that without this flag.
  if (typeof process.getuid === "function" && process.getuid() === 0) args.push("--allow-root");
  return [...args, ...(options.extraArgs ?? [])];
}

/** Starts JupyterLab and resolves once it serves its API, with the URL to open. */
export async function startLab(options: LabOptions & { port: number }, timeoutMs = 60_000): Promise<RunningLab> {
  const child = spawn(pythonTool("jupyter"), labArgs(options), { cwd: PROJECT_ROOT, stdio: ["ignore", "pipe", "pipe"] });
  let log = "";
  child.stdout?.on("data", (c: Buffer) => (log += c.toString()));
  child.stderr?.on("data", (c: Buffer) => (log += c.toString()));
  const host = options.ip ?? "127.0.0.1";
  const token = options.token ?? "";
  const base = `http://${host}:${options.port}`;
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    if (child.exitCode !== null) throw new Error(`JupyterLab exited ${child.exitCode} while starting:\n${log.slice(-2000)}`);
    try {
      const response = await fetch(`${base}/api/status${token ? `?token=${token}` : ""}`);
      if (response.ok) break;
    } catch {
      // not listening yet
    }
    if (Date.now() > deadline) {
      child.kill("SIGTERM");
      throw new Error(`JupyterLab did not answer on ${base} within ${timeoutMs / 1000} s:\n${log.slice(-2000)}`);
    }
    await new Promise((r) => setTimeout(r, 500));
  }
  const stop = async (): Promise<void> => {
    if (child.exitCode !== null) return;
    const exited = new Promise<void>((r) => child.once("exit", () => r()));
    child.kill("SIGTERM");
    const timer = setTimeout(() => child.kill("SIGKILL"), LAB_STOP_GRACE_MS);
    await exited;
    clearTimeout(timer);
  };
  return { process: child, url: `${base}/lab${token ? `?token=${token}` : ""}`, stop };
}
