import { describe, test } from "node:test";
import assert from "node:assert/strict";
import { incompleteBeta, lnGamma, studentTCdf, studentTQuantile } from "../../lib/stats/student-t";

const close = (actual: number, expected: number, tolerance: number, what: string) => assert.ok(Math.abs(actual - expected) <= tolerance, `${what}: ${actual}, expected ${expected}`);

describe("Student's t distribution", () => {
  test("ln Γ and the incomplete beta match closed forms", () => {
    close(lnGamma(5), Math.log(24), 1e-12, "ln Γ(5)");
    close(lnGamma(0.5), 0.5 * Math.log(Math.PI), 1e-12, "ln Γ(½)");
    // I_x(1, 1) = x; I_x(a, 1) = x^a; I_x(1, b) = 1 − (1 − x)^b.
    close(incompleteBeta(0.3, 1, 1), 0.3, 1e-14, "I_0.3(1,1)");
    close(incompleteBeta(0.6, 3, 1), 0.216, 1e-14, "I_0.6(3,1)");
    close(incompleteBeta(0.2, 1, 4), 1 - 0.8 ** 4, 1e-14, "I_0.2(1,4)");
    assert.throws(() => incompleteBeta(1.5, 1, 1), /x must be in \[0, 1\]/);
  });

  test("the CDF matches the closed forms for ν = 1 (Cauchy) and ν = 2", () => {
    for (const t of [-3, -0.7, 0, 0.4, 2.5, 10]) {
      close(studentTCdf(t, 1), 0.5 + Math.atan(t) / Math.PI, 1e-12, `Cauchy CDF at ${t}`);
      close(studentTCdf(t, 2), 0.5 + t / (2 * Math.sqrt(2 + t * t)), 1e-12, `ν = 2 CDF at ${t}`);
    }
  });

  test("quantiles match the published t table", () => {
    const table: [number, number, number][] = [
      [0.975, 1, 12.706],
      [0.975, 2, 4.303],
      [0.975, 4, 2.776],
      [0.975, 9, 2.262],
      [0.975, 29, 2.045],
      [0.8, 2, 1.061],
      [0.8, 9, 0.883],
      [0.8, 29, 0.854],
      [0.95, 5, 2.015],
      [0.995, 10, 3.169],
    ];
    for (const [p, df, expected] of table) close(studentTQuantile(p, df), expected, 5e-4, `t(${p}, ${df})`);
    close(studentTQuantile(0.975, 1e6), 1.959966, 1e-5, "t(0.975, ∞) → z");
    close(studentTQuantile(0.025, 9), -studentTQuantile(0.975, 9), 1e-12, "symmetry");
    assert.equal(studentTQuantile(0.5, 3), 0);
  });

  test("the quantile inverts the CDF, and bad arguments are refused", () => {
    for (const df of [1, 2.5, 7, 40]) for (const p of [0.01, 0.2, 0.8, 0.975, 0.999]) close(studentTCdf(studentTQuantile(p, df), df), p, 1e-12, `CDF(quantile(${p}, ${df}))`);
    assert.throws(() => studentTQuantile(1, 3), /p in \(0, 1\)/);
    assert.throws(() => studentTQuantile(0.5, 0), /degrees of freedom must be a positive number/);
  });
});
