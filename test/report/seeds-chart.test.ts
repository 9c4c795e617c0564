/** The every-seed chart of notebook 05: compiles without warnings, renders both metric panels with every model, refuses a missing value. */
import assert from "node:assert/strict";
import { describe, test } from "node:test";
import { seedResultsChart } from "../../lib/report/charts";
import { renderChart } from "./render";

const rows = [42, 43, 44].flatMap((seed, i) => [
  { seed, model: "student alone", metric: "test accuracy", value: 0.83 + i * 0.004 },
  { seed, model: "distilled student", metric: "test accuracy", value: 0.81 - i * 0.006 },
  { seed, model: "teacher", metric: "test accuracy", value: 0.744 },
  { seed, model: "student alone", metric: "test ROC AUC", value: 0.93 + i * 0.01 },
  { seed, model: "distilled student", metric: "test ROC AUC", value: 0.936 },
]);

describe("seedResultsChart", () => {
  test("one panel per metric, every model on the axis, a point per seed and model", async () => {
    const spec = seedResultsChart(rows, { subtitle: "3 seeds" });
    const chart = await renderChart(spec);
    assert.equal(chart.root, "svg");
    for (const text of ["test accuracy", "test ROC AUC", "student alone", "distilled student", "teacher", "3 seeds"]) assert.ok(chart.texts.includes(text), text);
    const points = (chart.svg.match(/aria-roledescription="point"/g) ?? []).length;
    assert.equal(points, rows.length);
  });

  test("a NaN is refused with the seed named, not dropped", () => {
    assert.throws(() => seedResultsChart([{ seed: 7, model: "teacher", metric: "test ROC AUC", value: NaN }]), /teacher test ROC AUC \(seed 7\) must be a finite number/);
    assert.throws(() => seedResultsChart([]), /rows is empty/);
  });
});
