/**
 * A sweep's results as one table, a row per trial: its id, every swept key
 * (by key path, numbers as numbers), the seed, its state (done, failed,
 * pending), the student's test accuracy and ROC AUC (AUC for two classes
 * only), the student's val accuracy and ROC AUC of the same weights (what a
 * setting is chosen by: best.ts), the teacher's test metrics, the trial's wall time and where it ran, its error if
 * it failed, and its run folder. A danfojs DataFrame, written as
 * results.csv and results.json in the sweep folder (writeFrame).
 *
 * danfojs-node loads tfjs-node: build the frame after initBackend.
 */
import * as path from "node:path";
import type * as Danfo from "danfojs-node";
import { writeFrame } from "../distill/index";
import { testedValidation } from "../experiments/results";
import { readSweep, SweepRecord, trialStatus } from "./folder";
import { sweptKeys } from "./spec";

export type SweepCell = number | string;
export type SweepRow = Record<string, SweepCell>;

const asValue = (text: string): SweepCell => (text.trim() !== "" && Number.isFinite(Number(text)) ? Number(text) : text);

/** One row per trial, in the sweep's order (missing numbers are NaN, missing text ""). */
export function sweepRows(sweepDir: string, record: SweepRecord = readSweep(sweepDir)): SweepRow[] {
  const keys = sweptKeys(record.spec);
  return record.trials.map((trial) => {
    const status = trialStatus(sweepDir, record, trial);
    const row: SweepRow = { trial: trial.id };
    for (const key of keys) row[key] = asValue(trial.values[key] ?? "");
    row.seed = trial.seed;
    row.state = status.state;
    const result = status.state === "done" ? status.result : undefined;
    row.accuracy = result?.student.test.accuracy ?? NaN;
    row.auc = result?.student.test.binary?.auc ?? NaN;
    const validation = result ? testedValidation(result, "student") : undefined;
    row.val_accuracy = validation?.accuracy ?? NaN;
    row.val_auc = validation?.auc ?? NaN;
    row.teacher_accuracy = result?.teacher?.test.accuracy ?? NaN;
    row.teacher_auc = result?.teacher?.test.binary?.auc ?? NaN;
    row.teacher_reused = result?.teacher ? String(result.teacher.cache?.reused ?? false) : "";
    const exit = status.state === "pending" ? undefined : status.exit;
    row.seconds = exit?.seconds ?? result?.seconds.total ?? NaN;
    row.runner = exit?.runner ?? "";
    row.host = exit?.host ?? "";
    row.threads = exit?.threads ?? NaN;
    row.error = status.state === "failed" ? status.error : "";
    row.run_dir = status.state === "done" ? path.relative(sweepDir, status.runDir) : "";
    return row;
  });
}

export function sweepFrame(rows: readonly SweepRow[]): Danfo.DataFrame {
  // eslint-disable-next-line @typescript-eslint/no-require-imports
  const danfo = require("danfojs-node") as typeof Danfo;
  const columns = Object.keys(rows[0] ?? { trial: "" });
  return new danfo.DataFrame(
    rows.map((row) => columns.map((c) => row[c])),
    { columns },
  );
}

/** Writes results.csv and results.json into the sweep folder; returns the rows and both paths. */
export function writeSweepTable(sweepDir: string, record?: SweepRecord): { rows: SweepRow[]; csv: string; json: string } {
  const rows = sweepRows(sweepDir, record);
  return { rows, ...writeFrame(sweepFrame(rows), sweepDir, "results") };
}
