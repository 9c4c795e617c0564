/**
 * The results tables of the seed studies (notebooks 05 and 07): which
 * rows each shows, their wording and the verdict on the study's claim, so a
 * notebook's last cell is one call and one chart. The numbers come from the
 * studies' summaries (experiments/seed-study.ts, method-study.ts); here they
 * are only worded. Notebook 08's sweep table is lib/sweep/results-table.ts.
 */
import { MethodRun, MethodStudyTask, PairedDifference, SeedRun, SeedStudySummary, formatPairedPoints, formatPairedValue, formatPercentSpread, summariseMethodStudy } from "../experiments/index";
import { teacherIdentityOf } from "../experiments/seed-study";
import { methodStudyFigure, seedStudyFigure } from "./distillation-figure";
import { Results } from "./results";
import { dataDescription, dataName } from "./stage";

/** A difference of proportions in points: "+1.20 points". */
export function formatPoints(value: number): string {
  return `${value >= 0 ? "+" : ""}${(100 * value).toFixed(2)} points`;
}

/** A proportion in percent: "84.30 %". */
export function formatPercent(value: number): string {
  return `${(100 * value).toFixed(2)} %`;
}

/** A ROC AUC spread: "0.955 ± 0.010", "0.955 (n = 1)", or "n/a" when the task has none. */
export function formatAucSpread(spread: { n: number; mean: number; sd: number } | null): string {
  if (spread === null || !Number.isFinite(spread.mean)) return "n/a";
  return `${spread.mean.toFixed(3)}${Number.isFinite(spread.sd) ? ` ± ${spread.sd.toFixed(3)}` : spread.n === 1 ? " (n = 1)" : ""}`;
}

/** What a paired difference says about "distilled > alone": holds, does not hold, not shown (with what these seeds could detect), or n = 1. */
export function claimVerdict(d: PairedDifference): string {
  if (!Number.isFinite(d.ci95[0])) return "n = 1: not enough to judge";
  if (d.ci95[0] > 0) return "holds: distilled better on these seeds";
  if (d.ci95[1] < 0) return "does not hold: distilled worse on these seeds";
  return `not shown: the interval contains 0 (these seeds detect only ≥ ${(100 * d.mde).toFixed(1)} points)`;
}

/** The minimum detectable effect of a paired difference, with what it rests on. */
export function mdeText(d: PairedDifference): string {
  return Number.isFinite(d.mde) ? `${(100 * d.mde).toFixed(2)} points at n = ${d.n}, sd of the differences ${(100 * d.sd).toFixed(2)} points (two-sided α 0.05, power 0.8)` : `n = ${d.n}: none`;
}

/** Notebook 05: student alone vs distilled over seeds, with the study's reference numbers. */
export function seedStudyResults(runs: readonly SeedRun[], summary: SeedStudySummary): Results {
  const d = summary.accuracy.difference;
  const teacherN = summary.accuracy.teacher.n === 1 ? " (teacher n = 1)" : "";
  return {
    stage: "05 student alone vs distilled",
    figure: seedStudyFigure(summary, dataName(runs[0].alone)),
    data: `${dataDescription(runs[0].alone)}; ${runs.length} seeds (${summary.seeds.join(", ")}), teacher seed(s) ${summary.teacherSeeds.join(", ")}`,
    rows: [
      { metric: "seeds", value: runs.length },
      { metric: "student alone: test accuracy", value: formatPercentSpread(summary.accuracy.alone) },
      { metric: "distilled student: test accuracy", value: formatPercentSpread(summary.accuracy.distilled), reference: "better than alone", source: "STUDY.md" },
      { metric: "distilled − alone accuracy (paired)", value: formatPairedPoints(d), reference: "> 0", source: "STUDY.md" },
      { metric: "minimum detectable effect (accuracy)", value: mdeText(d) },
      { metric: "the study's claim (distilled > alone)", value: claimVerdict(d), reference: "holds", source: "STUDY.md" },
      { metric: "teacher: test accuracy", value: `${formatPercentSpread(summary.accuracy.teacher)} (${summary.teachers} teacher${summary.teachers > 1 ? "s" : ""})`, reference: "80.12 %", source: "study, final stage" },
      { metric: "teacher − distilled student accuracy", value: `${formatPoints(summary.accuracy.teacher.mean - summary.accuracy.distilled.mean)}${teacherN}`, reference: "+0.32 points (80.12 vs 79.8 %)", source: "study, final stage" },
      { metric: "student alone: ROC AUC", value: formatAucSpread(summary.auc.alone) },
      { metric: "distilled student: ROC AUC", value: formatAucSpread(summary.auc.distilled) },
      { metric: "distilled − alone AUC (paired)", value: formatPairedValue(summary.auc.difference) },
      { metric: "teacher: ROC AUC", value: formatAucSpread(summary.auc.teacher) },
    ],
    headline: ["student alone: test accuracy", "distilled student: test accuracy", "distilled − alone accuracy (paired)", "minimum detectable effect (accuracy)", "the study's claim (distilled > alone)", "teacher: test accuracy"],
  };
}

/**
 * How many teachers the distilled runs learned from. Teacher seed 42 for every
 * seed is one teacher only where the data is the same: a val split drawn per
 * seed (CIFAR-10's) gives each seed a teacher of its own (model-cache keys).
 */
export function teachersSaid(runs: readonly MethodRun[], teacherSeed: number): string {
  const teachers = new Set(runs.filter((r) => r.result.teacher).map((r) => teacherIdentityOf(r.result)));
  if (teachers.size <= 1) return `one teacher (seed ${teacherSeed})`;
  return `${teachers.size} teachers, each initialised from seed ${teacherSeed} (each seed's val split differs, so each seed trains its own)`;
}

/** Notebook 07: one task's methods, each against the student alone (paired over seeds). */
export function methodStudyResults(task: MethodStudyTask, runs: readonly MethodRun[], teacherSeed: number): Results {
  const summary = summariseMethodStudy(runs);
  const best = summary.filter((m) => m.method !== "alone").sort((a, b) => b.accuracy.mean - a.accuracy.mean)[0];
  return {
    stage: `07 distillation methods (${task}: ${dataName(runs[0].result)})`,
    figure: methodStudyFigure(task, runs, dataName(runs[0].result)),
    data: `${dataDescription(runs[0].result)}; seeds ${[...new Set(runs.map((r) => r.seed))].join(", ")}; ${teachersSaid(runs, teacherSeed)}`,
    rows: summary.flatMap((m) => [
      { metric: `${m.method}: test accuracy`, value: formatPercentSpread(m.accuracy) },
      { metric: `${m.method}: − alone (paired)`, value: m.accuracyDifference === null ? "—" : formatPairedPoints(m.accuracyDifference) },
      { metric: `${m.method}: ROC AUC`, value: formatAucSpread(m.auc) },
      { metric: `${m.method}: epoch time vs alone`, value: `${m.relativeEpochTime.toFixed(2)}× (${m.secondsPerEpoch.toFixed(1)} s)` },
      { metric: `${m.method}: settings`, value: m.description },
    ]),
    headline: best ? ["alone: test accuracy", `${best.method}: test accuracy`, `${best.method}: − alone (paired)`] : ["alone: test accuracy"],
  };
}
