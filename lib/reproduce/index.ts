/**
 * The main job: execute every notebook in notebooks/ in order with the
 * runner, write reports/NN-name.ipynb and .html, and reports/index.html with
 * each stage's headline results and links, opening with the canonical
 * distillation figure per task (teacher, alone, distilled over seeds; from
 * the results tables' figure data), and reports/results.md, the same
 * headline numbers as Markdown for the README. Before it starts it says how
 * long each notebook is expected to take, and the total (times.ts).
 */
import * as fs from "node:fs";
import * as path from "node:path";
import { initBackend } from "../runtime/backend";
import { cellSource, cellTags, outputsOf, readNotebook } from "../notebook/notebook-file";
import { PARAMETERS_TAG, Parameters, declaredNames } from "../notebook/parameters";
import { NotebookCellError, runNotebook } from "../notebook/runner";
import { PROJECT_ROOT } from "../runtime/paths";
import { RESULTS_MIME, Results, escapeHtml, resultsHtml } from "../report/results";
import { chartOutput } from "../report/display";
import { distillationChart } from "../report/charts/distillation";
import { canonicalFigures } from "../report/distillation-figure";
import { resultsMarkdown } from "../report/results-markdown";
import { expectationLine, expectedTimes, formatDuration, recordNotebookTime } from "./times";

import type { Profile } from "../experiments/config";

export type { Profile };

export interface ReproduceOptions {
  profile: Profile;
  /** A real dataset's folder, passed to notebooks that declare `dataDir`. */
  dataDir?: string;
  /** Notebook name prefixes to run (e.g. ["03"]); all when empty. */
  only?: string[];
  reportsDir?: string;
  notebooksDir?: string;
  /** Extra parameters for every notebook that declares them. */
  parameters?: Parameters;
  log?: (line: string) => void;
}

export interface StageOutcome {
  name: string;
  ok: boolean;
  seconds: number;
  html: string;
  notebook: string;
  results: Results[];
  error?: string;
}

export function listNotebooks(notebooksDir: string, only: string[] = []): string[] {
  return fs
    .readdirSync(notebooksDir)
    .filter((f) => /^\d\d-.*\.ipynb$/.test(f) && !f.includes(".executed."))
    .filter((f) => only.length === 0 || only.some((prefix) => f.startsWith(prefix)))
    .sort()
    .map((f) => path.join(notebooksDir, f));
}

/** The subset of the job's parameters this notebook declares in its parameters cell. */
function parametersFor(file: string, all: Parameters): Parameters {
  const notebook = readNotebook(file);
  const cell = notebook.cells.find((c) => c.cell_type === "code" && cellTags(c).includes(PARAMETERS_TAG));
  const declared = cell ? declaredNames(cellSource(cell)) : [];
  return Object.fromEntries(Object.entries(all).filter(([name]) => declared.includes(name)));
}

function resultsOf(file: string): Results[] {
  return outputsOf(readNotebook(file))
    .map(({ output }) => output.data?.[RESULTS_MIME])
    .filter((r): r is Results => typeof r === "object" && r !== null && Array.isArray((r as Results).rows));
}

export function indexHtml(outcomes: StageOutcome[], header: { backendLine: string; profile: Profile; data: string; finished: string; figureSvgs?: string[] }): string {
  const sections = outcomes.map((o) => {
    const status = o.ok ? `ok, ${o.seconds.toFixed(0)} s` : `<strong class="failed">failed</strong>: ${escapeHtml(o.error ?? "")}`;
    const headline = o.results
      .map((r) => {
        const keep = r.headline ?? r.rows.slice(0, 3).map((row) => row.metric);
        const chart = r.headlineSvg ? `<figure class="headline-chart">${r.headlineSvg}</figure>` : "";
        return resultsHtml({ ...r, rows: r.rows.filter((row) => keep.includes(row.metric)) }) + chart;
      })
      .join("");
    return `<section><h2><a href="${escapeHtml(path.basename(o.html))}">${escapeHtml(o.name)}</a></h2><p>${status} · <a href="${escapeHtml(path.basename(o.notebook))}">executed notebook</a></p>${headline}</section>`;
  });
  return `<!doctype html>
<html lang="en"><head><meta charset="utf-8"><title>kdlab reports</title>
<style>body{font-family:system-ui,sans-serif;max-width:60rem;margin:2rem auto;padding:0 1rem;color:#222}table{border-collapse:collapse;margin:.5rem 0}td,th{border:1px solid #ccc;padding:.25rem .6rem;text-align:left}caption{text-align:left;font-style:italic;padding:.25rem 0}figure.headline-chart{margin:.5rem 0;overflow-x:auto}.failed{color:#D55E00}code{background:#f4f4f4;padding:0 .2rem}</style>
</head><body>
<h1>kdlab — knowledge distillation for radiology, stage by stage</h1>
<p>Profile <code>${header.profile}</code> · data: ${escapeHtml(header.data)} · ${escapeHtml(header.backendLine)} · finished ${escapeHtml(header.finished)}</p>
${header.figureSvgs && header.figureSvgs.length > 0 ? `<section class="figures"><h2>Does distillation work here?</h2>${header.figureSvgs.map((svg) => `<figure class="distillation-figure">${svg}</figure>`).join("")}</section>` : ""}
${sections.join("\n")}
</body></html>
`;
}

export async function reproduce(options: ReproduceOptions): Promise<StageOutcome[]> {
  const log = options.log ?? ((line: string) => console.log(line));
  const notebooksDir = options.notebooksDir ?? path.join(PROJECT_ROOT, "notebooks");
  const reportsDir = path.resolve(options.reportsDir ?? path.join(PROJECT_ROOT, "reports"));
  const files = listNotebooks(notebooksDir, options.only);
  if (files.length === 0) throw new Error(`no notebooks in ${notebooksDir} match ${options.only?.join(", ") || "NN-*.ipynb"}`);
  fs.mkdirSync(reportsDir, { recursive: true });
  const backend = await initBackend();
  log(backend.line);
  const jobParameters: Parameters = { ...(options.parameters ?? {}), profile: options.profile };
  if (options.dataDir) jobParameters.dataDir = path.resolve(options.dataDir);
  const outcomes: StageOutcome[] = [];
  const expected = expectedTimes(reportsDir, options.profile, files.map((file) => path.basename(file, ".ipynb")));
  log(expectationLine(expected, options.profile));
  for (const [index, file] of files.entries()) {
    const name = path.basename(file, ".ipynb");
    const notebook = path.join(reportsDir, `${name}.ipynb`);
    const html = path.join(reportsDir, `${name}.html`);
    const expectedSeconds = expected[index].seconds;
    log(`▶ ${name}${expectedSeconds === undefined ? "" : ` (expected ${formatDuration(expectedSeconds)})`}`);
    const started = Date.now();
    try {
      const run = await runNotebook(file, { output: notebook, html, parameters: parametersFor(file, jobParameters) });
      outcomes.push({ name, ok: true, seconds: run.seconds, html, notebook, results: resultsOf(notebook) });
      recordNotebookTime(reportsDir, options.profile, name, run.seconds);
      log(`✔ ${name} in ${run.seconds.toFixed(1)} s → ${path.relative(process.cwd(), html)}`);
    } catch (error) {
      const message = error instanceof NotebookCellError ? error.message : (error as Error).message;
      outcomes.push({ name, ok: false, seconds: (Date.now() - started) / 1000, html, notebook, results: fs.existsSync(notebook) ? resultsOf(notebook) : [], error: message.split("\n")[0] });
      log(`✘ ${message}`);
    }
  }
  const data = options.dataDir
    ? path.resolve(options.dataDir)
    : "embedded defaults: real PneumoniaMNIST radiographs (MedMNIST v2, 28×28, data/pneumoniamnist.npz) for the pneumonia stages; the full CIFAR-10 from data/cifar-10-batches-bin when present, else partial real CIFAR-10 (4,660 / 846), shipped as data/cifar-10-partial (each stage's table names its data)";
  const figures = canonicalFigures(outcomes.flatMap((o) => o.results.flatMap((r) => (r.figure ? [r.figure] : []))));
  const figureSvgs = await Promise.all(figures.map(async (figure) => (await chartOutput(distillationChart(figure))).svg));
  const finished = new Date().toISOString();
  fs.writeFileSync(path.join(reportsDir, "index.html"), indexHtml(outcomes, { backendLine: backend.line, profile: options.profile, data, finished, figureSvgs }));
  fs.writeFileSync(path.join(reportsDir, "results.md"), resultsMarkdown(outcomes, { profile: options.profile, backendLine: backend.line, finished, figures }));
  log(`reports: ${path.relative(process.cwd(), path.join(reportsDir, "index.html"))}`);
  return outcomes;
}
