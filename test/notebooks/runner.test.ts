import assert from "node:assert/strict";
import * as fs from "node:fs";
import * as os from "node:os";
import * as path from "node:path";
import { before, describe, test } from "node:test";
import { Notebook, Output, cellSource, cellTags, outputsOf, writeNotebook } from "../../lib/notebook/notebook-file";
import { NotebookCellError, NotebookRun, errorOutputs, mimeText, runNotebook } from "../../lib/notebook/runner";
import { VEGA_LITE_MIME } from "../../lib/report/display";
import { parseSvg } from "../report/svg-check";

const ROOT = path.resolve(__dirname, "..", "..");
const NOTEBOOK = path.join(ROOT, "notebooks", "00-environment.ipynb");

function streamText(notebook: Notebook): string {
  return outputsOf(notebook)
    .filter(({ output }) => output.output_type === "stream")
    .map(({ output }) => (Array.isArray(output.text) ? output.text.join("") : output.text ?? ""))
    .join("");
}

describe("notebook runner on 00-environment", () => {
  const outDir = fs.mkdtempSync(path.join(os.tmpdir(), "kdlab-runner-"));
  let run: NotebookRun;

  before(async () => {
    run = await runNotebook(NOTEBOOK, {
      output: path.join(outDir, "00.ipynb"),
      html: path.join(outDir, "00.html"),
      parameters: { greeting: "injected by the runner test" },
    });
  });

  test("executes every code cell with zero error outputs", () => {
    assert.deepEqual(errorOutputs(run.notebook), []);
    // nbclient records when each cell finished; tslab leaves execution_count unset.
    const unexecuted = run.notebook.cells.filter((c) => c.cell_type === "code" && !(c.metadata.execution as Record<string, string> | undefined)?.["iopub.status.idle"]);
    assert.equal(unexecuted.length, 0);
  });

  test("runs on native TensorFlow inside the kernel", () => {
    assert.match(streamText(run.notebook), /native (CPU|GPU)/);
    assert.match(streamText(run.notebook), /= \[\[19,22\],\[43,50\]\]/);
  });

  test("an injected parameter changes the printed value", () => {
    const injected = run.notebook.cells.filter((c) => cellTags(c).includes("injected-parameters"));
    assert.equal(injected.length, 1);
    assert.match(cellSource(injected[0]), /const greeting = "injected by the runner test";/);
    assert.match(streamText(run.notebook), /greeting: injected by the runner test/);
    assert.doesNotMatch(streamText(run.notebook), /greeting: kdlab is ready/);
  });

  test("the chart is one output with Vega-Lite JSON, a well-formed SVG and text", () => {
    const charts = outputsOf(run.notebook)
      .map(({ output }) => output)
      .filter((o: Output) => o.output_type === "display_data" && o.data && VEGA_LITE_MIME in o.data);
    assert.equal(charts.length, 1);
    const data = charts[0].data ?? {};
    const spec = data[VEGA_LITE_MIME] as { $schema?: string; mark?: unknown };
    assert.equal(typeof spec, "object", "the Vega-Lite spec must be a JSON object, not a string");
    assert.match(spec.$schema ?? "", /vega-lite\/v5/);
    assert.match(mimeText(data["text/plain"]) ?? "", /sin and cos/);
    const svg = mimeText(data["image/svg+xml"]);
    assert.ok(svg, "the chart output has an SVG");
    assert.equal(parseSvg(svg).root, "svg", "the SVG is well-formed XML with an <svg> root");
    assert.match(svg, /sin and cos computed by TensorFlow/);
  });

  test("the HTML export holds the chart as inline SVG", () => {
    const html = fs.readFileSync(path.join(outDir, "00.html"), "utf8");
    assert.match(html, /<svg[^>]*class="marks"/);
    assert.match(html, /sin and cos computed by TensorFlow/);
  });
});

describe("notebook runner on a failing notebook", () => {
  test("fails the run and names the failing cell", async () => {
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), "kdlab-failing-"));
    const input = path.join(dir, "failing.ipynb");
    const code = (source: string) => ({ cell_type: "code" as const, metadata: {}, source, outputs: [], execution_count: null });
    writeNotebook(input, {
      nbformat: 4,
      nbformat_minor: 5,
      metadata: { kernelspec: { name: "kdlab", display_name: "TypeScript (kdlab)", language: "typescript" } },
      cells: [code('console.log("first cell ran");'), code('throw new Error("deliberate failure in the second cell");'), code('console.log("never reached");')],
    });
    await assert.rejects(
      runNotebook(input, { output: path.join(dir, "out.ipynb") }),
      (error: unknown) => {
        assert.ok(error instanceof NotebookCellError, String(error));
        assert.equal(error.cellIndex, 1);
        assert.match(error.message, /failing\.ipynb: cell 2 failed: Error: deliberate failure in the second cell/);
        return true;
      },
    );
    const saved = JSON.parse(fs.readFileSync(path.join(dir, "out.ipynb"), "utf8")) as Notebook;
    assert.match(streamText(saved), /first cell ran/);
    assert.doesNotMatch(streamText(saved), /never reached/);
  });
});
