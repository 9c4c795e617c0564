/**
 * The canonical distillation figure, one per task: teacher, student alone and
 * distilled student as the mean test accuracy over seeds with its 95 %
 * confidence interval (Student's t; a bar from one seed has no interval and
 * is labelled n = 1), and the study's reported number beside each where it
 * gave one (a hollow diamond). reports/index.html opens with it, so the first
 * thing a reader sees is whether the teacher helps its student here.
 */
import { VegaLiteSpec } from "../svg";
import { tQuantile975 } from "../../stats/paired";
import { Spread } from "../../stats/summary";
import { asSpec, checkFinite, checkFraction, checkNonEmpty, ChartTitleOptions, OKABE_ITO, SCHEMA, titleOf } from "./base";

export const FIGURE_MODELS = ["teacher", "student alone", "distilled student"] as const;
export type FigureModel = (typeof FIGURE_MODELS)[number];

export interface FigureBar {
  model: FigureModel;
  /** Mean test accuracy over the seeds, and its 95 % interval (low = high = mean for one seed). */
  mean: number;
  low: number;
  high: number;
  n: number;
  /** The study's reported test accuracy for this model, if it gave one. */
  study?: number;
}

export interface DistillationFigure {
  /** Which task: "pneumonia", "cifar10". */
  task: string;
  /** The data's short name, e.g. "PneumoniaMNIST (MedMNIST v2)". */
  data: string;
  bars: FigureBar[];
  /** The distillation method of the distilled bar, when not the stage's default (kd). */
  method?: string;
  /** A caveat shown under the title, e.g. that the study's number names no model. */
  note?: string;
}

/** A bar from a spread over seeds: the mean and its 95 % t interval. */
export function figureBar(model: FigureModel, spread: Spread, study?: number): FigureBar {
  const half = spread.n > 1 && Number.isFinite(spread.sd) ? tQuantile975(spread.n - 1) * (spread.sd / Math.sqrt(spread.n)) : 0;
  return { model, mean: spread.mean, low: spread.mean - half, high: spread.mean + half, n: spread.n, ...(study === undefined ? {} : { study }) };
}

export function distillationChart(figure: DistillationFigure, options: ChartTitleOptions = {}): VegaLiteSpec {
  const builder = "distillationChart";
  checkNonEmpty(figure.bars, builder, "bars");
  for (const bar of figure.bars) {
    checkFraction(bar.mean, builder, `${bar.model} mean`);
    checkFinite(bar.low, builder, `${bar.model} interval`);
    checkFinite(bar.high, builder, `${bar.model} interval`);
    if (bar.study !== undefined) checkFraction(bar.study, builder, `${bar.model} study value`);
  }
  const models = FIGURE_MODELS.filter((m) => figure.bars.some((b) => b.model === m));
  const rows = figure.bars.map((b) => ({ model: b.model, mean: b.mean, low: b.low, high: b.high, label: b.n === 1 ? "n = 1" : `n = ${b.n}` }));
  const study = figure.bars.filter((b) => b.study !== undefined).map((b) => ({ model: b.model, study: b.study as number }));
  const x = { field: "model", type: "nominal", sort: models, title: null, axis: { labelAngle: 0 } };
  const y = { type: "quantitative", scale: { zero: false }, title: "test accuracy", axis: { format: ".0%" } };
  const colour = { field: "model", type: "nominal", sort: models, scale: { domain: models, range: OKABE_ITO.slice(0, models.length) }, legend: null };
  return asSpec({
    $schema: SCHEMA,
    title: titleOf(`Does the teacher help? ${figure.task}: ${figure.data}`, { subtitle: `mean test accuracy over seeds, 95 % CI${figure.method ? `; distilled by ${figure.method}` : ""}; ◇ the study's reported number${figure.note ? ` (${figure.note})` : ""}`, ...options }),
    width: 320,
    height: 240,
    layer: [
      { data: { values: rows }, mark: { type: "rule", strokeWidth: 2 }, encoding: { x, y: { ...y, field: "low" }, y2: { field: "high" }, color: colour } },
      {
        data: { values: rows },
        mark: { type: "point", filled: true, size: 110 },
        encoding: { x, y: { ...y, field: "mean" }, color: colour, tooltip: [{ field: "model" }, { field: "mean", format: ".2%" }, { field: "low", format: ".2%" }, { field: "high", format: ".2%" }, { field: "label", title: "seeds" }] },
      },
      { data: { values: rows }, mark: { type: "text", dx: 26, fontSize: 11 }, encoding: { x, y: { ...y, field: "mean" }, text: { field: "label" } } },
      ...(study.length > 0 ? [{ data: { values: study }, mark: { type: "point", shape: "diamond", filled: false, size: 110, color: "#000000" }, encoding: { x, y: { ...y, field: "study" }, tooltip: [{ field: "model" }, { field: "study", title: "study", format: ".2%" }] } }] : []),
    ],
  });
}
