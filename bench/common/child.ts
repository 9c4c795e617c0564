/**
 * Runs one bench child process (a Python peer, kdlab's worker, the memory
 * worker) that prints its answer as the last line of stdout, as JSON. Each
 * framework runs in a fresh process, so none inherits another's memory or
 * thread pools, and a process's peak RSS is its own. Progress lines the child
 * writes to stderr with `logPrefix` are passed to `log` as they come.
 * A child killed by a crash signal (SIGFPE, SIGSEGV, …) throws ChildCrashError,
 * so a caller can report the crash and go on; any other failure is an Error.
 * The answer comes back parsed, unchecked: worker.ts checks it against its schema.
 */
import { spawn } from "node:child_process";

/** Signals a process dies of when its own code crashes (not when it is killed or runs out of memory). */
export const CRASH_SIGNALS: readonly NodeJS.Signals[] = ["SIGFPE", "SIGSEGV", "SIGILL", "SIGBUS", "SIGABRT"];

export class ChildCrashError extends Error {
  constructor(
    readonly label: string,
    readonly signal: NodeJS.Signals,
    /** The child's last stderr lines, oldest first. */
    readonly stderrTail: readonly string[],
  ) {
    super(`${label} crashed with signal ${signal}:\n${stderrTail.join("\n")}`);
    this.name = "ChildCrashError";
  }
}

export interface ChildOptions {
  cwd?: string;
  env?: NodeJS.ProcessEnv;
  log?: (line: string) => void;
  /** stderr lines starting with this are progress, forwarded to `log`. */
  logPrefix?: string;
  /** Names the child in errors. */
  label: string;
}

export async function runJsonChild(command: string, args: readonly string[], options: ChildOptions): Promise<unknown> {
  const child = spawn(command, args, { cwd: options.cwd, env: options.env ?? process.env, stdio: ["ignore", "pipe", "pipe"] });
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
      if (options.logPrefix && line.startsWith(options.logPrefix)) options.log?.(`  ${line}`);
    }
  });
  const [code, signal] = await new Promise<[number | null, NodeJS.Signals | null]>((resolve, reject) => {
    child.on("error", reject);
    child.on("close", (c, s) => resolve([c, s]));
  });
  if (partial) stderrTail.push(partial);
  if (signal && CRASH_SIGNALS.includes(signal)) throw new ChildCrashError(options.label, signal, stderrTail);
  if (code !== 0) throw new Error(`${options.label} failed with ${signal ? `signal ${signal}` : `exit ${code}`}:\n${stderrTail.join("\n")}`);
  const line = stdout.trim().split("\n").at(-1) ?? "";
  try {
    return JSON.parse(line);
  } catch {
    throw new Error(`${options.label}: the last line of its output is not JSON: ${line.slice(0, 200)}`);
  }
}
