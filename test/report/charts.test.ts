/**
 * Every chart builder: its spec compiles with vega-lite without warnings,
 * renders to well-formed SVG, and the SVG shows what a reader needs (title,
 * axis titles with units, legend entries, AUC/ECE, counts, images).
 */
import assert from "node:assert/strict";
import { before, describe, test } from "node:test";
import sharp from "sharp";
import {
  calibrationChart,
  calibrationErrorOf,
  classBalance,
  confusionMatrixChart,
  historyRows,
  imageDataUrl,
  reliabilityBins,
  rocChart,
  sampleGrid,
  teacherVsStudent,
  trainingCurves,
  trainingRowsOf,
} from "../../lib/report/charts";
import { calibrationData, ChartExample, chartExamples, expectedCalibrationError } from "./examples";
import { fakeHistory, gradientImage, rocPoints } from "./fixtures";
import { renderChart, RenderedChart } from "./render";

let examples: ChartExample[];
const rendered = new Map<string, RenderedChart>();

before(async () => {
  examples = await chartExamples();
  for (const example of examples) rendered.set(example.name, await renderChart(example.spec));
});

describe("every chart renders readable, well-formed SVG", () => {
  test("each example compiles, renders and shows its title, axis titles and legend entries", () => {
    assert.equal(examples.length, 8);
    for (const example of examples) {
      const chart = rendered.get(example.name);
      assert.ok(chart, example.name);
      assert.equal(chart.root, "svg", example.name);
      assert.ok(Number(chart.width) > 100 && Number(chart.height) > 100, `${example.name}: ${chart.width}×${chart.height}`);
      for (const text of example.expectedTexts) assert.ok(chart.texts.includes(text), `${example.name}: "${text}" not among ${JSON.stringify(chart.texts.slice(0, 60))}`);
      // Nothing cut short by Vega's label limits.
      assert.ok(!chart.texts.some((text) => text.endsWith("…")), `${example.name}: truncated text ${chart.texts.filter((t) => t.endsWith("…"))}`);
      assert.equal(chart.images.length, example.expectedImages ?? 0, example.name);
    }
  });

  test("specs use the Vega-Lite v5 schema (what JupyterLab's renderer expects)", () => {
    for (const example of examples) assert.equal((example.spec as { $schema?: string }).$schema, "https://vega.github.io/schema/vega-lite/v5.json", example.name);
  });
});

describe("training curves", () => {
  test("historyRows turns each epoch into a train and a validation row", () => {
    const rows = historyRows(fakeHistory(3, 0));
    assert.equal(rows.length, 6);
    assert.deepEqual(
      rows.map((r) => `${r.epoch}:${r.split}`),
      ["1:train", "1:validation", "2:train", "2:validation", "3:train", "3:validation"],
    );
    const withoutValidation = historyRows([{ epoch: 1, lr: 0.1, loss: 1, accuracy: 0.5, seconds: 1 }]);
    assert.deepEqual(withoutValidation, [{ epoch: 1, split: "train", loss: 1, accuracy: 0.5 }]);
  });

  test("teacher vs student puts both runs on the same axes: colour by model, dash by split", () => {
    const spec = teacherVsStudent(fakeHistory(4, 0), historyRows(fakeHistory(4, 0.1))) as unknown as { data: { values: { model: string }[] }; hconcat: { encoding: { color: { field: string } } }[] };
    assert.equal(spec.data.values.length, 16);
    assert.deepEqual([...new Set(spec.data.values.map((v) => v.model))], ["teacher", "student"]);
    assert.equal(spec.hconcat.length, 2);
    for (const panel of spec.hconcat) assert.equal(panel.encoding.color.field, "model");
  });

  test("a panel without a metric for some rows still renders the rest", async () => {
    const rows = historyRows(fakeHistory(3, 0)).map((row) => (row.split === "validation" ? { ...row, accuracy: null } : row));
    const chart = await renderChart(trainingCurves(rows, { title: "Partly measured", lossTitle: "loss (distillation: α·CE + (1−α)·T²·KL)" }));
    assert.ok(chart.texts.includes("Partly measured"));
    assert.ok(chart.texts.includes("loss (distillation: α·CE + (1−α)·T²·KL)"));
  });

  test("bad rows are refused with a message naming the problem", () => {
    assert.throws(() => trainingCurves([]), /trainingCurves: rows is empty/);
    assert.throws(() => trainingCurves([{ epoch: 1, split: "val" as "train", loss: 1, accuracy: 0.5 }]), /split must be "train" or "validation", got "val"/);
    assert.throws(() => trainingCurves([{ epoch: 1, split: "train", loss: NaN, accuracy: 0.5 }]), /row 0 loss must be a finite number/);
    const mixed = [...trainingRowsOf(historyRows(fakeHistory(2, 0)), "teacher"), ...historyRows(fakeHistory(2, 0))];
    assert.throws(() => trainingCurves(mixed), /some rows name a model and some do not/);
    assert.throws(() => teacherVsStudent(fakeHistory(2, 0), []), /run "student" has no epochs to draw/);
  });
});

describe("confusion matrix", () => {
  test("every count is written in its cell, including zeros", async () => {
    const matrix = [
      [17, 0, 3],
      [2, 25, 1],
      [0, 4, 30],
    ];
    const chart = await renderChart(confusionMatrixChart(matrix, ["cat", "dog", "ship"], { title: "Student on CIFAR-10" }));
    const counts = chart.texts.filter((t) => /^\d+$/.test(t) && !/^\d+%$/.test(t));
    for (const value of matrix.flat()) assert.ok(counts.includes(String(value)), `count ${value} missing from ${JSON.stringify(counts)}`);
    assert.ok(chart.texts.includes("Student on CIFAR-10"));
  });

  test("a matrix that does not match the class names is refused", () => {
    assert.throws(() => confusionMatrixChart([[1, 2], [3, 4]], ["a", "b", "c"]), /2 rows but there are 3 class names/);
    assert.throws(() => confusionMatrixChart([[1, 2], [3]], ["a", "b"]), /row 1 \(b\) has 1 columns, expected 2/);
    assert.throws(() => confusionMatrixChart([[1, -2], [3, 4]], ["a", "b"]), /count \[a\]\[b\] must be a non-negative integer, got -2/);
  });
});

describe("ROC", () => {
  test("the legend carries each curve's AUC and the diagonal is drawn", async () => {
    const chart = await renderChart(rocChart([{ name: "distilled student", points: rocPoints(0.3), auc: 0.87654 }]));
    assert.ok(chart.texts.includes("distilled student (AUC = 0.877)"), JSON.stringify(chart.texts));
    assert.ok(chart.texts.includes("chance (AUC = 0.5)"));
    assert.match(chart.svg, /stroke-dasharray="4,4"/);
  });

  test("impossible rates and duplicate names are refused", () => {
    assert.throws(() => rocChart([{ name: "a", points: rocPoints(0.5), auc: 1.2 }]), /AUC of "a" must lie in \[0, 1\], got 1.2/);
    assert.throws(() => rocChart([{ name: "a", points: [{ fpr: 0, tpr: 0 }, { fpr: 1.5, tpr: 1 }], auc: 0.5 }]), /"a" point 1 fpr must lie in \[0, 1\]/);
    assert.throws(() => rocChart([{ name: "a", points: rocPoints(0.5), auc: 0.5 }, { name: "a", points: rocPoints(0.4), auc: 0.6 }]), /two curves are both named "a"/);
  });
});

describe("calibration", () => {
  test("the bins reproduce lib/distill's expected calibration error", () => {
    const { probabilities, labels } = calibrationData();
    const bins = reliabilityBins(probabilities, labels, 3);
    assert.equal(bins.reduce((sum, bin) => sum + bin.count, 0), labels.length);
    for (const bin of bins) assert.ok(bin.count > 0 && bin.confidence >= 0 && bin.confidence <= 1 && bin.accuracy >= 0 && bin.accuracy <= 1);
    const ece = expectedCalibrationError(probabilities, labels, 3);
    assert.ok(ece > 0.05, `the fixture is meant to be over-confident, ECE ${ece}`);
    assert.ok(Math.abs(calibrationErrorOf(bins) - ece) < 1e-12, `${calibrationErrorOf(bins)} vs ${ece}`);
  });

  test("bad inputs are refused", () => {
    assert.throws(() => reliabilityBins([0.5, 0.5], [0, 1], 2), /2 probabilities for 2 labels × 2 classes/);
    assert.throws(() => calibrationChart([{ name: "m", bins: [] }]), /bins of "m" is empty/);
    assert.throws(() => calibrationChart([{ name: "m", bins: [{ confidence: 0.9, accuracy: 1.1, count: 3 }] }]), /"m" bin 0 accuracy must lie in \[0, 1\]/);
  });
});

describe("sample grid", () => {
  test("the SVG embeds every image as a PNG data URL of the right size", async () => {
    const chart = rendered.get("sample-grid");
    assert.ok(chart);
    assert.equal(chart.images.length, 5);
    for (const href of chart.images) assert.match(href, /^data:image\/png;base64,[A-Za-z0-9+/]+=*$/);
    // 28×28 shown at 96 px is enlarged 3× with nearest-neighbour; 64×48 is not enlarged.
    const first = await sharp(Buffer.from(chart.images[0].split(",")[1], "base64")).metadata();
    assert.deepEqual([first.width, first.height, first.channels], [84, 84, 1]);
    const last = await sharp(Buffer.from(chart.images[4].split(",")[1], "base64")).metadata();
    assert.deepEqual([last.width, last.height, last.channels], [64, 48, 3]);
  });

  test("pixels survive the encoding", async () => {
    const image = gradientImage(5, 4, 3, 7, "x");
    const url = await imageDataUrl(image, 5);
    const { data, info } = await sharp(Buffer.from(url.split(",")[1], "base64")).raw().toBuffer({ resolveWithObject: true });
    assert.deepEqual([info.width, info.height, info.channels], [5, 4, 3]);
    assert.deepEqual([...data], [...image.pixels]);
  });

  test("without predictions there is no prediction line or legend", async () => {
    const chart = await renderChart(await sampleGrid([gradientImage(8, 8, 1, 0, "NORMAL")]));
    assert.ok(chart.texts.includes("Sample images"));
    assert.ok(chart.texts.includes("true: NORMAL"));
    assert.ok(!chart.texts.includes("prediction"));
  });

  test("malformed images are refused", async () => {
    await assert.rejects(sampleGrid([{ pixels: new Uint8Array(10), width: 4, height: 4, trueLabel: "a" }]), /image 0 has 10 values for 4×4 pixels/);
    await assert.rejects(sampleGrid([{ pixels: [0.5, 0.2, 0.1, 0.9], width: 2, height: 2, trueLabel: "a" }]), /image 0 looks scaled to \[0, 1\]; multiply by 255 first/);
    await assert.rejects(sampleGrid([{ pixels: [0, 300, 0, 0], width: 2, height: 2, trueLabel: "a" }]), /pixel value 300/);
    await assert.rejects(sampleGrid([]), /images is empty/);
  });
});

describe("class balance", () => {
  test("one bar per split and class, each labelled with its count", async () => {
    const rows = [
      { split: "train", class: "cat", count: 40 },
      { split: "train", class: "dog", count: 35 },
      { split: "test", class: "cat", count: 10 },
      { split: "test", class: "dog", count: 12 },
    ];
    const chart = await renderChart(classBalance(rows));
    for (const row of rows) assert.ok(chart.texts.includes(String(row.count)), `count ${row.count}`);
    assert.equal((chart.svg.match(/aria-roledescription="bar"/g) ?? []).length, rows.length);
  });

  test("a repeated split and class is refused", () => {
    assert.throws(() => classBalance([{ split: "train", class: "a", count: 1 }, { split: "train", class: "a", count: 2 }]), /split "train", class "a" appears twice \(row 1\)/);
  });
});
