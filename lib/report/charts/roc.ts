/** ROC curves, one per model, with each curve's AUC in its legend label and the chance diagonal for reference. */
import { VegaLiteSpec } from "../svg";
import { checkDistinct, checkFraction, checkNonEmpty, ChartTitleOptions, palette, titleOf } from "./base";
import { unitSquareChart } from "./unit-square";

export interface RocCurveInput {
  name: string;
  /** In drawing order (from the highest threshold to the lowest), as lib/distill/metrics.ts's rocCurve returns them. */
  points: readonly { fpr: number; tpr: number }[];
  auc: number;
}

export interface RocChartOptions extends ChartTitleOptions {
  /** Side of the square plot in pixels. */
  size?: number;
}

const BUILDER = "rocChart";

/** The legend text of a curve, e.g. "teacher (AUC = 0.912)". */
export function rocLegendLabel(name: string, auc: number): string {
  return `${name} (AUC = ${auc.toFixed(3)})`;
}

export function rocChart(curves: readonly RocCurveInput[], options: RocChartOptions = {}): VegaLiteSpec {
  checkNonEmpty(curves, BUILDER, "curves");
  checkDistinct(curves.map((c) => c.name), BUILDER, "curves");
  const labels = curves.map((curve) => rocLegendLabel(curve.name, checkFraction(curve.auc, BUILDER, `AUC of "${curve.name}"`)));
  const rows = curves.flatMap((curve, c) => {
    if (curve.points.length < 2) throw new Error(`${BUILDER}: curve "${curve.name}" has ${curve.points.length} point(s); a curve needs at least 2`);
    return curve.points.map((point, order) => ({
      curve: labels[c],
      order,
      fpr: checkFraction(point.fpr, BUILDER, `"${curve.name}" point ${order} fpr`),
      tpr: checkFraction(point.tpr, BUILDER, `"${curve.name}" point ${order} tpr`),
    }));
  });
  return unitSquareChart({
    title: titleOf("ROC curves", options),
    size: options.size ?? 320,
    x: { field: "fpr", title: "false positive rate (1 − specificity)" },
    y: { field: "tpr", title: "true positive rate (sensitivity)" },
    // Chance: a classifier that guesses has AUC 0.5 and lies on the diagonal; real curves lie above it.
    diagonal: { text: "chance (AUC = 0.5)", at: 0.55, side: "below" },
    layers: (axisX, axisY) => [
      {
        data: { values: rows },
        // Drawn in the given order: an ROC curve has vertical runs, which sorting by x would scramble.
        mark: { type: "line", strokeWidth: 2, interpolate: "linear" },
        encoding: {
          x: axisX,
          y: axisY,
          order: { field: "order", type: "quantitative" },
          color: { field: "curve", type: "nominal", title: "model", scale: { domain: labels, range: palette(labels.length) }, legend: { orient: "bottom-right", labelLimit: 320 } },
          tooltip: [{ field: "curve", title: "model" }, { field: "fpr", format: ".3f" }, { field: "tpr", format: ".3f" }],
        },
      },
    ],
  });
}
