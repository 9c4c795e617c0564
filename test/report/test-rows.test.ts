/**
 * A run's test rows survive older files: a model-cache entry or result.json
 * written before lossless JSON (test/foundation/lossless-json.test.ts) has
 * null where its val threshold was +Infinity and its AUC NaN.
 */
import assert from "node:assert/strict";
import { describe, test } from "node:test";
import type { ModelRun } from "../../lib/experiments/index";
import { testRows } from "../../lib/report/stage";

function run(threshold: number, auc: number): ModelRun {
  const metrics = { accuracy: 0.8, sensitivity: 1, specificity: 0.5, balancedAccuracy: 0.75 };
  const fresh = { role: "student", distilled: true, params: { total: 1000 }, test: { accuracy: 0.8, loss: 0.5, binary: { auc, sensitivity: 1, specificity: 0.5 } }, valThreshold: { val: { threshold, youdenJ: 0.4 }, test: metrics } };
  // Through plain JSON, as the model cache and result.json stored it before lossless JSON.
  return JSON.parse(JSON.stringify(fresh)) as ModelRun;
}

describe("test rows of a run read back from JSON", () => {
  test("an infinite val threshold and a NaN AUC are said, not thrown on", () => {
    const rows = testRows(run(Infinity, NaN));
    assert.match(rows.find((r) => /threshold chosen on val/.test(r.metric))!.metric, /p ≥ ∞, Youden's J 0\.400/);
    assert.equal(rows.find((r) => r.metric.endsWith("ROC AUC"))!.value, "n/a (n = 1)");
    const finite = testRows(run(0.4567, 0.91));
    assert.match(finite.find((r) => /threshold chosen on val/.test(r.metric))!.metric, /p ≥ 0\.457/);
    assert.equal(finite.find((r) => r.metric.endsWith("ROC AUC"))!.value, "0.9100 (n = 1)");
  });
});
