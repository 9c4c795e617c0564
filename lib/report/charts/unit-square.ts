/**
 * Square charts whose axes are both fractions in [0, 1] with the y = x line
 * as reference (ROC: chance; reliability diagram: perfect calibration). The
 * line is dashed grey and labelled along its length.
 */
import { VegaLiteSpec } from "../svg";
import { asSpec, REFERENCE_GREY, SCHEMA } from "./base";

export interface UnitAxis {
  field: string;
  title: string;
}

export interface DiagonalLabel {
  text: string;
  /** Where along the diagonal the label's centre sits, in [0, 1]. */
  at: number;
  /** The side of the line the label goes on: the side the data usually leaves empty. */
  side: "above" | "below";
}

export type Encoding = Record<string, unknown>;

export interface UnitSquareChart {
  title: string | { text: string; subtitle: string };
  size: number;
  x: UnitAxis;
  y: UnitAxis;
  diagonal: DiagonalLabel;
  /** The data layers, given the x and y encodings to use. */
  layers: (x: Encoding, y: Encoding) => Record<string, unknown>[];
}

function diagonalLayers(x: Encoding, y: Encoding, xField: string, yField: string, label: DiagonalLabel): Record<string, unknown>[] {
  const offset = label.side === "above" ? -7 : 7;
  return [
    {
      data: { values: [{ [xField]: 0, [yField]: 0 }, { [xField]: 1, [yField]: 1 }] },
      mark: { type: "line", color: REFERENCE_GREY, strokeDash: [4, 4], strokeWidth: 1 },
      encoding: { x, y },
    },
    {
      data: { values: [{ [xField]: label.at, [yField]: label.at, text: label.text }] },
      mark: { type: "text", color: REFERENCE_GREY, align: "center", baseline: label.side === "above" ? "bottom" : "top", angle: -45, fontSize: 10, dy: offset },
      encoding: { x: { field: xField, type: "quantitative" }, y: { field: yField, type: "quantitative" }, text: { field: "text" } },
    },
  ];
}

export function unitSquareChart(chart: UnitSquareChart): VegaLiteSpec {
  const x = { field: chart.x.field, type: "quantitative", title: chart.x.title, scale: { domain: [0, 1] } };
  const y = { field: chart.y.field, type: "quantitative", title: chart.y.title, scale: { domain: [0, 1] } };
  return asSpec({
    $schema: SCHEMA,
    title: chart.title,
    width: chart.size,
    height: chart.size,
    layer: [...diagonalLayers(x, y, chart.x.field, chart.y.field, chart.diagonal), ...chart.layers(x, y)],
  });
}
