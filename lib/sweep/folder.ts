/**
 * A sweep's folder, runs/sweeps/<name>-<timestamp>/:
 *
 *   sweep.json                 the spec, the trials (id, overrides), the data and how it was run
 *   trials/<id>/               one per trial: `kdlab train --runs trials/<id>` writes its run folder
 *                              <experiment>-<timestamp>/ here; train.log (its stdout and stderr);
 *                              exit.json (exit code, seconds, host, runner), written by whoever
 *                              launched it (local.ts or ray_driver.py) when it ended
 *   trials/<id>/owner.json     the sweep's and the trial's pids while it runs (owner.ts)
 *   model-cache, teacher-outputs  links to the runs folder's own (../../model-cache, …), so a sweep
 *                              loads the teacher a notebook or `kdlab train --model-cache` trained
 *                              with the same settings, and they load the sweep's
 *   trials/<id>/model-cache    links to ../../model-cache, so every trial shares trained models
 *   trials/<id>/teacher-outputs  and the teacher's cached outputs (../../teacher-outputs)
 *   results.{csv,json}, charts/   the table and charts (table.ts, report.ts)
 *
 * A trial is done when its run folder holds result.json (runExperiment
 * writes it last): that file is the proof, nothing else. A trial with an
 * exit.json and no result.json failed; one with neither never finished.
 * Both are run again, from a cleared folder, when the sweep is rerun.
 */
import * as fs from "node:fs";
import * as path from "node:path";
import type { ExperimentResult } from "../experiments/index";
import { expandTrials, SweepSpec, Trial } from "./spec";
import { readLosslessJson } from "../runtime/lossless-json";
import { trainLogError } from "./train-log";

export const SWEEP_FILE = "sweep.json";
const SHARED = ["model-cache", "teacher-outputs"] as const;

export interface SweepRecord {
  name: string;
  spec: SweepSpec;
  trials: Trial[];
  /** An absolute dataset path, or null for the experiment's embedded default. */
  data: string | null;
  created: string;
}

/** What the launcher of a trial writes into trials/<id>/exit.json when `kdlab train` ends. */
export interface TrialExit {
  exitCode: number | null;
  signal: string | null;
  seconds: number;
  host: string;
  runner: "local" | "ray";
  threads: number;
  finished: string;
}

export type TrialStatus =
  | { state: "done"; result: ExperimentResult; runDir: string; exit?: TrialExit }
  | { state: "failed"; error: string; exit: TrialExit }
  | { state: "pending" };

function timestamp(now: Date): string {
  const p = (n: number) => String(n).padStart(2, "0");
  return `${now.getUTCFullYear()}${p(now.getUTCMonth() + 1)}${p(now.getUTCDate())}-${p(now.getUTCHours())}${p(now.getUTCMinutes())}${p(now.getUTCSeconds())}`;
}

/** A new sweep folder under <runsRoot>/sweeps, with sweep.json written. */
export function createSweepFolder(runsRoot: string, name: string, spec: SweepSpec, data: string | null, now = new Date()): string {
  if (!/^[A-Za-z0-9._-]+$/.test(name)) throw new Error(`sweep name "${name}" may only use letters, digits, . _ -`);
  const root = path.join(runsRoot, "sweeps");
  let dir = path.join(root, `${name}-${timestamp(now)}`);
  for (let n = 2; fs.existsSync(dir); n++) dir = path.join(root, `${name}-${timestamp(now)}-${n}`);
  fs.mkdirSync(dir, { recursive: true });
  for (const shared of SHARED) {
    fs.mkdirSync(path.join(runsRoot, shared), { recursive: true });
    fs.symlinkSync(path.join("..", "..", shared), path.join(dir, shared));
  }
  const record: SweepRecord = { name, spec, trials: expandTrials(spec), data, created: now.toISOString() };
  fs.writeFileSync(path.join(dir, SWEEP_FILE), `${JSON.stringify(record, null, 1)}\n`);
  return dir;
}

export function readSweep(dir: string): SweepRecord {
  const file = path.join(dir, SWEEP_FILE);
  if (!fs.existsSync(file)) throw new Error(`${dir} is not a sweep folder: it has no ${SWEEP_FILE}`);
  try {
    return JSON.parse(fs.readFileSync(file, "utf8")) as SweepRecord;
  } catch (error) {
    throw new Error(`${file}: not valid JSON (${(error as Error).message})`);
  }
}

/** The newest sweep folder named `name` under <runsRoot>/sweeps, if any. */
export function latestSweep(runsRoot: string, name: string): string | undefined {
  const root = path.join(runsRoot, "sweeps");
  if (!fs.existsSync(root)) return undefined;
  const pattern = new RegExp(`^${name.replace(/[.*+?^${}()|[\]\\]/g, "\\$&")}-\\d{8}-\\d{6}(-\\d+)?$`);
  const found = fs.readdirSync(root).filter((entry) => pattern.test(entry) && fs.existsSync(path.join(root, entry, SWEEP_FILE)));
  const stamp = (entry: string) => entry.slice(name.length + 1).replace(/-(\d+)$/, (_m, n: string) => `.${n.padStart(4, "0")}`);
  found.sort((a, b) => stamp(a).localeCompare(stamp(b)));
  return found.length > 0 ? path.join(root, found[found.length - 1]) : undefined;
}

export function trialDir(sweepDir: string, trial: Pick<Trial, "id">): string {
  return path.join(sweepDir, "trials", trial.id);
}

/** A trial's file (exit.json, result.json) in lossless JSON, or undefined where it is missing or half-written. */
function readJson<T>(file: string): T | undefined {
  try {
    return readLosslessJson<T>(file);
  } catch {
    return undefined;
  }
}

/** The trial's run folder (the one `kdlab train` made under trials/<id>), if it made one. */
function runFolderOf(dir: string, experiment: string): string | undefined {
  if (!fs.existsSync(dir)) return undefined;
  const runs = fs.readdirSync(dir).filter((entry) => entry.startsWith(`${experiment}-`) && fs.statSync(path.join(dir, entry)).isDirectory());
  return runs.length > 0 ? path.join(dir, runs.sort()[runs.length - 1]) : undefined;
}

/** How the trial ended and what its train.log says went wrong. */
function errorOf(dir: string, exit: TrialExit): string {
  const how = exit.signal ? `killed by ${exit.signal}` : `exit ${exit.exitCode}`;
  return `${how}: ${trainLogError(path.join(dir, "train.log"))}`;
}

export function trialStatus(sweepDir: string, record: SweepRecord, trial: Trial): TrialStatus {
  const dir = trialDir(sweepDir, trial);
  const exit = readJson<TrialExit>(path.join(dir, "exit.json"));
  const runDir = runFolderOf(dir, record.spec.experiment);
  const result = runDir ? readJson<ExperimentResult>(path.join(runDir, "result.json")) : undefined;
  if (result && runDir) return { state: "done", result, runDir, exit };
  if (exit) return { state: "failed", error: errorOf(dir, exit), exit };
  return { state: "pending" };
}

/** The folder a sweep's shared cache is: the runs folder's, where the sweep links it (a sweep folder made before those links has its own). */
function sharedTarget(sweepDir: string, shared: (typeof SHARED)[number]): string {
  const entry = path.join(sweepDir, shared);
  let link: string | undefined;
  try {
    link = fs.readlinkSync(entry);
  } catch {
    link = undefined;
  }
  return link === undefined ? entry : path.resolve(sweepDir, link);
}

/** Whether the trial's teacher is in place: its run folder holds teacher/final (written by a rename, after training or loading it). */
export function trialTeacherReady(sweepDir: string, record: SweepRecord, trial: Pick<Trial, "id">): boolean {
  const runDir = runFolderOf(trialDir(sweepDir, trial), record.spec.experiment);
  return runDir !== undefined && fs.existsSync(path.join(runDir, "teacher", "final"));
}

/** Empties a trial's folder for a fresh start and links the sweep's shared caches into it. */
export function prepareTrialDir(sweepDir: string, trial: Pick<Trial, "id">): string {
  const dir = trialDir(sweepDir, trial);
  fs.rmSync(dir, { recursive: true, force: true });
  fs.mkdirSync(dir, { recursive: true });
  for (const shared of SHARED) {
    fs.mkdirSync(sharedTarget(sweepDir, shared), { recursive: true });
    fs.symlinkSync(path.join("..", "..", shared), path.join(dir, shared));
  }
  return dir;
}
