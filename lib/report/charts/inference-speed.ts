/**
 * Inference cost of models side by side: latency per image (batch 1),
 * throughput (a larger batch), parameters and weight size. One small bar
 * panel per measure, each with its own axis and unit, the value printed on
 * each bar.
 */
import { VegaLiteSpec } from "../svg";
import { asSpec, checkFinite, checkNonEmpty, ChartTitleOptions, palette, SCHEMA, titleOf } from "./base";

export interface InferenceCostRow {
  model: string;
  latencyMs: number;
  latencyBatch: number;
  imagesPerSecond: number;
  throughputBatch: number;
  params: number;
  weightMB: number;
}

export function inferenceCostChart(rows: readonly InferenceCostRow[], options: ChartTitleOptions = {}): VegaLiteSpec {
  const builder = "inferenceCostChart";
  checkNonEmpty(rows, builder, "rows");
  const models = rows.map((r) => r.model);
  const measures = (row: InferenceCostRow): { measure: string; value: number; label: string }[] => {
    const ms = checkFinite(row.latencyMs, builder, `${row.model} latencyMs`);
    const ips = checkFinite(row.imagesPerSecond, builder, `${row.model} imagesPerSecond`);
    const params = checkFinite(row.params, builder, `${row.model} params`) / 1e6;
    const mb = checkFinite(row.weightMB, builder, `${row.model} weightMB`);
    return [
      { measure: `latency, ms per image (batch ${row.latencyBatch})`, value: ms, label: ms.toFixed(ms < 10 ? 1 : 0) },
      { measure: `throughput, images/s (batch ${row.throughputBatch})`, value: ips, label: ips.toFixed(ips < 10 ? 1 : 0) },
      { measure: "parameters, millions", value: params, label: params.toFixed(2) },
      { measure: "weights, MB (float32)", value: mb, label: mb.toFixed(1) },
    ];
  };
  const values = rows.flatMap((row) => measures(row).map((m) => ({ model: row.model, ...m })));
  const order = [...new Set(values.map((v) => v.measure))];
  return asSpec({
    $schema: SCHEMA,
    title: titleOf("Inference cost: teacher vs student", options),
    data: { values },
    facet: { column: { field: "measure", type: "nominal", sort: order, title: null, header: { labelFontSize: 11, labelLimit: 0 } } },
    spec: {
      width: 170,
      height: 180,
      layer: [
        {
          mark: { type: "bar" },
          encoding: {
            x: { field: "model", type: "nominal", sort: models, title: null, axis: { labelAngle: 0, labelLimit: 140 } },
            y: { field: "value", type: "quantitative", title: null },
            color: { field: "model", type: "nominal", sort: models, scale: { domain: models, range: palette(models.length) }, legend: null },
            tooltip: [{ field: "model" }, { field: "measure" }, { field: "label", title: "value" }],
          },
        },
        {
          mark: { type: "text", baseline: "bottom", dy: -3, fontSize: 11 },
          encoding: { x: { field: "model", type: "nominal", sort: models }, y: { field: "value", type: "quantitative" }, text: { field: "label" } },
        },
      ],
    },
    resolve: { scale: { y: "independent" } },
  });
}
