/**
 * Vega-Lite specs for kdlab's charts, built as plain data. Colours come from
 * the Okabe–Ito palette, which stays distinguishable with colour-blindness.
 */
import { VegaLiteSpec } from "./svg";

export const SCHEMA = "https://vega.github.io/schema/vega-lite/v5.json";

/** Okabe & Ito (2008), colour-blind-safe qualitative palette. */
export const OKABE_ITO = ["#0072B2", "#E69F00", "#009E73", "#D55E00", "#CC79A7", "#56B4E9", "#F0E442", "#000000"] as const;

export type Row = Record<string, string | number | boolean | null>;

export interface LineChartOptions {
  rows: Row[];
  x: string;
  y: string;
  /** Field that splits the data into coloured series. */
  series?: string;
  title: string;
  xTitle: string;
  yTitle: string;
  width?: number;
  height?: number;
}

/** Lines with points, one colour per series. */
export function lineChart(options: LineChartOptions): VegaLiteSpec {
  const encoding: Record<string, unknown> = {
    x: { field: options.x, type: "quantitative", title: options.xTitle },
    y: { field: options.y, type: "quantitative", title: options.yTitle },
    tooltip: [{ field: options.x }, { field: options.y, format: ".4f" }],
  };
  if (options.series) {
    encoding.color = { field: options.series, type: "nominal", title: options.series, scale: { range: [...OKABE_ITO] } };
  }
  return {
    $schema: SCHEMA,
    title: options.title,
    width: options.width ?? 360,
    height: options.height ?? 220,
    data: { values: options.rows },
    mark: { type: "line", point: true },
    encoding,
  } as VegaLiteSpec;
}
