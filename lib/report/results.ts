/**
 * A notebook's closing results table: its numbers beside the study's, and
 * which data it ran on. Displayed as HTML + text, and as a JSON MIME type the
 * reproduce job reads back from the executed notebook for reports/index.html.
 */
import { displayBundle } from "./display";
import type { DistillationFigure } from "./charts/distillation";

export const RESULTS_MIME = "application/vnd.kdlab.results+json";

export interface ResultRow {
  metric: string;
  /** What this run measured. */
  value: string | number;
  /** What the study (or a published reference) reported, if anything. */
  reference?: string | number;
  /** Where the reference comes from. */
  source?: string;
}

export interface Results {
  /** Short title of the notebook's stage. */
  stage: string;
  /** Which data the run used, e.g. "embedded synthetic chest X-rays (not the real dataset)". */
  data: string;
  rows: ResultRow[];
  /** The few rows index.html shows; defaults to the first three. */
  headline?: string[];
  /** A chart (rendered SVG) index.html shows under the headline rows, e.g. notebook 05's every-seed chart. */
  headlineSvg?: string;
  /** The numbers of the canonical distillation figure (teacher, alone, distilled over seeds) that index.html opens with. */
  figure?: DistillationFigure;
}

/** Text safe inside HTML elements and quoted attributes. */
export function escapeHtml(text: string): string {
  return text.replace(/&/g, "&amp;").replace(/</g, "&lt;").replace(/>/g, "&gt;").replace(/"/g, "&quot;");
}

function formatValue(value: string | number | undefined): string {
  if (value === undefined) return "—";
  if (typeof value === "number") return Number.isInteger(value) ? String(value) : value.toFixed(4);
  return value;
}

export function resultsHtml(results: Results): string {
  const rows = results.rows
    .map((r) => `<tr><td>${escapeHtml(r.metric)}</td><td>${escapeHtml(formatValue(r.value))}</td><td>${escapeHtml(formatValue(r.reference))}</td><td>${escapeHtml(r.source ?? "")}</td></tr>`)
    .join("");
  return `<table class="kdlab-results"><caption>${escapeHtml(results.stage)} — data: ${escapeHtml(results.data)}</caption><thead><tr><th>metric</th><th>this run</th><th>reported</th><th>source</th></tr></thead><tbody>${rows}</tbody></table>`;
}

export function resultsText(results: Results): string {
  const table = [["metric", "this run", "reported", "source"], ...results.rows.map((r) => [r.metric, formatValue(r.value), formatValue(r.reference), r.source ?? ""])];
  const widths = table[0].map((_, col) => Math.max(...table.map((row) => row[col].length)));
  const lines = table.map((row) => row.map((cell, col) => cell.padEnd(widths[col])).join("  ").trimEnd());
  return [`${results.stage} — data: ${results.data}`, ...lines].join("\n");
}

/** Displays the results table (HTML, text, and JSON for the reproduce index). */
export function showResults(results: Results): void {
  displayBundle({ "text/html": resultsHtml(results), "text/plain": resultsText(results), [RESULTS_MIME]: results });
}
