/**
 * Distillation methods compared (notebook 07): for each seed, the student
 * alone and the same student distilled by each method, from the same initial
 * weights on the same data, every distilled student learning from one
 * teacher trained at `firstSeed` (teacherSeed). Per method: test accuracy and
 * ROC AUC (binary tasks) as mean ± sd over seeds, the paired difference from
 * the student alone with its 95 % interval, and the student's training time
 * per epoch relative to the student alone's.
 */
import { getExperiment, isProfile } from "./catalog";
import { ExperimentConfig, ExperimentName, PROFILES } from "./config";
import { applyOverrides } from "./overrides";
import { ExperimentResult } from "./results";
import { StudyTrainer, trainStudyRuns } from "./study-trainer";
import { PairedDifference, pairedDifference } from "../stats/paired";
import { Spread, spreadOf } from "../stats/summary";

/** The study's two teacher → student pairs, each with its student-alone baseline. */
export const METHOD_STUDY_TASKS = {
  pneumonia: { distilled: "pneumonia-final", alone: "pneumonia-student-alone" },
  cifar10: { distilled: "cifar10-teacher-student", alone: "cifar10-student-alone" },
} as const satisfies Record<string, { distilled: ExperimentName; alone: ExperimentName }>;

export type MethodStudyTask = keyof typeof METHOD_STUDY_TASKS;

/**
 * The tasks notebook 07 studies when it leaves them to the profile: standard
 * studies the pneumonia pair only, since CIFAR-10's standard recipe augments
 * every batch, so each distilled CIFAR student runs the teacher live (five
 * methods × 3 seeds ≈ 40 min on 2 cores, even standard's 1 seed ≈ 13 min:
 * more than the main job can spare); paper and full add CIFAR-10; quick
 * runs both (seconds).
 */
export function profileMethodTasks(profile: string): MethodStudyTask[] {
  return profile === "standard" ? ["pneumonia"] : ["pneumonia", "cifar10"];
}

export interface MethodStudyOptions {
  task: MethodStudyTask;
  /** quick, standard or full (a notebook parameter, so a plain string). */
  profile: string;
  /** Registry names (lib/distill/methods), each with its default parameters unless `params` says otherwise. */
  methods: readonly string[];
  seeds: number;
  firstSeed: number;
  /** `key=value` overrides for every run (epochs, dataset.trainLimit, …). */
  shared?: readonly string[];
  /** Per method, `distillation.params.<name>=value` overrides. */
  params?: Readonly<Record<string, readonly string[]>>;
}

export interface MethodRun {
  seed: number;
  /** A method name, or "alone". */
  method: string;
  result: ExperimentResult;
}

export interface MethodSummary {
  method: string;
  /** The method and its parameters, e.g. "dkd (alpha 1, beta 8, …)". */
  description: string;
  accuracy: Spread;
  auc: Spread | null;
  /** This − the student alone, paired by seed (null for "alone"). */
  accuracyDifference: PairedDifference | null;
  aucDifference: PairedDifference | null;
  /** Mean seconds per student epoch, and that relative to the student alone's. */
  secondsPerEpoch: number;
  relativeEpochTime: number;
}

/** The config of one run: the baseline alone, or the distilled experiment with `method`. */
export function methodStudyConfig(options: MethodStudyOptions, method: string, seed: number): ExperimentConfig {
  if (!isProfile(options.profile)) throw new Error(`profile must be one of ${PROFILES.join(", ")}, not "${options.profile}"`);
  const task = METHOD_STUDY_TASKS[options.task];
  if (!task) throw new Error(`task must be one of ${Object.keys(METHOD_STUDY_TASKS).join(", ")}, not "${options.task}"`);
  const shared = [...(options.shared ?? []), `seed=${seed}`];
  if (method === "alone") return applyOverrides(getExperiment(task.alone, options.profile), shared);
  return applyOverrides(getExperiment(task.distilled, options.profile), [...shared, `teacherSeed=${options.firstSeed}`, `distillation.method=${method}`, ...(options.params?.[method] ?? [])]);
}

/**
 * Trains the student alone and each method's student, seed by seed, with
 * `train`: the notebook's runner, one at a time, or side by side
 * (study-trainer.ts), the first distilled run first (every method shares its
 * teacher).
 */
export async function runMethodStudy(options: MethodStudyOptions, train: StudyTrainer): Promise<MethodRun[]> {
  if (!(Number.isInteger(options.seeds) && options.seeds >= 1)) throw new Error(`seeds must be a positive integer, got ${options.seeds}`);
  if (options.methods.length === 0) throw new Error("name at least one distillation method");
  // Every config is built (and so checked) before anything trains.
  const plan = Array.from({ length: options.seeds }, (_, i) => options.firstSeed + i).flatMap((seed) => ["alone", ...options.methods].map((method) => ({ seed, method, config: methodStudyConfig(options, method, seed) })));
  const firstDistilled = plan.findIndex((run) => run.method !== "alone");
  const results = await trainStudyRuns(train, plan.map((run) => run.config), firstDistilled >= 0 ? [firstDistilled] : []);
  return plan.map(({ seed, method }, i) => ({ seed, method, result: results[i] }));
}

function describeRun(run: MethodRun): string {
  const d = run.result.config.distillation;
  return run.method === "alone" ? "student alone (cross-entropy)" : `${d.method} (${Object.entries(d.params).map(([k, v]) => `${k} ${v}`).join(", ")})`;
}

export function summariseMethodStudy(runs: readonly MethodRun[]): MethodSummary[] {
  const methods = [...new Set(runs.map((r) => r.method))];
  const bySeed = (method: string): Map<number, ExperimentResult> => new Map(runs.filter((r) => r.method === method).map((r) => [r.seed, r.result]));
  const alone = bySeed("alone");
  const seeds = [...alone.keys()];
  const perEpoch = (results: Iterable<ExperimentResult>): number => {
    const values = [...results].map((r) => r.student.seconds.perEpoch);
    return values.reduce((a, b) => a + b, 0) / values.length;
  };
  const aloneEpoch = perEpoch(alone.values());
  return methods.map((method) => {
    const own = bySeed(method);
    const paired = seeds.filter((s) => own.has(s));
    const accuracy = (m: Map<number, ExperimentResult>): number[] => paired.map((s) => (m.get(s) as ExperimentResult).student.test.accuracy);
    const auc = (m: Map<number, ExperimentResult>): number[] => paired.map((s) => (m.get(s) as ExperimentResult).student.test.binary?.auc ?? NaN);
    const binary = paired.every((s) => own.get(s)?.student.test.binary !== undefined);
    const secondsPerEpoch = perEpoch(own.values());
    return {
      method,
      description: describeRun(runs.find((r) => r.method === method) as MethodRun),
      accuracy: spreadOf(accuracy(own)),
      auc: binary ? spreadOf(auc(own)) : null,
      accuracyDifference: method === "alone" ? null : pairedDifference(accuracy(alone), accuracy(own)),
      aucDifference: method === "alone" || !binary ? null : pairedDifference(auc(alone), auc(own)),
      secondsPerEpoch,
      relativeEpochTime: secondsPerEpoch / aloneEpoch,
    };
  });
}

/** One row per seed, method and metric, for the per-seed chart (lib/report/charts/seeds.ts). */
export function methodResultRows(runs: readonly MethodRun[]): { seed: number; model: string; metric: string; value: number }[] {
  return runs.flatMap((r) => {
    const test = r.result.student.test;
    const rows = [{ seed: r.seed, model: r.method, metric: "test accuracy", value: test.accuracy }];
    if (test.binary) rows.push({ seed: r.seed, model: r.method, metric: "test ROC AUC", value: test.binary.auc });
    return rows;
  });
}
