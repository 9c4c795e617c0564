/** A generic line chart: lines with points, one colour per series. */
import { VegaLiteSpec } from "../svg";
import { asSpec, OKABE_ITO, Row, SCHEMA } from "./base";

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

export function lineChart(options: LineChartOptions): VegaLiteSpec {
  const encoding: Record<string, unknown> = {
    x: { field: options.x, type: "quantitative", title: options.xTitle },
    y: { field: options.y, type: "quantitative", title: options.yTitle },
    tooltip: [{ field: options.x }, { field: options.y, format: ".4f" }],
  };
  if (options.series) {
    encoding.color = { field: options.series, type: "nominal", title: options.series, scale: { range: [...OKABE_ITO] } };
  }
  return asSpec({
    $schema: SCHEMA,
    title: options.title,
    width: options.width ?? 360,
    height: options.height ?? 220,
    data: { values: options.rows },
    mark: { type: "line", point: true },
    encoding,
  });
}
