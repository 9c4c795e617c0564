/**
 * Experiments trained side by side on this machine: each a `kdlab train`
 * child process (its config said as --set overrides of its profile,
 * experiments/overrides.ts overridesOf) with the runs folder's model cache,
 * `parallel` at a time (default one per core), the cores split between them
 * (plan.ts splitCores). How a notebook's seed or method study fills the
 * machine: on 2 cores a 32 px pneumonia student trains in about the same
 * time on one thread as on two, so two side by side take about half the
 * time of two in turn. Each child's output goes to
 * <runs>/side-by-side/batch-<stamp>/<nn>-<experiment>-seed<seed>/train.log; a run
 * that fails makes the batch throw, naming its log and what it said
 * (train-log.ts: kdlab train's error line, else its last lines), once
 * the others have ended (what they trained is in the model cache, so a rerun
 * loads it).
 */
import * as fs from "node:fs";
import * as path from "node:path";
import { defaultRunsRoot, ExperimentConfig, ExperimentResult, overridesOf, StudyTrainer, TrainAll, TrainOne } from "../experiments/index";
import { runLocal } from "./local";
import { kdlabTrainArgv, localCores, splitCores, threadEnv, TrialLaunch } from "./plan";
import { newRunDirectory } from "../distill/index";
import { PROJECT_ROOT } from "../runtime/paths";
import { readLosslessJson } from "../runtime/lossless-json";
import { trainLogError } from "./train-log";

export interface SideBySideOptions {
  /** A dataset folder or .npz; null or absent: each experiment's embedded data. */
  dataDir?: string | null;
  /** Default: runs/ at the project root. */
  runsRoot?: string;
  /** Runs at a time; default one per core. */
  parallel?: number;
  /** One line as each run starts and ends. */
  log?: (line: string) => void;
}

/** The run folder `kdlab train` named on its last "run folder: …" line, and its result.json. */
function resultOf(logFile: string): ExperimentResult | undefined {
  const log = fs.existsSync(logFile) ? fs.readFileSync(logFile, "utf8") : "";
  const runDir = [...log.matchAll(/^run folder: (.+)$/gm)].at(-1)?.[1];
  const file = runDir && path.join(runDir, "result.json");
  return file && fs.existsSync(file) ? readLosslessJson<ExperimentResult>(file) : undefined;
}

/** A study trainer (experiments/study-trainer.ts) that runs each batch of configs side by side in child processes. */
export function sideBySideTrainer(options: SideBySideOptions = {}): TrainAll {
  const runsRoot = path.resolve(options.runsRoot ?? defaultRunsRoot());
  const log = options.log ?? ((line: string) => console.log(line));
  return {
    async trainAll(configs: readonly ExperimentConfig[]): Promise<ExperimentResult[]> {
      if (configs.length === 0) return [];
      // Every config is said as overrides before anything starts: one that cannot be throws here.
      const data = options.dataDir ? path.resolve(options.dataDir) : null;
      const argvs = configs.map((config) => kdlabTrainArgv(config.name, config.profile, data, overridesOf(config), runsRoot));
      const { parallel, threads } = splitCores(configs.length, localCores(), options.parallel);
      // Claimed by mkdir, as run folders are: two batches in the same second get two.
      const folder = newRunDirectory(path.join(runsRoot, "side-by-side"), "batch");
      const launches: TrialLaunch[] = configs.map((config, i) => {
        const id = `${String(i + 1).padStart(2, "0")}-${config.name}-seed${config.seed}`;
        return { id, dir: path.join(folder, id), argv: argvs[i], cwd: PROJECT_ROOT, env: threadEnv(threads), cpus: threads, after: null };
      });
      log(`${configs.length} run${configs.length > 1 ? "s" : ""} side by side, ${parallel} at a time × ${threads} thread${threads > 1 ? "s" : ""}; logs in ${folder}`);
      const label = (launch: TrialLaunch) => launch.id.slice(3);
      // Each run's log and result.json are read once, as it ends.
      const results = new Map<string, ExperimentResult | undefined>();
      const { interrupted } = await runLocal(launches, {
        parallel,
        prepare: (launch) => fs.mkdirSync(launch.dir, { recursive: true }),
        onStart: (launch) => log(`▶ ${label(launch)}`),
        onEnd: ({ id, exit }) => {
          const launch = launches.find((l) => l.id === id)!;
          results.set(id, resultOf(path.join(launch.dir, "train.log")));
          const result = exit.exitCode === 0 ? results.get(id) : undefined;
          const loaded = result && [result.teacher, result.student].some((run) => run?.cache?.reused) ? ` (${[result.teacher, result.student].filter((run) => run?.cache?.reused).map((run) => run!.role).join(" and ")} from the model cache)` : "";
          log(result ? `✔ ${label(launch)}: test accuracy ${(100 * result.student.test.accuracy).toFixed(2)} % in ${exit.seconds.toFixed(0)} s${loaded}` : `✘ ${label(launch)} failed after ${exit.seconds.toFixed(0)} s: ${trainLogError(path.join(launch.dir, "train.log"))}`);
        },
      });
      if (interrupted) throw new Error(`side-by-side runs stopped by ${interrupted}; what finished is in the model cache (logs in ${folder})`);
      const failed = launches.filter((launch) => results.get(launch.id) === undefined);
      if (failed.length > 0) throw new Error(`${failed.length} of ${launches.length} side-by-side runs failed: ${failed.map((launch) => `${path.join(launch.dir, "train.log")}: ${trainLogError(path.join(launch.dir, "train.log"))}`).join("; ")}`);
      return launches.map((launch) => results.get(launch.id) as ExperimentResult);
    },
  };
}

/**
 * A notebook's study trainer: side by side, `parallel` at a time (null: one
 * per core), unless that is 1 — a 1-core machine, `parallel = 1`, or the
 * quick profile, whose runs take seconds, less than starting a process —
 * when `one` (the notebook's in-kernel `train`, with live progress) trains
 * them in turn.
 */
export function studyTrainer(profile: string, parallel: number | null, one: TrainOne, options: Omit<SideBySideOptions, "parallel"> = {}): StudyTrainer {
  if (parallel !== null && !(Number.isInteger(parallel) && parallel >= 1)) throw new Error(`parallel must be a positive integer or null (one per core), got ${parallel}`);
  const side = parallel ?? (profile === "quick" ? 1 : localCores());
  return side > 1 ? sideBySideTrainer({ ...options, parallel: side }) : one;
}
