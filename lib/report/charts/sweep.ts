/**
 * A sweep's charts. `sweepValueChart`: one panel per swept key, the metric
 * against that key's values — a dot per trial (coloured by seed), the mean
 * at each value joined by a line, a bar of ± 1 standard deviation over the
 * trials at that value (the seeds, and the other keys' values), and an
 * optional dashed baseline (the student alone, say). `sweepHeatmap`: a
 * two-key grid, each cell the mean over seeds, written in the cell with its
 * standard deviation.
 */
import { VegaLiteSpec } from "../svg";
import { asSpec, checkFinite, checkNonEmpty, ChartTitleOptions, palette, REFERENCE_GREY, SCHEMA, titleOf } from "./base";

/** One trial's metric at one swept key's value (long form: a trial gives a row per swept key). */
export interface SweepPointRow {
  /** The swept key, as a title ("temperature"). */
  parameter: string;
  setting: number | string;
  seed: number;
  value: number;
}

export interface SweepValueChartOptions extends ChartTitleOptions {
  /** The metric's axis title ("student test accuracy"). */
  metric: string;
  /** A key's x scale: "ordinal" (default for a grid: its values, evenly spaced), "linear" or "log" (random draws). */
  scales?: Record<string, "ordinal" | "linear" | "log">;
  /** A horizontal reference line, e.g. the student trained alone. */
  baseline?: { label: string; value: number };
}

const mean = (xs: readonly number[]): number => xs.reduce((a, b) => a + b, 0) / xs.length;
const sd = (xs: readonly number[]): number => (xs.length < 2 ? 0 : Math.sqrt(xs.reduce((a, x) => a + (x - mean(xs)) ** 2, 0) / (xs.length - 1)));

export function sweepValueChart(rows: readonly SweepPointRow[], options: SweepValueChartOptions): VegaLiteSpec {
  const builder = "sweepValueChart";
  checkNonEmpty(rows, builder, "rows");
  for (const row of rows) checkFinite(row.value, builder, `${row.parameter}=${row.setting} (seed ${row.seed})`);
  if (options.baseline) checkFinite(options.baseline.value, builder, `baseline ${options.baseline.label}`);
  const parameters = [...new Set(rows.map((r) => r.parameter))];
  const seeds = [...new Set(rows.map((r) => String(r.seed)))];
  const panels = parameters.map((parameter) => {
    const own = rows.filter((r) => r.parameter === parameter);
    const scale = options.scales?.[parameter] ?? "ordinal";
    const settings = [...new Set(own.map((r) => r.setting))];
    const numeric = settings.every((s) => typeof s === "number");
    const sorted = numeric ? [...(settings as number[])].sort((a, b) => a - b) : settings;
    // Mean and spread per value, computed here so that the line, the bars and the tooltip agree.
    const summary = sorted.map((setting) => {
      const values = own.filter((r) => r.setting === setting).map((r) => r.value);
      const m = mean(values);
      const s = sd(values);
      return { setting, mean: m, low: m - s, high: m + s, trials: values.length };
    });
    const x =
      scale === "ordinal"
        ? { field: "setting", type: "ordinal", sort: sorted, title: parameter, axis: { labelAngle: 0 } }
        : { field: "setting", type: "quantitative", title: parameter, scale: { type: scale === "log" ? "log" : "linear", zero: false, nice: false } };
    const y = { type: "quantitative", scale: { zero: false }, title: options.metric };
    const layer: Record<string, unknown>[] = [
      { data: { values: summary }, mark: { type: "rule", color: "#000000", strokeWidth: 1.5 }, encoding: { x, y: { ...y, field: "low" }, y2: { field: "high" } } },
      { data: { values: summary }, mark: { type: "line", color: "#000000", strokeWidth: 1.5, point: { filled: true, color: "#000000", size: 30 } }, encoding: { x, y: { ...y, field: "mean" }, tooltip: [{ field: "setting", title: parameter }, { field: "mean", format: ".4f" }, { field: "trials" }] } },
      {
        data: { values: own.map((r) => ({ ...r, seed: String(r.seed) })) },
        mark: { type: "point", filled: true, size: 60, opacity: 0.75 },
        encoding: {
          x,
          y: { ...y, field: "value" },
          color: { field: "seed", type: "nominal", sort: seeds, scale: { domain: seeds, range: palette(seeds.length) }, title: "seed" },
          tooltip: [{ field: "setting", title: parameter }, { field: "seed" }, { field: "value", format: ".4f" }],
        },
      },
    ];
    if (options.baseline) {
      const base = { data: { values: [{ value: options.baseline.value, label: options.baseline.label }] } };
      layer.push({ ...base, mark: { type: "rule", color: REFERENCE_GREY, strokeDash: [6, 4], strokeWidth: 1.5 }, encoding: { y: { ...y, field: "value" } } });
      layer.push({ ...base, mark: { type: "text", color: REFERENCE_GREY, align: "left", dx: 4, dy: -6, x: 0 }, encoding: { y: { ...y, field: "value" }, text: { field: "label" } } });
    }
    return { width: 260, height: 220, layer };
  });
  return asSpec({
    $schema: SCHEMA,
    title: titleOf(`${options.metric} by swept value`, options),
    hconcat: panels,
    resolve: { scale: { y: "shared" } },
  });
}

/** One trial's metric at a point of a two-key grid. */
export interface SweepGridRow {
  x: number | string;
  y: number | string;
  seed: number;
  value: number;
}

export interface SweepHeatmapOptions extends ChartTitleOptions {
  xTitle: string;
  yTitle: string;
  metric: string;
}

const ordered = (values: (number | string)[]): (number | string)[] => {
  const distinct = [...new Set(values)];
  return distinct.every((v) => typeof v === "number") ? (distinct as number[]).sort((a, b) => a - b) : distinct;
};

export function sweepHeatmap(rows: readonly SweepGridRow[], options: SweepHeatmapOptions): VegaLiteSpec {
  const builder = "sweepHeatmap";
  checkNonEmpty(rows, builder, "rows");
  for (const row of rows) checkFinite(row.value, builder, `${options.xTitle}=${row.x}, ${options.yTitle}=${row.y} (seed ${row.seed})`);
  const xs = ordered(rows.map((r) => r.x));
  const ys = ordered(rows.map((r) => r.y));
  const cells = xs.flatMap((x) =>
    ys.flatMap((y) => {
      const values = rows.filter((r) => r.x === x && r.y === y).map((r) => r.value);
      if (values.length === 0) return [];
      const m = mean(values);
      const spread = values.length > 1 ? ` ± ${sd(values).toFixed(3)}` : "";
      return [{ x: String(x), y: String(y), mean: m, seeds: values.length, label: `${m.toFixed(3)}${spread}` }];
    }),
  );
  const means = cells.map((c) => c.mean);
  const middle = (Math.min(...means) + Math.max(...means)) / 2;
  return asSpec({
    $schema: SCHEMA,
    title: titleOf(`${options.metric}: ${options.yTitle} × ${options.xTitle}`, options),
    data: { values: cells },
    width: { step: 130 },
    height: { step: 56 },
    encoding: {
      x: { field: "x", type: "ordinal", sort: xs.map(String), title: options.xTitle, axis: { labelAngle: 0 } },
      y: { field: "y", type: "ordinal", sort: ys.map(String), title: options.yTitle },
    },
    layer: [
      {
        mark: { type: "rect", stroke: "white", strokeWidth: 1 },
        encoding: {
          // Viridis is perceptually uniform and readable with colour-vision deficiencies.
          color: { field: "mean", type: "quantitative", title: `mean ${options.metric}`, scale: { scheme: "viridis" }, legend: { format: ".3f", titleLimit: 400 } },
          tooltip: [{ field: "x", title: options.xTitle }, { field: "y", title: options.yTitle }, { field: "mean", format: ".4f" }, { field: "seeds" }],
        },
      },
      {
        mark: { type: "text", fontSize: 12, fontWeight: "bold" },
        encoding: {
          text: { field: "label", type: "nominal" },
          // Light text on the dark (low) end of viridis, dark text on the bright end.
          color: { condition: { test: `datum.mean < ${middle}`, value: "white" }, value: "black" },
        },
      },
    ],
  });
}
