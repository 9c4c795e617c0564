/**
 * The canonical distillation figure: the bars' intervals are the t interval
 * of the mean (none for one seed), the chart renders every model, its seed
 * counts and the study's diamonds, refuses a NaN, and the reproduce job keeps
 * one figure per task (the one with the most distilled seeds).
 */
import assert from "node:assert/strict";
import { describe, test } from "node:test";
import { distillationChart, figureBar } from "../../lib/report/charts";
import { canonicalFigures } from "../../lib/report/distillation-figure";
import { spreadOf } from "../../lib/stats/summary";
import { renderChart } from "./render";

describe("distillation figure", () => {
  test("a bar is the mean with its 95 % t interval; one seed has none", () => {
    const bar = figureBar("student alone", spreadOf([0.8, 0.82, 0.84]));
    // t(0.975, 2) = 4.303, sd 0.02, n 3: half-width 4.303 · 0.02 / √3 = 0.0497.
    assert.ok(Math.abs(bar.high - bar.mean - 0.0497) < 5e-4, `half-width ${bar.high - bar.mean}`);
    assert.ok(Math.abs(bar.mean - 0.82) < 1e-12);
    const one = figureBar("teacher", spreadOf([0.9]), 0.8012);
    assert.deepEqual([one.low, one.high, one.n, one.study], [0.9, 0.9, 1, 0.8012]);
  });

  test("the chart renders the three models, their seed counts and the study's numbers; NaN is refused", async () => {
    const spec = distillationChart({
      task: "pneumonia",
      data: "PneumoniaMNIST",
      bars: [figureBar("teacher", spreadOf([0.91]), 0.8012), figureBar("student alone", spreadOf([0.85, 0.86, 0.84])), figureBar("distilled student", spreadOf([0.86, 0.87, 0.87]), 0.798)],
    });
    const chart = await renderChart(spec);
    for (const text of ["teacher", "student alone", "distilled student", "n = 1", "n = 3", "test accuracy"]) assert.ok(chart.texts.includes(text), `${text} in ${chart.texts.join(" | ")}`);
    assert.ok(chart.texts.some((t) => t.startsWith("Does the teacher help? pneumonia")));
    const points = (chart.svg.match(/aria-roledescription="point"/g) ?? []).length;
    assert.equal(points, 3 + 2, "a point per model and a diamond per study number");
    assert.throws(() => distillationChart({ task: "x", data: "y", bars: [figureBar("teacher", spreadOf([NaN]))] }), /teacher mean/);
  });

  test("one figure per task: the most distilled seeds wins, a later one wins a tie", () => {
    const figure = (task: string, seeds: number, data: string) => ({ task, data, bars: [figureBar("distilled student", spreadOf(Array.from({ length: seeds }, (_, i) => 0.8 + i / 100)))] });
    const kept = canonicalFigures([figure("pneumonia", 3, "05"), figure("pneumonia", 1, "07 quick"), figure("cifar10", 3, "07"), figure("pneumonia", 3, "07")]);
    assert.deepEqual(kept.map((f) => [f.task, f.data]), [["pneumonia", "07"], ["cifar10", "07"]]);
  });
});
