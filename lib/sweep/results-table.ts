/**
 * Notebook 08's results table: the student-alone baseline a sweep is
 * compared with, the setting chosen on val with its test numbers, and the
 * test split's own pick shown only for comparison (lib/sweep/best.ts chooses).
 */
import { ExperimentResult } from "../experiments/index";
import { Results } from "../report/results";
import { dataDescription } from "../report/stage";
import { formatPercent, formatPoints } from "../report/study-tables";
import type { SweepChoice, SweepOutcome } from "./index";

/** The student-alone baseline a sweep is compared with: mean test accuracy and ROC AUC over its seeds. */
export interface SweepBaseline {
  runs: readonly ExperimentResult[];
  accuracy: number;
  auc: number;
}

export function sweepBaseline(runs: readonly ExperimentResult[]): SweepBaseline {
  if (runs.length === 0) throw new Error("sweepBaseline: no student-alone runs");
  const meanOf = (values: number[]): number => values.reduce((a, b) => a + b, 0) / values.length;
  return { runs, accuracy: meanOf(runs.map((r) => r.student.test.accuracy)), auc: meanOf(runs.map((r) => r.student.test.binary?.auc ?? NaN)) };
}

/** Notebook 08: the setting chosen on val, its test numbers against the student alone, and the test split's own pick only for comparison. */
export function sweepResults(sweep: SweepOutcome, choice: SweepChoice, alone: SweepBaseline, options: { seeds: number; teacherSeed: number; ray: string | null }): Results {
  const keys = sweep.record.spec.grid.map((g) => g.key);
  const best = choice.chosen;
  const worst = choice.settings.reduce((a, b) => (b.val < a.val ? b : a));
  const bestAucs = sweep.rows.filter((r) => r.state === "done" && keys.every((k) => r[k] === best.values[k])).map((r) => Number(r.auc));
  const bestAuc = bestAucs.reduce((a, b) => a + b, 0) / bestAucs.length;
  const nMark = options.seeds === 1 ? " (n = 1)" : "";
  const beating = choice.settings.filter((s) => s.test > alone.accuracy).length;
  return {
    stage: "08 temperature × α sweep",
    data: `${dataDescription(alone.runs[0])}; ${choice.settings.length} settings × ${options.seeds} seed(s) (${sweep.record.spec.seeds.join(", ")}), teacher seed ${options.teacherSeed}`,
    rows: [
      { metric: "trials done / failed / unfinished", value: `${sweep.counts.done} / ${sweep.counts.failed} / ${sweep.counts.pending}` },
      { metric: "sweep wall time", value: `${sweep.seconds.toFixed(0)} s (${options.ray ? `Ray: ${options.ray}` : "this machine"})` },
      { metric: "student alone: test accuracy", value: `${formatPercent(alone.accuracy)}${nMark}` },
      { metric: "best setting (chosen on val accuracy)", value: `${best.name}: val ${formatPercent(best.val)}, test ${formatPercent(best.test)} (chosen on val)${nMark}` },
      { metric: "best setting − alone (test, chosen on val)", value: `${formatPoints(best.test - alone.accuracy)}${nMark}`, reference: "> 0", source: "STUDY.md" },
      { metric: "worst setting on val − alone (test)", value: `${worst.name}: ${formatPoints(worst.test - alone.accuracy)}` },
      { metric: "first on test (not a choice, for comparison)", value: `${choice.testBest.name}: ${formatPercent(choice.testBest.test)}` },
      { metric: "settings better than alone (test)", value: `${beating} of ${choice.settings.length}` },
      { metric: "student alone: ROC AUC", value: Number.isFinite(alone.auc) ? alone.auc.toFixed(3) : "n/a" },
      { metric: "best setting (chosen on val): ROC AUC", value: Number.isFinite(bestAuc) ? bestAuc.toFixed(3) : "n/a" },
      { metric: "the sweep's folder", value: sweep.dir },
    ],
    headline: ["student alone: test accuracy", "best setting (chosen on val accuracy)", "best setting − alone (test, chosen on val)", "settings better than alone (test)"],
  };
}
