/** Median and spread over seeds (lib/stats/summary.ts). */
import { describe, test } from "node:test";
import assert from "node:assert/strict";
import { formatPercentSpread, median, spreadOf } from "../../lib/stats/summary";

describe("summary of values", () => {
  test("median of odd and even counts", () => {
    assert.equal(median([5, 1, 3]), 3);
    assert.equal(median([4, 1, 3, 2]), 2.5);
    assert.throws(() => median([]), /no values/);
  });

  test("mean and sample sd; one value has no sd", () => {
    const s = spreadOf([0.8, 0.84, 0.82]);
    assert.ok(Math.abs(s.mean - 0.82) < 1e-12);
    assert.ok(Math.abs(s.sd - 0.02) < 1e-12);
    assert.deepEqual([s.min, s.max, s.n], [0.8, 0.84, 3]);
    assert.ok(Number.isNaN(spreadOf([0.5]).sd));
    assert.equal(formatPercentSpread(s), "82.0 ± 2.0 %");
    assert.equal(formatPercentSpread(spreadOf([0.5])), "50.0 % (n = 1)");
  });

  test("a spread of no values is an error", () => {
    assert.throws(() => spreadOf([]), /no values/);
  });
});
