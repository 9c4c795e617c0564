/**
 * Runs a sweep's trials on this machine: each `kdlab train` a child process
 * in its own process group, `parallel` at a time, a trial that waits for its
 * teacher's leader started once the leader has its teacher in place (`ready`,
 * polled each second) or has ended. A trial's exit
 * (code, signal, seconds) goes into its exit.json; a failure does not stop
 * the others. SIGINT or SIGTERM to the sweep stops every running trial (their
 * folders stay unfinished, to be rerun) and resolves as interrupted.
 *
 * Trials end with the sweep: its exit, however it comes, sends SIGTERM to
 * every running trial's group; a sweep killed by SIGKILL runs no code, so
 * each trial gets an IPC channel, which makes it watch its parent and stop
 * itself when the sweep is gone (process-tree.ts exitWithOwner). While a
 * trial runs, its owner.json names both pids (owner.ts).
 */
import { spawn, ChildProcess } from "node:child_process";
import * as fs from "node:fs";
import * as os from "node:os";
import * as path from "node:path";
import { killGroup } from "../runtime/process-tree";
import { TrialExit } from "./folder";
import { clearOwner, writeOwner } from "./owner";
import { TrialLaunch } from "./plan";

export interface LaunchOutcome {
  id: string;
  exit: TrialExit;
}

export interface LocalRunOptions {
  parallel: number;
  /** Called when a trial starts and ends. */
  onStart?: (launch: TrialLaunch) => void;
  onEnd?: (outcome: LaunchOutcome) => void;
  /** Clears and links the trial's folder before it starts (folder.ts prepareTrialDir). */
  prepare: (launch: TrialLaunch) => void;
  /** Whether a leader has what its followers wait for (its teacher in place: folder.ts trialTeacherReady); without it they wait for its end. */
  ready?: (id: string) => boolean;
}

/** How often a waiting follower's leader is looked at again. */
const READY_POLL_MS = 1000;

/** Writes exit.json the way ray_driver.py does: beside, then renamed. */
export function writeExit(dir: string, exit: TrialExit): void {
  const file = path.join(dir, "exit.json");
  fs.writeFileSync(`${file}.writing`, `${JSON.stringify(exit, null, 1)}\n`);
  fs.renameSync(`${file}.writing`, file);
}

function start(launch: TrialLaunch): { child: ChildProcess; ended: Promise<TrialExit> } {
  const started = Date.now();
  const log = fs.openSync(path.join(launch.dir, "train.log"), "w");
  // Detached: a group of its own, killed as one; "ipc": the trial's cue to stop when this sweep is gone.
  const child = spawn(launch.argv[0], launch.argv.slice(1), { cwd: launch.cwd, env: { ...process.env, ...launch.env }, stdio: ["ignore", log, log, "ipc"], detached: true });
  if (child.pid !== undefined) writeOwner(launch.dir, child.pid);
  const ended = new Promise<TrialExit>((resolve) => {
    const finish = (exitCode: number | null, signal: string | null) => {
      fs.closeSync(log);
      clearOwner(launch.dir);
      resolve({ exitCode, signal, seconds: (Date.now() - started) / 1000, host: os.hostname(), runner: "local", threads: launch.cpus, finished: new Date().toISOString() });
    };
    child.on("error", (error) => {
      fs.appendFileSync(path.join(launch.dir, "train.log"), `kdlab sweep: could not start ${launch.argv[0]}: ${error.message}\n`);
      finish(127, null);
    });
    child.on("exit", (code, signal) => finish(code, signal));
  });
  return { child, ended };
}

/** Runs the launches; resolves with each ended trial's outcome and whether a signal stopped the sweep. */
export async function runLocal(launches: readonly TrialLaunch[], options: LocalRunOptions): Promise<{ outcomes: LaunchOutcome[]; interrupted: string | null }> {
  const waiting = [...launches];
  const ended = new Set<string>();
  const running = new Map<string, { child: ChildProcess; ended: Promise<TrialExit> }>();
  const outcomes: LaunchOutcome[] = [];
  let interrupted: string | null = null;
  let wake: () => void = () => undefined;
  const stop = (signal: NodeJS.Signals) => {
    interrupted = signal;
    killAll();
    wake();
  };
  const killAll = () => {
    for (const { child } of running.values()) killGroup(child.pid, "SIGTERM");
  };
  const onInt = () => stop("SIGINT");
  const onTerm = () => stop("SIGTERM");
  process.on("SIGINT", onInt);
  process.on("SIGTERM", onTerm);
  // An exception or process.exit() in the sweep takes its trials with it.
  process.on("exit", killAll);
  try {
    while (!interrupted && (waiting.length > 0 || running.size > 0)) {
      while (!interrupted && running.size < options.parallel) {
        const next = waiting.findIndex((l) => l.after === null || ended.has(l.after) || !launches.some((o) => o.id === l.after) || (running.has(l.after) && options.ready?.(l.after) === true));
        if (next < 0) break;
        const [launch] = waiting.splice(next, 1);
        options.prepare(launch);
        options.onStart?.(launch);
        const started = start(launch);
        running.set(launch.id, started);
        void started.ended.then((exit) => {
          running.delete(launch.id);
          ended.add(launch.id);
          // A trial stopped by the sweep's own signal is unfinished, not failed: no exit.json.
          if (!interrupted) {
            writeExit(launch.dir, exit);
            const outcome = { id: launch.id, exit };
            outcomes.push(outcome);
            options.onEnd?.(outcome);
          }
          wake();
        });
      }
      if (running.size === 0 && waiting.length > 0 && !interrupted) throw new Error(`kdlab sweep: trials ${waiting.map((l) => l.id).join(", ")} wait for trials that never run`);
      // A follower may be released by its leader's teacher before the leader ends: look again each second.
      const following = options.ready !== undefined && running.size < options.parallel && waiting.some((l) => l.after !== null && running.has(l.after));
      const poll = following ? setTimeout(() => wake(), READY_POLL_MS) : undefined;
      await new Promise<void>((resolve) => (wake = resolve));
      clearTimeout(poll);
    }
    await Promise.all([...running.values()].map((r) => r.ended));
  } finally {
    process.off("SIGINT", onInt);
    process.off("SIGTERM", onTerm);
    process.off("exit", killAll);
    // A throw above leaves trials running: they end here, not as orphans.
    killAll();
  }
  return { outcomes, interrupted };
}
