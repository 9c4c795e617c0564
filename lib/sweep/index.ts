/**
 * Sweeps: many `kdlab train` runs of one experiment over grid values, random
 * draws and seeds (spec.ts), each a trial in its own folder of
 * runs/sweeps/<name>-<timestamp>/ (folder.ts), run side by side on this
 * machine (local.ts) or as Ray tasks on a cluster (ray.ts, ray_driver.py),
 * then one table, its best setting chosen on val (best.ts) and its charts
 * (table.ts, report.ts).
 *
 * `runSweep` with `resume` continues a sweep folder: finished trials (a
 * result.json) are skipped, the rest run again from a cleared folder —
 * unless a process that runs one of them is still alive (owner.ts): then it
 * refuses, naming the trial and the pid.
 */
import * as path from "node:path";
import { initBackend } from "../runtime/backend";
import { defaultRunsRoot } from "../experiments/index";
import { createSweepFolder, latestSweep, prepareTrialDir, readSweep, trialDir, trialStatus, trialTeacherReady } from "./folder";
import { runLocal } from "./local";
import { liveOwner } from "./owner";
import { localCores, planLaunches, splitCores } from "./plan";
import { runOnRay } from "./ray";
import { formatChoice } from "./best";
import { writeSweepReport, SweepReport } from "./report";
import { expandTrials, SpecOptions, sweepSpec, SweepSpecError, Trial } from "./spec";

export { SweepSpecError, sweepSpec, expandTrials, sweptKeys, shortKey } from "./spec";
export type { SweepSpec, Trial, GridAxis, RangeAxis } from "./spec";
export { readSweep, latestSweep, trialStatus } from "./folder";
export { sideBySideTrainer, studyTrainer } from "./side-by-side";
export type { SideBySideOptions } from "./side-by-side";
export type { SweepRecord, TrialStatus, TrialExit } from "./folder";
export { sweepRows, sweepFrame, writeSweepTable } from "./table";
export type { SweepRow } from "./table";
export { sweepCharts, writeSweepReport } from "./report";
export { CHOICE_METRICS, chooseOnValidation, formatChoice } from "./best";
export type { ChoiceMetric, SettingSummary, SweepChoice } from "./best";
export type { SweepChart, SweepReport } from "./report";

export interface SweepOptions extends Partial<SpecOptions> {
  /** Folder name prefix under <runsRoot>/sweeps (default: the experiment's name). */
  name?: string;
  /** Default: runs/ at the project root. */
  runsRoot?: string;
  /** A dataset folder or .npz; default: the experiment's embedded data. */
  dataDir?: string;
  /** Trials side by side on this machine (default one per core). */
  parallel?: number;
  /** Threads per trial (default cores / parallel); with Ray, the CPUs each task declares. */
  threads?: number;
  /** "auto" (a Ray started for the sweep) or a cluster address; absent: local. */
  ray?: string;
  /** A sweep folder to continue, or true for the newest one of `name`. */
  resume?: string | true;
  log?: (line: string) => void;
  /** Write PNGs beside the SVG charts (default true). */
  png?: boolean;
}

export interface SweepOutcome extends SweepReport {
  dir: string;
  /** Trials skipped because they had finished before. */
  skipped: number;
  /** Trials run this time. */
  ran: number;
  /** The signal that stopped the sweep, if one did. */
  interrupted: string | null;
  seconds: number;
}

function sameTrials(a: readonly Trial[], b: readonly Trial[]): boolean {
  return JSON.stringify(a.map((t) => [t.id, t.overrides])) === JSON.stringify(b.map((t) => [t.id, t.overrides]));
}

/** Finds or makes the sweep folder: a resumed one must describe the same trials as the flags given, if any were. */
function sweepFolder(options: SweepOptions, runsRoot: string): string {
  const name = options.name ?? options.experiment;
  if (options.resume !== undefined) {
    const dir = options.resume === true ? (name ? latestSweep(runsRoot, name) : undefined) : path.resolve(options.resume);
    if (!dir) throw new SweepSpecError(`--resume: no sweep folder named ${name ?? "(give the experiment or a folder)"} under ${path.join(runsRoot, "sweeps")}`);
    const record = readSweep(dir);
    const asked = options.grid?.length || options.ranges?.length || (options.seeds ?? 1) > 1;
    if (asked && options.experiment) {
      const trials = expandTrials(sweepSpec({ ...(options as SpecOptions), profile: options.profile ?? record.spec.profile }));
      if (!sameTrials(trials, record.trials)) throw new SweepSpecError(`--resume ${dir}: its trials differ from the ones these flags describe; rerun it with no sweep flags, or start a new sweep`);
    }
    return dir;
  }
  if (!options.experiment) throw new SweepSpecError("name an experiment");
  const spec = sweepSpec(options as SpecOptions);
  return createSweepFolder(runsRoot, name ?? spec.experiment, spec, options.dataDir ? path.resolve(options.dataDir) : null);
}

/** Runs (or continues) a sweep, then writes its table and charts. */
export async function runSweep(options: SweepOptions): Promise<SweepOutcome> {
  const started = Date.now();
  const log = options.log ?? ((line: string) => console.log(line));
  const runsRoot = options.runsRoot ?? defaultRunsRoot();
  const dir = sweepFolder(options, runsRoot);
  const record = readSweep(dir);
  const states = record.trials.map((t) => ({ trial: t, status: trialStatus(dir, record, t) }));
  const done = new Set(states.filter((s) => s.status.state === "done").map((s) => s.trial.id));
  const pending = states.filter((s) => s.status.state !== "done").map((s) => s.trial);
  // An orphan still training (or the sweep that owns it) would write into the folder we are about to clear.
  const busy = pending.flatMap((t) => liveOwner(trialDir(dir, t), t.id) ?? []);
  if (busy.length > 0) throw new Error(`${dir}: ${busy.join("; ")}`);
  const cores = localCores();
  const { parallel, threads } = splitCores(pending.length, cores, options.parallel, options.threads);
  const where = options.ray ? `Ray (${options.ray === "auto" ? `started for this sweep on 127.0.0.1, ${cores} CPUs` : options.ray}), ${threads} CPU${threads > 1 ? "s" : ""} a trial` : `this machine, ${parallel} side by side × ${threads} thread${threads > 1 ? "s" : ""} (${cores} cores)`;
  log(`sweep ${dir}: ${record.trials.length} trials of ${record.spec.experiment} (${record.spec.profile}); ${done.size} finished before, ${pending.length} to run on ${where}`);
  const launches = planLaunches(dir, record, pending, done, threads);
  let interrupted: string | null = null;
  const total = record.trials.length;
  let finished = done.size;
  if (launches.length > 0) {
    if (options.ray) {
      for (const launch of launches) prepareTrialDir(dir, launch);
      ({ interrupted } = await runOnRay(dir, launches, { address: options.ray, localCpus: cores, log }));
    } else {
      ({ interrupted } = await runLocal(launches, {
        parallel,
        prepare: (launch) => prepareTrialDir(dir, launch),
        ready: (id) => trialTeacherReady(dir, record, { id }),
        onStart: (launch) => log(`trial ${launch.id}: started`),
        onEnd: ({ id, exit }) => {
          finished += 1;
          const trial = record.trials.find((t) => t.id === id)!;
          const status = trialStatus(dir, record, trial);
          const said = status.state === "done" ? `done, test accuracy ${status.result.student.test.accuracy.toFixed(4)}${status.result.student.test.binary ? `, AUC ${status.result.student.test.binary.auc.toFixed(4)}` : ""}` : status.state === "failed" ? `FAILED (${status.error}); log ${path.join(trialDir(dir, trial), "train.log")}` : "unfinished";
          log(`trial ${id}: ${said} after ${exit.seconds.toFixed(1)} s [${finished}/${total}]`);
        },
      }));
    }
  }
  if (interrupted) log(`sweep stopped by ${interrupted}: rerun with --resume ${dir} to finish it`);
  await initBackend();
  const report = await writeSweepReport(dir, { png: options.png });
  const { counts } = report;
  log(`sweep ${dir}: ${counts.done} done, ${counts.failed} failed, ${counts.pending} unfinished; table ${path.relative(dir, report.csv)}, ${report.charts.length} charts in charts/`);
  if (report.choice) log(formatChoice(report.choice));
  return { ...report, dir, skipped: done.size, ran: launches.length, interrupted, seconds: (Date.now() - started) / 1000 };
}
