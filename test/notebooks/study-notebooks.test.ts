/**
 * Every study notebook executes headless on the quick profile and the
 * embedded default data, through the same reproduce job `npm run reproduce`
 * runs: no error output, each chart one output with Vega-Lite JSON + a
 * well-formed SVG + text, the exported HTML holding the SVGs, a results
 * table, and reports/index.html linking them and opening with one
 * distillation figure per task.
 */
import assert from "node:assert/strict";
import * as fs from "node:fs";
import * as os from "node:os";
import * as path from "node:path";
import { before, describe, test } from "node:test";
import { outputsOf, readNotebook } from "../../lib/notebook/notebook-file";
import { errorOutputs, mimeText } from "../../lib/notebook/runner";
import { StageOutcome, listNotebooks, reproduce } from "../../lib/reproduce/index";
import { VEGA_LITE_MIME } from "../../lib/report/display";
import { parseSvg } from "../report/svg-check";

const ROOT = path.resolve(__dirname, "..", "..");
const STUDY_NOTEBOOKS = listNotebooks(path.join(ROOT, "notebooks")).filter((f) => !path.basename(f).startsWith("00-"));

describe("study notebooks, headless through the reproduce job", () => {
  const reportsDir = fs.mkdtempSync(path.join(os.tmpdir(), "kdlab-reports-"));
  let outcomes: StageOutcome[] = [];

  before(async () => {
    outcomes = await reproduce({ profile: "quick", reportsDir, only: STUDY_NOTEBOOKS.map((f) => path.basename(f).slice(0, 2)), log: () => undefined });
  });

  test("there are notebooks for the study's stages", () => {
    assert.ok(STUDY_NOTEBOOKS.length >= 5, STUDY_NOTEBOOKS.join(", "));
    assert.equal(outcomes.length, STUDY_NOTEBOOKS.length);
  });

  for (const file of STUDY_NOTEBOOKS) {
    const name = path.basename(file, ".ipynb");
    test(`${name}: runs with no error output, charts carry three MIME types, HTML has the SVGs`, () => {
      const outcome = outcomes.find((o) => o.name === name);
      assert.ok(outcome, `${name} was not run`);
      assert.ok(outcome.ok, outcome.error);
      const executed = readNotebook(outcome.notebook);
      assert.deepEqual(errorOutputs(executed).map(({ cellIndex }) => cellIndex), [], "no error outputs");
      const charts = outputsOf(executed).filter(({ output }) => output.data && VEGA_LITE_MIME in output.data);
      assert.ok(charts.length >= 2, `${name} shows at least two charts (found ${charts.length})`);
      const svgs: string[] = [];
      for (const { output } of charts) {
        const data = output.data ?? {};
        assert.equal(typeof data[VEGA_LITE_MIME], "object", "the Vega-Lite spec is a JSON object");
        assert.ok(mimeText(data["text/plain"]), "the chart has a text/plain summary");
        const svg = mimeText(data["image/svg+xml"]);
        assert.ok(svg, "the chart has an SVG");
        svgs.push(svg);
      }
      for (const svg of svgs) assert.equal(parseSvg(svg).root, "svg", "every SVG is well-formed XML with an <svg> root");
      const html = fs.readFileSync(outcome.html, "utf8");
      assert.ok((html.match(/<svg[^>]*class="marks"/g) ?? []).length >= charts.length, "the HTML report holds each chart as inline SVG");
      assert.ok(outcome.results.length >= 1, "the notebook ends with a results table");
      assert.match(outcome.results[0].data, /embedded default|synthetic/, "the results say which data the run used");
    });
  }

  test("reports/index.html links every stage and shows its headline numbers", () => {
    const index = fs.readFileSync(path.join(reportsDir, "index.html"), "utf8");
    for (const outcome of outcomes) {
      assert.ok(index.includes(`href="${outcome.name}.html"`), `index links ${outcome.name}`);
    }
    assert.match(index, /kdlab-results/);
    // The canonical figure per task: pneumonia (05, 07) and CIFAR-10 (07), each a rendered chart.
    assert.match(index, /<h2>Does distillation work here\?<\/h2>/);
    const figures = index.match(/<figure class="distillation-figure"><svg[\s\S]*?<\/svg><\/figure>/g) ?? [];
    assert.equal(figures.length, 2, "one distillation figure per task");
    for (const task of ["pneumonia", "cifar10"]) assert.ok(figures.some((f) => f.includes(`Does the teacher help? ${task}`)), `a figure for ${task}`);
    assert.ok(outcomes.every((o) => o.results.length > 0 && o.results[0].rows.length > 0));
  });
});
