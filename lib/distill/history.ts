/**
 * Per-epoch records and their tables: history and test results become
 * danfojs DataFrames and are written as CSV and JSON into the run folder.
 *
 * danfojs-node loads @tensorflow/tfjs-node when imported, which must not
 * happen before lib/runtime/backend.ts has chosen the oneDNN setting, so it is
 * required lazily inside these functions.
 */
import * as fs from "node:fs";
import * as path from "node:path";
import type * as Danfo from "danfojs-node";
import { ClassificationReport } from "./metrics";
import { losslessJson } from "../runtime/lossless-json";

/**
 * One epoch: `epoch` (1-based), `lr`, train `loss` and `accuracy`, `seconds`;
 * with validation data also `val_loss`, `val_accuracy`, and for two classes
 * `val_auc`, `val_sensitivity`, `val_specificity`, `val_f1`.
 */
export interface EpochRecord {
  epoch: number;
  lr: number;
  loss: number;
  accuracy: number;
  seconds: number;
  [metric: string]: number;
}

type DanfoModule = typeof Danfo;

export function danfo(): DanfoModule {
  // eslint-disable-next-line @typescript-eslint/no-require-imports
  return require("danfojs-node") as DanfoModule;
}

/** Columns in a stable order (union of all records' keys; a missing value is NaN). */
function rows(records: readonly Record<string, number | string>[]): { columns: string[]; data: (number | string)[][] } {
  const columns: string[] = [];
  for (const record of records) for (const key of Object.keys(record)) if (!columns.includes(key)) columns.push(key);
  return { columns, data: records.map((record) => columns.map((c) => record[c] ?? NaN)) };
}

export function historyFrame(history: readonly EpochRecord[]): Danfo.DataFrame {
  const { columns, data } = rows(history);
  return new (danfo().DataFrame)(data, { columns });
}

/** Scalar test metrics as one row per metric: `metric`, `value`. */
export function resultsFrame(report: ClassificationReport & { loss?: number }, classNames?: readonly string[]): Danfo.DataFrame {
  const entries: [string, number][] = [["count", report.count], ["accuracy", report.accuracy], ["ece", report.ece]];
  if (report.loss !== undefined) entries.push(["loss", report.loss]);
  if (report.binary) {
    const b = report.binary;
    entries.push(["sensitivity", b.sensitivity], ["specificity", b.specificity], ["precision", b.precision], ["f1", b.f1], ["auc", b.auc]);
  }
  report.perClassAccuracy.forEach((value, c) => entries.push([`accuracy_${classNames?.[c] ?? c}`, value]));
  return new (danfo().DataFrame)(entries, { columns: ["metric", "value"] });
}

/** Confusion matrix with a `true` column and one column per predicted class. */
export function confusionFrame(report: ClassificationReport, classNames?: readonly string[]): Danfo.DataFrame {
  const names = Array.from({ length: report.numClasses }, (_, c) => classNames?.[c] ?? String(c));
  const data = report.confusion.map((row, i) => [names[i], ...row]);
  return new (danfo().DataFrame)(data, { columns: ["true", ...names.map((n) => `pred_${n}`)] });
}

/** ROC points (threshold, fpr, tpr) of a two-class report. */
export function rocFrame(report: ClassificationReport): Danfo.DataFrame {
  if (!report.binary) throw new Error("rocFrame: the report is not a two-class report");
  // Infinity is not valid JSON: the first point's threshold is written as a number above every score.
  const data = report.binary.roc.map((p) => [Number.isFinite(p.threshold) ? p.threshold : Number.MAX_VALUE, p.fpr, p.tpr]);
  return new (danfo().DataFrame)(data, { columns: ["threshold", "fpr", "tpr"] });
}

/** Writes `<dir>/<name>.csv` and `<dir>/<name>.json` (an array of row objects); returns both paths. */
export function writeFrame(frame: Danfo.DataFrame, dir: string, name: string): { csv: string; json: string } {
  fs.mkdirSync(dir, { recursive: true });
  const csv = path.join(dir, `${name}.csv`);
  const json = path.join(dir, `${name}.json`);
  fs.writeFileSync(csv, String(danfo().toCSV(frame)));
  const columns = frame.columns;
  const records = (frame.values as unknown[][]).map((row) => Object.fromEntries(columns.map((c, i) => [c, row[i]])));
  fs.writeFileSync(json, losslessJson(records, 1));
  return { csv, json };
}

/** Writes history.csv / history.json into the run folder. */
export function writeHistory(history: readonly EpochRecord[], runDir: string): { csv: string; json: string } {
  return writeFrame(historyFrame(history), runDir, "history");
}

/** Writes `<prefix>-metrics`, `<prefix>-confusion` and (two classes) `<prefix>-roc` tables into the run folder. */
export function writeTestResults(report: ClassificationReport & { loss?: number }, runDir: string, prefix = "test", classNames?: readonly string[]): string[] {
  const written = [writeFrame(resultsFrame(report, classNames), runDir, `${prefix}-metrics`), writeFrame(confusionFrame(report, classNames), runDir, `${prefix}-confusion`)];
  if (report.binary) written.push(writeFrame(rocFrame(report), runDir, `${prefix}-roc`));
  return written.flatMap((w) => [w.csv, w.json]);
}
