/**
 * A sweep's best setting, chosen on the val split: the setting (the swept
 * keys' values) with the highest mean val metric over its finished trials
 * (seeds), reported with its mean test metric beside it. The test split
 * never chooses; the setting that the test split would have picked is kept
 * only to show how far the two choices differ.
 */
import { SweepCell, SweepRow } from "./table";
import { shortKey } from "./spec";

/** The metric a setting is chosen by, and the test metric reported beside it. */
export const CHOICE_METRICS = {
  accuracy: { val: "val_accuracy", test: "accuracy", title: "accuracy" },
  auc: { val: "val_auc", test: "auc", title: "ROC AUC" },
} as const;
export type ChoiceMetric = keyof typeof CHOICE_METRICS;

export interface SettingSummary {
  /** "temperature=2, alpha=0.3" (short key names). */
  name: string;
  values: Record<string, SweepCell>;
  /** Finished trials (seeds) averaged. */
  trials: number;
  /** Mean val metric over those trials. */
  val: number;
  /** Mean test metric over the same trials. */
  test: number;
}

export interface SweepChoice {
  metric: ChoiceMetric;
  /** Every setting with finished trials, in the sweep's order. */
  settings: SettingSummary[];
  /** The highest mean val metric: the sweep's best setting. */
  chosen: SettingSummary;
  /** The highest mean test metric: not a choice, shown to compare. */
  testBest: SettingSummary;
}

const mean = (values: readonly number[]): number => values.reduce((a, b) => a + b, 0) / values.length;

/** Picks the setting with the best mean val metric; undefined when no trial finished with that metric. */
export function chooseOnValidation(rows: readonly SweepRow[], keys: readonly string[], metric: ChoiceMetric = "accuracy"): SweepChoice | undefined {
  const columns = CHOICE_METRICS[metric];
  const done = rows.filter((r) => r.state === "done" && typeof r[columns.val] === "number" && Number.isFinite(r[columns.val] as number));
  const groups = new Map<string, SweepRow[]>();
  for (const row of done) {
    const name = keys.length > 0 ? keys.map((k) => `${shortKey(k)}=${row[k]}`).join(", ") : "(no swept keys)";
    groups.set(name, [...(groups.get(name) ?? []), row]);
  }
  const settings: SettingSummary[] = [...groups.entries()].map(([name, trials]) => ({
    name,
    values: Object.fromEntries(keys.map((k) => [k, trials[0][k]])),
    trials: trials.length,
    val: mean(trials.map((r) => r[columns.val] as number)),
    test: mean(trials.map((r) => Number(r[columns.test]))),
  }));
  if (settings.length === 0) return undefined;
  // Ties keep the earlier setting, so the choice does not depend on anything but the val numbers and the sweep's order.
  const best = (score: (s: SettingSummary) => number): SettingSummary => settings.reduce((a, b) => (score(b) > score(a) ? b : a));
  return { metric, settings, chosen: best((s) => s.val), testBest: best((s) => (Number.isFinite(s.test) ? s.test : -Infinity)) };
}

/** One line: "best setting (chosen on val accuracy): temperature=2, alpha=0.7 — val 91.20 %, test 84.10 % (chosen on val; 3 trials)". */
export function formatChoice(choice: SweepChoice): string {
  const title = CHOICE_METRICS[choice.metric].title;
  const value = (v: number): string => (choice.metric === "accuracy" ? `${(100 * v).toFixed(2)} %` : v.toFixed(3));
  const { chosen, testBest } = choice;
  const line = `best setting (chosen on val ${title}): ${chosen.name} — val ${value(chosen.val)}, test ${value(chosen.test)} (chosen on val; ${chosen.trials} trial${chosen.trials === 1 ? "" : "s"})`;
  return testBest === chosen ? line : `${line}; the test split alone would have picked ${testBest.name} (test ${value(testBest.test)}), not a choice`;
}
