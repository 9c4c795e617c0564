/**
 * The paired difference of two conditions run on the same seeds with its 95 %
 * confidence interval, mean ± t(0.975, n − 1) · sd / √n (Student's t; the
 * pairing removes the seed's own effect, which both conditions share), and
 * the minimum detectable effect of that design: the smallest true difference
 * a two-sided paired t test at α = 0.05 finds with power 0.8,
 * MDE ≈ (t(0.975, n − 1) + t(0.8, n − 1)) · sd / √n. A number from one seed
 * has neither and is marked "n = 1". Used by the seed and method studies
 * (lib/experiments/seed-study.ts, method-study.ts) and their charts.
 */
import { studentTQuantile } from "./student-t";
import { Spread, spreadOf } from "./summary";

/** Two-sided significance level and power of the minimum detectable effect. */
export const MDE_ALPHA = 0.05;
export const MDE_POWER = 0.8;

/** Student's t 0.975 quantile (the 95 % interval's multiplier) for ν degrees of freedom. */
export function tQuantile975(degreesOfFreedom: number): number {
  return studentTQuantile(0.975, degreesOfFreedom);
}

export interface PairedDifference extends Spread {
  /** 95 % confidence interval of the mean difference; NaN bounds for one pair. */
  ci95: [number, number];
  /** Minimum detectable effect at this n and spread (two-sided α 0.05, power 0.8, paired t); NaN for one pair. */
  mde: number;
}

/** (t(1 − α/2, n − 1) + t(power, n − 1)) · sd / √n: the smallest true mean difference a paired t test of n pairs with this sd detects at that power. */
export function minimumDetectableEffect(n: number, sd: number, alpha = MDE_ALPHA, power = MDE_POWER): number {
  if (!(n >= 2) || !Number.isFinite(sd)) return NaN;
  return (studentTQuantile(1 - alpha / 2, n - 1) + studentTQuantile(power, n - 1)) * (sd / Math.sqrt(n));
}

/** b − a per seed (same order), its spread, 95 % interval and minimum detectable effect. */
export function pairedDifference(a: readonly number[], b: readonly number[]): PairedDifference {
  if (a.length !== b.length) throw new Error(`pairedDifference: ${a.length} values against ${b.length}; pairs need the same seeds`);
  const spread = spreadOf(b.map((value, i) => value - a[i]));
  const half = spread.n > 1 ? tQuantile975(spread.n - 1) * (spread.sd / Math.sqrt(spread.n)) : NaN;
  return { ...spread, ci95: [spread.mean - half, spread.mean + half], mde: minimumDetectableEffect(spread.n, spread.sd) };
}

/**
 * A paired difference of proportions in percentage points with its interval
 * and minimum detectable effect: "+0.90 points (95 % CI −5.40 to +7.20; MDE
 * 6.10 points at n = 3)"; one pair: "+0.90 points (n = 1: no interval)".
 */
export function formatPairedPoints(d: PairedDifference, digits = 2): string {
  const pts = (v: number): string => `${v >= 0 ? "+" : "−"}${Math.abs(100 * v).toFixed(digits)}`;
  if (d.n < 2 || !Number.isFinite(d.ci95[0])) return `${pts(d.mean)} points (n = ${d.n}: no interval)`;
  return `${pts(d.mean)} points (95 % CI ${pts(d.ci95[0])} to ${pts(d.ci95[1])}; MDE ${(100 * d.mde).toFixed(digits)} points at n = ${d.n})`;
}

/** The same for a difference on its own scale (e.g. ROC AUC): "+0.004 (95 % CI −0.019 to +0.026; MDE 0.030 at n = 3)". */
export function formatPairedValue(d: PairedDifference, digits = 3): string {
  const num = (v: number): string => `${v >= 0 ? "+" : "−"}${Math.abs(v).toFixed(digits)}`;
  if (!Number.isFinite(d.mean)) return "n/a";
  if (d.n < 2 || !Number.isFinite(d.ci95[0])) return `${num(d.mean)} (n = ${d.n}: no interval)`;
  return `${num(d.mean)} (95 % CI ${num(d.ci95[0])} to ${num(d.ci95[1])}; MDE ${d.mde.toFixed(digits)} at n = ${d.n})`;
}
