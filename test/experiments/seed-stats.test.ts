import { describe, test } from "node:test";
import assert from "node:assert/strict";
import { formatPercentSpread, pairedDifference, spreadOf, tQuantile975 } from "../../lib/experiments/seed-stats";

describe("spread over seeds", () => {
  test("mean and sample sd; one value has no sd", () => {
    const s = spreadOf([0.8, 0.84, 0.82]);
    assert.ok(Math.abs(s.mean - 0.82) < 1e-12);
    assert.ok(Math.abs(s.sd - 0.02) < 1e-12);
    assert.deepEqual([s.min, s.max, s.n], [0.8, 0.84, 3]);
    assert.ok(Number.isNaN(spreadOf([0.5]).sd));
    assert.equal(formatPercentSpread(s), "82.0 ± 2.0 %");
    assert.equal(formatPercentSpread(spreadOf([0.5])), "50.0 %");
  });

  test("paired difference: t interval, and pairing removes a shared seed effect", () => {
    // Seeds shift both conditions alike; the differences are 0.01, 0.02, 0.03.
    const alone = [0.7, 0.9, 0.8];
    const distilled = [0.71, 0.92, 0.83];
    const d = pairedDifference(alone, distilled);
    assert.ok(Math.abs(d.mean - 0.02) < 1e-12);
    assert.ok(Math.abs(d.sd - 0.01) < 1e-12);
    const half = 4.303 * (0.01 / Math.sqrt(3));
    assert.ok(Math.abs(d.ci95[0] - (0.02 - half)) < 1e-12 && Math.abs(d.ci95[1] - (0.02 + half)) < 1e-12);
    // With 3 seeds t is 4.3: this spread still leaves 0 inside; a steadier gain excludes it.
    assert.ok(d.ci95[0] < 0);
    assert.ok(pairedDifference(alone, [0.72, 0.921, 0.822]).ci95[0] > 0);
    assert.throws(() => pairedDifference([1, 2], [1]), /same seeds/);
    assert.equal(tQuantile975(1), 12.706);
    assert.equal(tQuantile975(100), 1.96);
  });
});
