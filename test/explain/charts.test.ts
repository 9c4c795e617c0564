import { describe, test } from "node:test";
import assert from "node:assert/strict";
import * as fs from "node:fs";
import * as path from "node:path";
import sharp from "sharp";
import { agreementChart, gradCamPanel, GradCamPanelRow, heatmapOverlay, viridis } from "../../lib/report/charts/gradcam";
import { inferenceCostChart } from "../../lib/report/charts/inference-speed";
import { renderChart } from "../report/render";

const SIDE = 16;

function row(index: number): GradCamPanelRow {
  const image = Array.from({ length: SIDE * SIDE }, (_, k) => ((k % SIDE) + Math.floor(k / SIDE)) / (2 * SIDE));
  const teacher = Array.from({ length: SIDE * SIDE }, (_, k) => (k % SIDE < SIDE / 2 ? 1 : 0));
  const student = Array.from({ length: SIDE * SIDE }, (_, k) => (k % SIDE) / (SIDE - 1));
  return { image, width: SIDE, height: SIDE, teacher, student, trueLabel: "PNEUMONIA", teacherLabel: "PNEUMONIA", studentLabel: index ? "NORMAL" : "PNEUMONIA", teacherProbability: 0.9, studentProbability: 0.6, agreement: { pearson: 0.5, topIoU: 0.25 } };
}

describe("Grad-CAM charts", () => {
  test("viridis runs from dark purple to yellow; the overlay keeps the X-ray where the map is cold", () => {
    assert.deepEqual(viridis(0).map(Math.round), [68, 1, 84]);
    assert.deepEqual(viridis(1).map(Math.round), [253, 231, 37]);
    const gray = [0.8, 0.8];
    const rgb = heatmapOverlay(gray, [0, 1]);
    // Cold pixel: mostly the X-ray's gray (204); hot pixel: mostly viridis yellow.
    assert.ok(Math.abs(rgb[0] - 0.75 * 204 - 0.25 * 68) < 1);
    assert.ok(rgb[5] < 100 && rgb[3] > 220);
    assert.throws(() => heatmapOverlay(gray, [0, 1.5]), /must lie in \[0, 1\]/);
    assert.throws(() => heatmapOverlay(gray, [0]), /1 values for an image of 2 pixels/);
  });

  test("the panel has three images per row, headers, labels and agreement, and a well-formed SVG", async () => {
    const spec = await gradCamPanel([row(0), row(1)], { imageSize: 64 });
    const chart = await renderChart(spec);
    assert.equal(chart.images.length, 6);
    assert.ok(chart.images.every((href) => href.startsWith("data:image/png;base64,")));
    for (const text of ["X-ray", "teacher Grad-CAM", "student Grad-CAM", "student: NORMAL (60 %)", "agreement: r = 0.50, top-20 % IoU = 0.25"]) {
      assert.ok(chart.texts.includes(text), `missing "${text}" in ${JSON.stringify(chart.texts)}`);
    }
    // The teacher's overlay is hot (yellow) on the left, cold on the right.
    const png = Buffer.from(chart.images[1].split(",")[1], "base64");
    const { data, info } = await sharp(png).raw().toBuffer({ resolveWithObject: true });
    const at = (x: number, y: number): number[] => Array.from(data.subarray((y * info.width + x) * info.channels, (y * info.width + x) * info.channels + 3));
    assert.ok(at(2, 30)[1] > at(info.width - 3, 30)[1] + 60, `left ${at(2, 30)} right ${at(info.width - 3, 30)}`);
    fs.mkdirSync("test/artifacts/explain", { recursive: true });
    fs.writeFileSync(path.join("test/artifacts/explain", "gradcam-panel.svg"), chart.svg);
  });

  test("bad panel input names the image", async () => {
    await assert.rejects(gradCamPanel([{ ...row(0), image: [0.5] }]), /image 0 has 1 values for 16×16 pixels/);
    await assert.rejects(gradCamPanel([]), /rows is empty/);
  });

  test("agreement chart: one bar per measure and image, the chance line labelled", async () => {
    const chart = await renderChart(agreementChart([{ image: "1", pearson: 0.8, topIoU: 0.6 }, { image: "2", pearson: -0.2, topIoU: 0.1 }], { chanceIoU: 1 / 9 }));
    assert.ok(chart.texts.some((t) => t.startsWith("IoU by chance (0.11)")));
    assert.ok(chart.texts.includes("Pearson r") && chart.texts.includes("top-20 % IoU"));
    assert.throws(() => agreementChart([{ image: "1", pearson: Number.NaN, topIoU: 0 }]), /Pearson r must be a finite number/);
  });

  test("inference cost chart: four measures with values printed", async () => {
    const rows = [
      { model: "teacher", latencyMs: 42.4, latencyBatch: 1, imagesPerSecond: 55.2, throughputBatch: 32, params: 7_300_000, weightMB: 29.2 },
      { model: "student", latencyMs: 9.1, latencyBatch: 1, imagesPerSecond: 320, throughputBatch: 32, params: 2_900_000, weightMB: 11.6 },
    ];
    const chart = await renderChart(inferenceCostChart(rows));
    for (const text of ["latency, ms per image (batch 1)", "throughput, images/s (batch 32)", "parameters, millions", "weights, MB (float32)", "42", "9.1", "320", "7.30", "11.6"]) {
      assert.ok(chart.texts.includes(text), `missing "${text}" in ${JSON.stringify(chart.texts)}`);
    }
  });
});
