/**
 * Process trees that end together: whether a pid is alive (and still the
 * same process, not a reused pid), a process group signalled as one, a
 * command's SIGINT/SIGTERM turned into a stop, and a child that exits by
 * itself once the process that spawned it (with an IPC channel) is gone —
 * the one way to follow a parent killed by SIGKILL, which can run no handler.
 */
import * as fs from "node:fs";
import { Worker } from "node:worker_threads";

/** Whether a process with this pid exists (EPERM: it does, owned by someone else). */
export function pidAlive(pid: number): boolean {
  if (!Number.isInteger(pid) || pid <= 0) return false;
  try {
    process.kill(pid, 0);
    return true;
  } catch (error) {
    return (error as NodeJS.ErrnoException).code === "EPERM";
  }
}

/** A process's start time in clock ticks since boot (/proc/<pid>/stat field 22), which tells a reused pid apart; undefined without /proc. */
export function processStart(pid: number): string | undefined {
  try {
    const stat = fs.readFileSync(`/proc/${pid}/stat`, "utf8");
    // Fields after the command name, which may itself hold spaces and parentheses: state is field 3, starttime field 22.
    return stat.slice(stat.lastIndexOf(")") + 2).split(" ")[19];
  } catch {
    return undefined;
  }
}

/** A process as recorded to be checked later: its pid and, where known, its start time. */
export interface ProcessRecord {
  pid: number;
  start?: string;
}

export function processRecord(pid: number): ProcessRecord {
  const start = processStart(pid);
  return start === undefined ? { pid } : { pid, start };
}

/** Whether the recorded process still runs: its pid alive and, when its start time was recorded, the same start time. */
export function stillRunning(record: ProcessRecord): boolean {
  if (!pidAlive(record.pid)) return false;
  if (record.start === undefined) return true;
  const start = processStart(record.pid);
  return start === undefined || start === record.start;
}

/** Sends `signal` to the process group led by `pid` (a child spawned with `detached: true`); false when the group is gone. */
export function killGroup(pid: number | undefined, signal: NodeJS.Signals): boolean {
  if (pid === undefined) return false;
  try {
    process.kill(-pid, signal);
    return true;
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === "ESRCH") return false;
    throw error;
  }
}

/** Calls `stop` on SIGINT, SIGTERM or SIGHUP instead of dying at once; returns the function that removes the handlers. */
export function onStopSignals(stop: (signal: NodeJS.Signals) => void): () => void {
  const signals: NodeJS.Signals[] = ["SIGINT", "SIGTERM", "SIGHUP"];
  const handlers = signals.map((signal) => [signal, () => stop(signal)] as const);
  for (const [signal, handler] of handlers) process.on(signal, handler);
  return () => {
    for (const [signal, handler] of handlers) process.off(signal, handler);
  };
}

/**
 * The watcher's code, run on its own thread: the main thread may be busy in
 * a TensorFlow step for seconds, with no turn of its event loop. Once the
 * parent pid changes (the owner died: this process was re-parented) it
 * writes one line straight to fd 2 and sends SIGTERM to this process's
 * group (it leads one when spawned detached), else to this process.
 */
const WATCHER = `
const fs = require("node:fs");
const { workerData } = require("node:worker_threads");
setInterval(() => {
  if (process.ppid === workerData.owner) return;
  fs.writeSync(2, workerData.what + ": the process that started it (pid " + workerData.owner + ") is gone; stopping\\n");
  try { process.kill(-workerData.pid, "SIGTERM"); } catch { process.kill(workerData.pid, "SIGTERM"); }
}, 500);
`;

/**
 * In a process spawned with an IPC channel (a sweep's trial): exit when the
 * process that spawned it is gone, however it ended, SIGKILL included. The
 * channel is the owner's way of asking for this, so a `nohup kdlab train &`
 * whose shell closes goes on. Does nothing without a channel.
 */
export function exitWithOwner(what: string): void {
  const channel = process.channel;
  if (!channel) return;
  const owner = process.ppid;
  const watcher = new Worker(WATCHER, { eval: true, workerData: { owner, pid: process.pid, what } });
  // An owner gone before the watcher read its pid (re-parented already) still closes the channel: the main thread sees that.
  process.once("disconnect", () => {
    process.stderr.write(`${what}: the process that started it (pid ${owner}) is gone; stopping\n`);
    if (!killGroup(process.pid, "SIGTERM")) process.kill(process.pid, "SIGTERM");
  });
  // Neither the watcher nor the channel may keep this process running once its work is done.
  watcher.unref();
  channel.unref();
}
