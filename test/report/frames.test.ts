/** DataFrames from lib/distill/history.ts become chart rows that the chart builders accept. */
import assert from "node:assert/strict";
import { before, describe, test } from "node:test";
import { historyFrame } from "../../lib/distill/history";
import { lineChart } from "../../lib/report/charts";
import { rowsOfFrame } from "../../lib/report/frames";
import { useNativeBackend } from "../helpers/native";
import { fakeHistory } from "./fixtures";
import { renderChart } from "./render";

before(async () => {
  // danfojs-node loads tfjs-node: the backend must be chosen first.
  await useNativeBackend();
});

describe("rowsOfFrame", () => {
  test("gives back the records a history frame was made from, NaN as null", async () => {
    const history = fakeHistory(3, 0);
    history[1].val_loss = NaN;
    const rows = rowsOfFrame(historyFrame(history));
    assert.equal(rows.length, 3);
    assert.deepEqual(Object.keys(rows[0]).sort(), Object.keys(history[0]).sort());
    assert.equal(rows[2].loss, history[2].loss);
    assert.equal(rows[1].val_loss, null);

    const chart = await renderChart(lineChart({ rows, x: "epoch", y: "val_accuracy", title: "From a DataFrame", xTitle: "epoch", yTitle: "validation accuracy (fraction)" }));
    assert.ok(chart.texts.includes("From a DataFrame"));
    assert.ok(chart.texts.includes("validation accuracy (fraction)"));
  });
});
