/**
 * Every seed's result, per model, one panel per metric: a dot per seed, a
 * grey line joining the same seed's student alone and distilled student (the
 * pairing the difference is computed on), and a black tick at each model's
 * mean. Shows at a glance whether a gain holds seed by seed or rides on one.
 */
import { VegaLiteSpec } from "../svg";
import { asSpec, checkFinite, checkNonEmpty, ChartTitleOptions, palette, REFERENCE_GREY, SCHEMA, titleOf } from "./base";

export interface SeedResultRow {
  seed: number;
  /** "student alone", "distilled student", "teacher". */
  model: string;
  /** "test accuracy", "test ROC AUC", … */
  metric: string;
  value: number;
}

export function seedResultsChart(rows: readonly SeedResultRow[], options: ChartTitleOptions = {}): VegaLiteSpec {
  const builder = "seedResultsChart";
  checkNonEmpty(rows, builder, "rows");
  for (const row of rows) checkFinite(row.value, builder, `${row.model} ${row.metric} (seed ${row.seed})`);
  const models = [...new Set(rows.map((r) => r.model))];
  const metrics = [...new Set(rows.map((r) => r.metric))];
  const colour = { field: "model", type: "nominal", sort: models, scale: { domain: models, range: palette(models.length) }, title: null };
  const x = { field: "model", type: "nominal", sort: models, title: null, axis: { labelAngle: 0, labelLimit: 140 } };
  const y = { field: "value", type: "quantitative", scale: { zero: false }, title: null };
  return asSpec({
    $schema: SCHEMA,
    title: titleOf("Every seed: student alone, distilled student, teacher", options),
    data: { values: rows.map((r) => ({ ...r, seed: String(r.seed) })) },
    facet: { column: { field: "metric", type: "nominal", sort: metrics, title: null, header: { labelFontSize: 12 } } },
    spec: {
      width: 270,
      height: 220,
      layer: [
        {
          transform: [{ filter: "datum.model !== 'teacher'" }],
          mark: { type: "line", color: REFERENCE_GREY, strokeWidth: 1 },
          encoding: { x, y, detail: { field: "seed", type: "nominal" } },
        },
        {
          mark: { type: "point", filled: true, size: 70, opacity: 0.85 },
          encoding: { x, y, color: colour, tooltip: [{ field: "model" }, { field: "seed" }, { field: "metric" }, { field: "value", format: ".4f" }] },
        },
        {
          mark: { type: "tick", color: "#000000", thickness: 2, size: 28 },
          encoding: { x, y: { ...y, aggregate: "mean" } },
        },
      ],
    },
    resolve: { scale: { y: "independent" } },
  });
}
