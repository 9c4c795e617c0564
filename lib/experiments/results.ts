/**
 * What an experiment run returns, shaped for charts: per-epoch rows (one per
 * model × split × epoch, Vega-Lite "long" form) and one row per test metric,
 * plus a plain-text table for the terminal.
 */
import type { DatasetFormat } from "../data/dataset";
import type { ClassificationReport, EpochRecord, ThresholdChoice, ThresholdMetrics, TrainResult } from "../distill/index";
import type { ParamCounts } from "../models/index";
import type { ExperimentConfig, ExperimentName, Profile } from "./config";

export type Role = "teacher" | "student";

export type TestReport = ClassificationReport & { loss: number };

/** One point of a learning curve. */
export interface CurveRow {
  epoch: number;
  model: Role;
  split: "train" | "validation";
  loss: number;
  accuracy: number;
}

/** One test metric of one model (accuracy, loss, ece; for two classes also auc, sensitivity, specificity, precision, f1). */
export interface MetricRow {
  model: Role;
  metric: string;
  value: number;
}

export interface ModelRun {
  role: Role;
  model: string;
  params: ParamCounts;
  /** "random init (seed N)" or the .h5 file loaded into the backbone. */
  initialWeights: string;
  /** Backbone frozen (Model 1): only the head trains. */
  frozenBackbone: boolean;
  /** Trained with the teacher's soft targets (student of a distilled run). */
  distilled: boolean;
  history: EpochRecord[];
  training: Omit<TrainResult, "history">;
  test: TestReport;
  /**
   * Two-class tasks: the decision threshold chosen on the val split
   * (Youden's J on its ROC) and the test metrics at it, beside the argmax
   * (0.5) metrics in `test`. The test split chooses nothing.
   */
  valThreshold?: { val: ThresholdChoice; test: ThresholdMetrics };
  seconds: { train: number; perEpoch: number; test: number };
  /** The model's folder in the run folder (history, test results, checkpoints). */
  dir: string;
  /** With the model cache in use: its entry, and whether the model was loaded from it instead of trained here (model-cache.ts). */
  cache?: { key: string; reused: boolean };
}

export interface ExperimentResult {
  experiment: ExperimentName;
  profile: Profile;
  config: ExperimentConfig;
  runDir: string;
  dataset: { path: string; format: DatasetFormat; isDefault: boolean; isReal: boolean; description: string; classNames: string[]; counts: { train: number; validation: number; test: number }; skipped: number };
  /** Absent when the student is trained alone. */
  teacher?: ModelRun;
  student: ModelRun;
  curves: CurveRow[];
  metrics: MetricRow[];
  /** Things the reader must know to interpret the numbers (random-init Model 1, the synthetic default data, skipped files). */
  notes: string[];
  seconds: { data: number; teacher: number; student: number; total: number };
}

export function curveRows(role: Role, history: readonly EpochRecord[]): CurveRow[] {
  return history.flatMap((record) => {
    const rows: CurveRow[] = [{ epoch: record.epoch, model: role, split: "train", loss: record.loss, accuracy: record.accuracy }];
    if (record.val_loss !== undefined) rows.push({ epoch: record.epoch, model: role, split: "validation", loss: record.val_loss, accuracy: record.val_accuracy });
    return rows;
  });
}

/** Validation metrics of one epoch: what a choice between runs may look at (the test split only reports). */
export interface ValidationMetrics {
  /** 1-based epoch they were measured at. */
  epoch: number;
  loss: number;
  accuracy: number;
  /** Two classes only; NaN otherwise. */
  auc: number;
}

/**
 * The val metrics of the weights the test split scored: the best epoch's (by
 * val loss) when early stopping restored it, else the last epoch's.
 * Undefined when the run has no such model or no val row.
 */
export function testedValidation(result: ExperimentResult, role: Role = "student"): ValidationMetrics | undefined {
  const run = result[role];
  if (!run) return undefined;
  const restoredBest = result.config.earlyStoppingPatience !== null && run.training.bestEpoch !== null;
  const record = restoredBest ? run.history.find((r) => r.epoch === run.training.bestEpoch) : run.history.at(-1);
  if (!record || record.val_loss === undefined) return undefined;
  return { epoch: record.epoch, loss: record.val_loss, accuracy: record.val_accuracy ?? NaN, auc: record.val_auc ?? NaN };
}

/** The scalar test metrics of a report, binary ones included for two classes. */
export function scalarMetrics(report: TestReport): Record<string, number> {
  const metrics: Record<string, number> = { accuracy: report.accuracy, loss: report.loss, ece: report.ece };
  if (report.binary) {
    const b = report.binary;
    Object.assign(metrics, { auc: b.auc, sensitivity: b.sensitivity, specificity: b.specificity, precision: b.precision, f1: b.f1 });
  }
  return metrics;
}

export function metricRows(role: Role, report: TestReport): MetricRow[] {
  return Object.entries(scalarMetrics(report)).map(([metric, value]) => ({ model: role, metric, value }));
}

const format = (value: number): string => (Number.isFinite(value) ? value.toFixed(4) : String(value));

/** The final metrics table `kdlab train` prints: one row per model. */
export function formatMetricsTable(result: ExperimentResult): string {
  const runs = [result.teacher, result.student].filter((run): run is ModelRun => run !== undefined);
  const names = Object.keys(scalarMetrics(result.student.test));
  const header = ["model", "params", "trainable", ...names, "train s"];
  const rows = runs.map((run) => {
    const metrics = scalarMetrics(run.test);
    return [`${run.role}${run.distilled ? " (distilled)" : run.role === "student" ? " (alone)" : ""}`, run.params.total.toLocaleString("en-US"), run.params.trainable.toLocaleString("en-US"), ...names.map((n) => format(metrics[n])), run.seconds.train.toFixed(1)];
  });
  const widths = header.map((h, i) => Math.max(h.length, ...rows.map((r) => r[i].length)));
  const line = (cells: string[]): string => cells.map((c, i) => (i === 0 ? c.padEnd(widths[i]) : c.padStart(widths[i]))).join("  ");
  return [line(header), ...rows.map(line)].join("\n");
}
