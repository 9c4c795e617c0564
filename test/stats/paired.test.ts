/** The paired difference over seeds, its t interval and minimum detectable effect (lib/stats/paired.ts). */
import { describe, test } from "node:test";
import assert from "node:assert/strict";
import { formatPairedPoints, formatPairedValue, minimumDetectableEffect, pairedDifference, tQuantile975 } from "../../lib/stats/paired";

describe("paired difference over seeds", () => {
  test("paired difference: t interval, and pairing removes a shared seed effect", () => {
    // Seeds shift both conditions alike; the differences are 0.01, 0.02, 0.03.
    const alone = [0.7, 0.9, 0.8];
    const distilled = [0.71, 0.92, 0.83];
    const d = pairedDifference(alone, distilled);
    assert.ok(Math.abs(d.mean - 0.02) < 1e-12);
    assert.ok(Math.abs(d.sd - 0.01) < 1e-12);
    const half = tQuantile975(2) * (0.01 / Math.sqrt(3));
    assert.ok(Math.abs(tQuantile975(2) - 4.303) < 5e-4);
    assert.ok(Math.abs(d.ci95[0] - (0.02 - half)) < 1e-12 && Math.abs(d.ci95[1] - (0.02 + half)) < 1e-12);
    // With 3 seeds t is 4.3: this spread still leaves 0 inside; a steadier gain excludes it.
    assert.ok(d.ci95[0] < 0);
    assert.ok(pairedDifference(alone, [0.72, 0.921, 0.822]).ci95[0] > 0);
    assert.throws(() => pairedDifference([1, 2], [1]), /same seeds/);
    assert.ok(Math.abs(tQuantile975(1) - 12.706) < 5e-4);
    assert.ok(Math.abs(tQuantile975(100) - 1.984) < 5e-4);
  });

  test("minimum detectable effect: (t(0.975, n − 1) + t(0.8, n − 1)) · sd / √n", () => {
    // n = 10, sd 2 points: (2.262 + 0.883) · 0.02 / √10 = 1.989 points.
    const mde10 = minimumDetectableEffect(10, 0.02);
    assert.ok(Math.abs(mde10 - (2.2622 + 0.8834) * 0.02 / Math.sqrt(10)) < 1e-5, String(mde10));
    // The case: 3 seeds, a 2-point spread: nothing under about 6 points can be seen.
    const mde3 = minimumDetectableEffect(3, 0.02);
    assert.ok(Math.abs(mde3 - (4.3027 + 1.0607) * 0.02 / Math.sqrt(3)) < 1e-5, String(mde3));
    assert.ok(mde3 > 0.06 && mde10 < 0.02);
    assert.ok(Number.isNaN(minimumDetectableEffect(1, 0.02)));
    // The difference carries it: differences 0.01, 0.02, 0.03 (sd 0.01).
    const d = pairedDifference([0.7, 0.9, 0.8], [0.71, 0.92, 0.83]);
    assert.ok(Math.abs(d.mde - minimumDetectableEffect(3, 0.01)) < 1e-15);
    assert.equal(formatPairedPoints(d), `+2.00 points (95 % CI −0.48 to +4.48; MDE ${(100 * d.mde).toFixed(2)} points at n = 3)`);
    assert.match(formatPairedValue(d), /^\+0\.020 \(95 % CI −0\.005 to \+0\.045; MDE 0\.031 at n = 3\)$/);
  });

  test("one seed: no interval, no MDE, and the text says n = 1", () => {
    const d = pairedDifference([0.8], [0.83]);
    assert.ok(Number.isNaN(d.mde) && Number.isNaN(d.ci95[0]));
    assert.equal(formatPairedPoints(d), "+3.00 points (n = 1: no interval)");
    assert.equal(formatPairedValue(d), "+0.030 (n = 1: no interval)");
  });
});
