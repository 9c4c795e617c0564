/**
 * Training curves: accuracy and loss per epoch, train vs validation, in two
 * panels side by side. With a `model` field several runs share the same
 * axes (colour = model, dash = split), which is how teacher vs student and
 * student alone vs distilled student are compared.
 */
import type { EpochRecord } from "../../distill/history";
import { VegaLiteSpec } from "../svg";
import { asSpec, checkFinite, checkNonEmpty, ChartTitleOptions, palette, SCHEMA, titleOf } from "./base";

export type Split = "train" | "validation";

export interface TrainingRow {
  /** 1-based epoch. */
  epoch: number;
  split: Split;
  /** null when the metric was not measured for this split/epoch. */
  loss: number | null;
  accuracy: number | null;
  /** Which run the row belongs to (e.g. "teacher", "student"); omit for a single run. */
  model?: string;
}

/** A run's curves as chart rows, or straight from the trainer's history. */
export type TrainingInput = readonly TrainingRow[] | readonly EpochRecord[];

export interface TrainingCurvesOptions extends ChartTitleOptions {
  /** Loss axis title; distillation's training loss is not plain cross-entropy, so say which loss it is. */
  lossTitle?: string;
  /** Size of each of the two panels in pixels. */
  width?: number;
  height?: number;
}

const SPLITS: readonly Split[] = ["train", "validation"];
const BUILDER = "trainingCurves";

/** Trainer history (loss, accuracy, val_loss, val_accuracy per epoch) as chart rows. */
export function historyRows(history: readonly EpochRecord[], model?: string): TrainingRow[] {
  const rows: TrainingRow[] = [];
  const tag = model === undefined ? {} : { model };
  for (const record of history) {
    rows.push({ epoch: record.epoch, split: "train", loss: record.loss ?? null, accuracy: record.accuracy ?? null, ...tag });
    const valLoss = record.val_loss;
    const valAccuracy = record.val_accuracy;
    if (valLoss !== undefined || valAccuracy !== undefined) {
      rows.push({ epoch: record.epoch, split: "validation", loss: valLoss ?? null, accuracy: valAccuracy ?? null, ...tag });
    }
  }
  return rows;
}

function isTrainingRows(input: TrainingInput): input is readonly TrainingRow[] {
  return input.length > 0 && "split" in input[0];
}

/** Rows of one run tagged with its model name. */
export function trainingRowsOf(input: TrainingInput, model: string): TrainingRow[] {
  if (isTrainingRows(input)) return input.map((row) => ({ ...row, model }));
  return historyRows(input as readonly EpochRecord[], model);
}

function checkMetric(value: number | null | undefined, index: number, what: string): number | null {
  if (value === null || value === undefined) return null;
  return checkFinite(value, BUILDER, `row ${index} ${what}`);
}

function checkRows(rows: readonly TrainingRow[]): TrainingRow[] {
  checkNonEmpty(rows, BUILDER, "rows");
  return rows.map((row, index) => {
    checkFinite(row.epoch, BUILDER, `row ${index} epoch`);
    if (!SPLITS.includes(row.split)) throw new Error(`${BUILDER}: row ${index} split must be "train" or "validation", got ${JSON.stringify(row.split)}`);
    const checked: TrainingRow = { epoch: row.epoch, split: row.split, loss: checkMetric(row.loss, index, "loss"), accuracy: checkMetric(row.accuracy, index, "accuracy") };
    if (row.model !== undefined) checked.model = row.model;
    return checked;
  });
}

function distinctInOrder(values: readonly string[]): string[] {
  return [...new Set(values)];
}

/** Accuracy and loss vs epoch, two panels side by side; one line per split (and per model when rows carry one). */
export function trainingCurves(rows: readonly TrainingRow[], options: TrainingCurvesOptions = {}): VegaLiteSpec {
  const data = checkRows(rows);
  const models = distinctInOrder(data.flatMap((row) => (row.model === undefined ? [] : [row.model])));
  if (models.length > 0 && data.some((row) => row.model === undefined)) {
    throw new Error(`${BUILDER}: some rows name a model and some do not; tag every row (e.g. with trainingRowsOf) or none`);
  }
  const splits = SPLITS.filter((split) => data.some((row) => row.split === split));
  // Colour tells runs apart; the dash tells train from validation (and doubles the colour when there is one run).
  const color =
    models.length > 0
      ? { field: "model", type: "nominal", title: "model", scale: { domain: models, range: palette(models.length) } }
      : { field: "split", type: "nominal", title: "split", scale: { domain: splits, range: palette(splits.length) }, legend: { symbolType: "stroke", symbolStrokeWidth: 2 } };
  const strokeDash = {
    field: "split",
    type: "nominal",
    title: "split",
    scale: { domain: splits, range: splits.map((s) => (s === "train" ? [1, 0] : [6, 3])) },
    // With one run the split legend merges with the colour legend, which then shows coloured dashes.
    legend: models.length > 0 ? { symbolStrokeWidth: 2, symbolStrokeColor: "#444" } : { symbolType: "stroke", symbolStrokeWidth: 2 },
  };
  const panel = (field: "accuracy" | "loss", axisTitle: string, panelTitle: string): Record<string, unknown> => ({
    title: panelTitle,
    width: options.width ?? 300,
    height: options.height ?? 220,
    transform: [{ filter: `isValid(datum.${field})` }],
    encoding: {
      x: { field: "epoch", type: "quantitative", title: "epoch", axis: { tickMinStep: 1, format: "d" }, scale: { nice: false } },
      y: { field, type: "quantitative", title: axisTitle, scale: { zero: false } },
      color,
    },
    // Lines carry the dash (so the split legend shows dashes); points only mark the epochs.
    layer: [
      { mark: { type: "line", strokeWidth: 2 }, encoding: { strokeDash } },
      {
        mark: { type: "point", filled: true, size: 30 },
        encoding: { tooltip: [...(models.length > 0 ? [{ field: "model" }] : []), { field: "split" }, { field: "epoch" }, { field, format: ".4f" }] },
      },
    ],
  });
  const lossTitle = options.lossTitle ?? "loss (cross-entropy)";
  return asSpec({
    $schema: SCHEMA,
    title: titleOf(models.length > 0 ? `Training curves: ${models.join(" vs ")}` : "Training curves", options),
    data: { values: data },
    hconcat: [panel("accuracy", "accuracy (fraction)", "Accuracy"), panel("loss", lossTitle, "Loss")],
    resolve: { scale: { color: "shared", strokeDash: "shared" } },
  });
}

/** Two runs on the same axes, coloured by run name. */
export function compareRuns(first: { name: string; curves: TrainingInput }, second: { name: string; curves: TrainingInput }, options: TrainingCurvesOptions = {}): VegaLiteSpec {
  if (first.name === second.name) throw new Error(`${BUILDER}: both runs are named "${first.name}"; the legend needs distinct names`);
  for (const run of [first, second]) if (run.curves.length === 0) throw new Error(`${BUILDER}: run "${run.name}" has no epochs to draw`);
  return trainingCurves([...trainingRowsOf(first.curves, first.name), ...trainingRowsOf(second.curves, second.name)], options);
}

/** Teacher and student curves on the same axes. */
export function teacherVsStudent(teacher: TrainingInput, student: TrainingInput, options: TrainingCurvesOptions = {}): VegaLiteSpec {
  return compareRuns({ name: "teacher", curves: teacher }, { name: "student", curves: student }, { title: "Teacher vs student", ...options });
}

/** The same student architecture trained alone (hard labels) and distilled from the teacher. */
export function studentAloneVsDistilled(alone: TrainingInput, distilled: TrainingInput, options: TrainingCurvesOptions = {}): VegaLiteSpec {
  return compareRuns({ name: "student alone", curves: alone }, { name: "distilled student", curves: distilled }, { title: "Student alone vs distilled student", ...options });
}
