/**
 * Config overrides for the objective's new forms: a combined method
 * (`distillation.method=kd+at`, parameters `distillation.params.<method>.<name>`)
 * and the trainer's `distillation.hardLabelWeight`.
 */
import assert from "node:assert/strict";
import { describe, test } from "node:test";
import { applyOverrides, getExperiment } from "../../lib/experiments/index";

describe("distillation overrides: combined methods and the hard-label weight", () => {
  const base = getExperiment("pneumonia-final", "quick");

  test("kd+at takes both methods' parameters, each under its method's name", () => {
    const config = applyOverrides(base, ["distillation.params.at.beta=500", "distillation.method=kd+at"]);
    assert.equal(config.distillation.method, "kd+at");
    assert.deepEqual(config.distillation.params, { "kd.temperature": 4, "kd.alpha": 0.5, "at.p": 2, "at.beta": 500, "at.layers": "auto" });
    assert.equal(applyOverrides(base, ["distillation.method= kd + at "]).distillation.method, "kd+at");
    assert.throws(() => applyOverrides(base, ["distillation.method=kd+at", "distillation.params.beta=5"]), /kd\+at has no parameter "beta"; its parameters: kd.temperature, kd.alpha, at.p, at.beta, at.layers/);
    assert.throws(() => applyOverrides(base, ["distillation.method=kd+hinton"]), /distillation\.method must be one of none, kd, dkd, at, rkd, fitnets, or methods joined by \+ \(e\.g\. kd\+at\), got "kd\+hinton" \(unknown distillation method "hinton"/);
  });

  test("distillation.hardLabelWeight: a number ≥ 0 or null (the method's own), kept across a method change, checked with its key named", () => {
    assert.equal(applyOverrides(base, ["distillation.hardLabelWeight=0.3", "distillation.method=dkd"]).distillation.hardLabelWeight, 0.3);
    assert.equal(applyOverrides(base, ["distillation.hardLabelWeight=null"]).distillation.hardLabelWeight, null);
    for (const bad of ["-1", "Infinity", "abc"]) assert.throws(() => applyOverrides(base, [`distillation.hardLabelWeight=${bad}`]), /distillation\.hardLabelWeight must be a number in \[0, ∞\] or null/);
    assert.throws(() => applyOverrides(getExperiment("pneumonia-student-alone", "quick"), ["distillation.hardLabelWeight=1"]), /distillation\.hardLabelWeight: there is no teacher/);
  });
});
