/**
 * A sweep's table, best setting and charts, rebuilt from its folder alone
 * (`kdlab sweep report <dir>` and the end of every sweep): results.{csv,json},
 * best.json (the setting with the best mean val accuracy, its test accuracy
 * beside it: best.ts), and under
 * charts/ for each metric (student test accuracy, and ROC AUC for two
 * classes) `<metric>-by-value` (every swept key) and, for a two-key grid,
 * `<metric>-heatmap`, each as a Vega-Lite spec (.vl.json), SVG and PNG.
 * Only finished trials are drawn.
 */
import * as fs from "node:fs";
import * as path from "node:path";
import { sweepHeatmap, SweepGridRow, SweepPointRow, sweepValueChart } from "../report/charts";
import { saveChart } from "../report/save";
import type { VegaLiteSpec } from "../report/svg";
import { chooseOnValidation, SweepChoice } from "./best";
import { readSweep, SweepRecord } from "./folder";
import { losslessJson } from "../runtime/lossless-json";
import { shortKey, sweptKeys, SweepSpec } from "./spec";
import { SweepRow, writeSweepTable } from "./table";

export interface SweepChart {
  name: string;
  spec: VegaLiteSpec;
}

const METRICS = [
  { column: "accuracy", title: "student test accuracy", file: "accuracy" },
  { column: "auc", title: "student test ROC AUC", file: "auc" },
] as const;

function finite(row: SweepRow, column: string): boolean {
  return typeof row[column] === "number" && Number.isFinite(row[column] as number);
}

/** The charts of a sweep's rows (no files); `baseline` adds a reference line per metric column (e.g. the student alone). */
export function sweepCharts(spec: SweepSpec, rows: readonly SweepRow[], baseline?: { label: string; values: Partial<Record<string, number>> }): SweepChart[] {
  const keys = [...spec.grid.map((a) => a.key), ...spec.ranges.map((a) => a.key)];
  const scales = Object.fromEntries([...spec.grid.map((a) => [shortKey(a.key), "ordinal"]), ...spec.ranges.map((a) => [shortKey(a.key), a.log ? "log" : "linear"])]) as Record<string, "ordinal" | "linear" | "log">;
  const seedsNote = `${spec.seeds.length} seed${spec.seeds.length > 1 ? "s" : ""} (${spec.seeds.join(", ")})`;
  const charts: SweepChart[] = [];
  for (const metric of METRICS) {
    const done = rows.filter((r) => r.state === "done" && finite(r, metric.column));
    if (done.length === 0) continue;
    const axes = keys.length > 0 ? keys : ["seed"];
    const points: SweepPointRow[] = done.flatMap((r) => axes.map((key) => ({ parameter: shortKey(key), setting: r[key], seed: Number(r.seed), value: r[metric.column] as number })));
    const base = baseline?.values[metric.column];
    charts.push({
      name: `${metric.file}-by-value`,
      spec: sweepValueChart(points, {
        metric: metric.title,
        scales,
        baseline: base !== undefined && Number.isFinite(base) ? { label: baseline!.label, value: base } : undefined,
        subtitle: `${spec.experiment}, ${spec.profile} profile; ${done.length} trials, ${seedsNote}; dots: trials, line: mean, bars: ± 1 sd`,
      }),
    });
    if (spec.grid.length === 2 && spec.ranges.length === 0) {
      const [a, b] = spec.grid.map((g) => g.key);
      const cells: SweepGridRow[] = done.map((r) => ({ x: r[a], y: r[b], seed: Number(r.seed), value: r[metric.column] as number }));
      charts.push({ name: `${metric.file}-heatmap`, spec: sweepHeatmap(cells, { xTitle: shortKey(a), yTitle: shortKey(b), metric: metric.title, subtitle: `mean over ${seedsNote}` }) });
    }
  }
  return charts;
}

export interface SweepReport {
  record: SweepRecord;
  rows: SweepRow[];
  csv: string;
  json: string;
  charts: (SweepChart & { svg: string; png?: string; vl: string })[];
  counts: { done: number; failed: number; pending: number };
  /** The best setting, chosen on mean val accuracy (undefined while no trial has finished); also written to best.json. */
  choice?: SweepChoice;
}

/** Writes the table and the charts into the sweep folder. Needs the backend chosen first (danfojs-node loads tfjs-node). */
export async function writeSweepReport(sweepDir: string, options: { png?: boolean } = {}): Promise<SweepReport> {
  const record = readSweep(sweepDir);
  const { rows, csv, json } = writeSweepTable(sweepDir, record);
  const chartsDir = path.join(sweepDir, "charts");
  fs.rmSync(chartsDir, { recursive: true, force: true });
  const charts = [];
  for (const chart of sweepCharts(record.spec, rows)) {
    const base = path.join(chartsDir, chart.name);
    const saved = await saveChart(chart.spec, base, { png: options.png ?? true });
    fs.writeFileSync(`${base}.vl.json`, `${JSON.stringify(chart.spec, null, 1)}\n`);
    charts.push({ ...chart, ...saved, vl: `${base}.vl.json` });
  }
  const choice = chooseOnValidation(rows, sweptKeys(record.spec), "accuracy");
  const bestFile = path.join(sweepDir, "best.json");
  if (choice) fs.writeFileSync(bestFile, losslessJson(choice, 1));
  else fs.rmSync(bestFile, { force: true });
  const count = (state: string) => rows.filter((r) => r.state === state).length;
  return { record, rows, csv, json, charts, counts: { done: count("done"), failed: count("failed"), pending: count("pending") }, choice };
}
