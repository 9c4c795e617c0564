/**
 * The study's claims over seeds (stage 5): for each seed the student alone
 * (pneumonia-student-alone) and the same student distilled (pneumonia-final),
 * from the same initial weights on the same data; the teacher trained once
 * at `firstSeed` and shared by every distilled student (teacherSeed), or one
 * teacher per seed. Summaries: mean ± sd per model and the paired
 * distilled − alone difference with its 95 % interval.
 */
import { getExperiment, isProfile } from "./catalog";
import { applyOverrides } from "./overrides";
import { ExperimentConfig, PROFILES } from "./config";
import { ExperimentResult } from "./results";
import { StudyTrainer, trainStudyRuns } from "./study-trainer";
import { PairedDifference, pairedDifference } from "../stats/paired";
import { Spread, spreadOf } from "../stats/summary";

export interface SeedStudyOptions {
  /** A profile name (a notebook parameter, so a plain string): quick, standard or full. */
  profile: string;
  seeds: number;
  firstSeed: number;
  /** false (default): one teacher (seed firstSeed) for every distilled student; true: each seed trains its own. */
  teacherPerSeed?: boolean;
  /** `key=value` overrides applied to both experiments (epochs, dataset.trainLimit, …). */
  shared?: string[];
  /** Overrides for the distilled experiment only (distillation.method, distillation.params.temperature, …). */
  distilled?: string[];
}

export interface SeedRun {
  seed: number;
  alone: ExperimentResult;
  distilled: ExperimentResult;
}

export interface MetricSummary {
  alone: Spread;
  distilled: Spread;
  /** Over the distinct teachers (one unless teacherPerSeed, or a subset limit gives each seed other images). */
  teacher: Spread;
  /** distilled − alone, paired by seed. */
  difference: PairedDifference;
}

export interface SeedStudySummary {
  seeds: number[];
  /** How many distinct teachers the distilled students learned from. */
  teachers: number;
  teacherSeeds: number[];
  accuracy: MetricSummary;
  auc: MetricSummary;
}

/** The two configs of one seed. */
export function seedConfigs(options: SeedStudyOptions, seed: number): { alone: ExperimentConfig; distilled: ExperimentConfig } {
  const { profile } = options;
  if (!isProfile(profile)) throw new Error(`profile must be one of ${PROFILES.join(", ")}, not "${profile}"`);
  const shared = [...(options.shared ?? []), `seed=${seed}`];
  const teacherSeed = options.teacherPerSeed ? "null" : String(options.firstSeed);
  return {
    alone: applyOverrides(getExperiment("pneumonia-student-alone", profile), shared),
    distilled: applyOverrides(getExperiment("pneumonia-final", profile), [...shared, `teacherSeed=${teacherSeed}`, ...(options.distilled ?? [])]),
  };
}

/**
 * Trains both students per seed with `train`: the notebook's runner, one at a
 * time (alone, then distilled, seed by seed), or side by side
 * (study-trainer.ts), the first seed's distilled run first when every seed
 * shares its teacher.
 */
export async function runSeedStudy(options: SeedStudyOptions, train: StudyTrainer): Promise<SeedRun[]> {
  if (!(Number.isInteger(options.seeds) && options.seeds >= 1)) throw new Error(`seeds must be a positive integer, got ${options.seeds}`);
  const seeds = Array.from({ length: options.seeds }, (_, i) => options.firstSeed + i);
  // Every config is built (and so checked) before anything trains.
  const configs = seeds.flatMap((seed) => {
    const pair = seedConfigs(options, seed);
    return [pair.alone, pair.distilled];
  });
  const results = await trainStudyRuns(train, configs, options.teacherPerSeed ? [] : [1]);
  return seeds.map((seed, i) => ({ seed, alone: results[2 * i], distilled: results[2 * i + 1] }));
}

function metricSummary(runs: readonly SeedRun[], pick: (result: ExperimentResult, role: "teacher" | "student") => number | undefined): MetricSummary {
  const values = (which: "alone" | "distilled"): number[] => runs.map((r) => pick(r[which], "student") ?? NaN);
  const teachers = new Map<string, number>();
  for (const run of runs) {
    const value = pick(run.distilled, "teacher");
    if (value !== undefined) teachers.set(teacherIdentity(run), value);
  }
  const alone = values("alone");
  const distilled = values("distilled");
  return { alone: spreadOf(alone), distilled: spreadOf(distilled), teacher: spreadOf(teachers.size > 0 ? [...teachers.values()] : [NaN]), difference: pairedDifference(alone, distilled) };
}

/** Distilled runs that share a teacher share its model-cache key (or, without the cache, its seed). */
export function teacherIdentityOf(distilled: ExperimentResult): string {
  return distilled.teacher?.cache?.key ?? `seed ${distilled.config.teacherSeed ?? distilled.config.seed}`;
}

function teacherIdentity(run: SeedRun): string {
  return teacherIdentityOf(run.distilled);
}

export function summariseSeedStudy(runs: readonly SeedRun[]): SeedStudySummary {
  if (runs.length === 0) throw new Error("summariseSeedStudy: no runs");
  return {
    seeds: runs.map((r) => r.seed),
    teachers: new Set(runs.map(teacherIdentity)).size,
    teacherSeeds: [...new Set(runs.map((r) => r.distilled.config.teacherSeed ?? r.distilled.config.seed))],
    accuracy: metricSummary(runs, (result, role) => result[role]?.test.accuracy),
    auc: metricSummary(runs, (result, role) => result[role]?.test.binary?.auc),
  };
}

/** One row per seed, model and metric (test accuracy, test ROC AUC), for the per-seed chart. */
export function seedResultRows(runs: readonly SeedRun[]): { seed: number; model: string; metric: string; value: number }[] {
  return runs.flatMap((r) => {
    const models: [string, ExperimentResult["student"] | undefined][] = [
      ["student alone", r.alone.student],
      ["distilled student", r.distilled.student],
      ["teacher", r.distilled.teacher],
    ];
    return models.flatMap(([model, run]) => {
      if (!run) return [];
      const rows = [{ seed: r.seed, model, metric: "test accuracy", value: run.test.accuracy }];
      if (run.test.binary) rows.push({ seed: r.seed, model, metric: "test ROC AUC", value: run.test.binary.auc });
      return rows;
    });
  });
}
