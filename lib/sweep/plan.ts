/**
 * How each trial is launched, the same locally and on Ray: the `kdlab train`
 * command line (its overrides, `--runs trials/<id>`, `--model-cache`), the
 * environment that caps its threads, the CPUs it declares, and the trial it
 * waits for.
 *
 * Trials that train the same teacher (same teacher settings and seed: a
 * T × α grid on one seed, say) share it through the model cache (the runs
 * folder's, folder.ts). Started together they would all train it, so the
 * first pending trial of each such group leads and the others wait until
 * its teacher is in place (locally: local.ts `ready`) or it has ended (Ray);
 * groups run side by side.
 */
import * as os from "node:os";
import * as path from "node:path";
import { modelKey } from "../experiments/model-cache";
import { PROJECT_ROOT } from "../runtime/paths";
import { trialDir, SweepRecord } from "./folder";
import { Trial, trialConfig } from "./spec";

export interface TrialLaunch {
  id: string;
  /** The trial's folder (absolute). */
  dir: string;
  /** `node bin/kdlab.js train …` */
  argv: string[];
  cwd: string;
  /** Added to the launcher's environment. */
  env: Record<string, string>;
  /** Threads the trial's TensorFlow uses, and the CPUs it declares to Ray. */
  cpus: number;
  /** The trial it waits for (the one that trains the teacher they share), if any. */
  after: string | null;
}

export const KDLAB_BIN = path.join(PROJECT_ROOT, "bin", "kdlab.js");

/** Cores on this machine. */
export function localCores(): number {
  return os.availableParallelism();
}

/** Trials side by side and threads each, so that trials × threads ≤ cores: `parallel` as asked (default one per core, at most one per trial). */
export function splitCores(pending: number, cores: number, parallel?: number, threads?: number): { parallel: number; threads: number } {
  const side = Math.max(1, Math.min(parallel ?? cores, Math.max(pending, 1)));
  return { parallel: side, threads: threads ?? Math.max(1, Math.floor(cores / side)) };
}

/** The environment that caps a trial at `threads` (TensorFlow's intra-op pool; one inter-op thread) and keeps its logs quiet. */
export function threadEnv(threads: number): Record<string, string> {
  const passed = Object.fromEntries(Object.entries(process.env).filter((entry): entry is [string, string] => entry[0].startsWith("KDLAB_") && entry[1] !== undefined));
  return { ...passed, TF_NUM_INTRAOP_THREADS: String(threads), TF_NUM_INTEROP_THREADS: "1", OMP_NUM_THREADS: String(threads), TF_CPP_MIN_LOG_LEVEL: process.env.TF_CPP_MIN_LOG_LEVEL ?? "2" };
}

/** `node bin/kdlab.js train` of one experiment with its overrides, writing under `runs` with that folder's model cache (sweep trials, side-by-side runs). */
export function kdlabTrainArgv(experiment: string, profile: string, data: string | null, overrides: readonly string[], runs: string): string[] {
  return [process.execPath, KDLAB_BIN, "train", experiment, "--profile", profile, ...(data ? ["--data", data] : []), ...overrides.flatMap((o) => ["--set", o]), "--runs", runs, "--model-cache"];
}

export function trainArgv(record: SweepRecord, trial: Trial, dir: string): string[] {
  return kdlabTrainArgv(record.spec.experiment, record.spec.profile, record.data, trial.overrides, dir);
}

/** The key of the teacher a trial trains (null without one); trials with the same key share it. */
function teacherGroup(record: SweepRecord, trial: Trial): string | null {
  const config = trialConfig(record.spec, trial);
  if (!config.teacher) return null;
  return modelKey(config, "teacher", config.teacherSeed ?? config.seed, "same data in every trial");
}

/** Launches for the pending trials; `done` are the ids already finished (their teachers are in the cache). */
export function planLaunches(sweepDir: string, record: SweepRecord, pending: readonly Trial[], done: ReadonlySet<string>, threads: number): TrialLaunch[] {
  const cached = new Set(record.trials.filter((t) => done.has(t.id)).map((t) => teacherGroup(record, t)));
  const leaders = new Map<string, string>();
  return pending.map((trial) => {
    const group = teacherGroup(record, trial);
    let after: string | null = null;
    if (group !== null && !cached.has(group)) {
      const leader = leaders.get(group);
      if (leader) after = leader;
      else leaders.set(group, trial.id);
    }
    const dir = path.resolve(trialDir(sweepDir, trial));
    return { id: trial.id, dir, argv: trainArgv(record, trial, dir), cwd: PROJECT_ROOT, env: threadEnv(threads), cpus: threads, after };
  });
}
