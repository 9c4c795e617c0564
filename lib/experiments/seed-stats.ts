/**
 * Spread over seeds: mean, sample standard deviation, and the paired
 * difference of two conditions run on the same seeds with its 95 %
 * confidence interval, mean ± t(0.975, n − 1) · sd / √n (Student's t; the
 * pairing removes the seed's own effect, which both conditions share).
 */

/** Student's t 0.975 quantile for 1–30 degrees of freedom; 1.96 (normal) beyond. */
const T_975 = [12.706, 4.303, 3.182, 2.776, 2.571, 2.447, 2.365, 2.306, 2.262, 2.228, 2.201, 2.179, 2.16, 2.145, 2.131, 2.12, 2.11, 2.101, 2.093, 2.086, 2.08, 2.074, 2.069, 2.064, 2.06, 2.056, 2.052, 2.048, 2.045, 2.042];

export function tQuantile975(degreesOfFreedom: number): number {
  if (!Number.isInteger(degreesOfFreedom) || degreesOfFreedom < 1) throw new Error(`degrees of freedom must be a positive integer, got ${degreesOfFreedom}`);
  return T_975[degreesOfFreedom - 1] ?? 1.96;
}

export interface Spread {
  n: number;
  mean: number;
  /** Sample standard deviation (n − 1); NaN for one value. */
  sd: number;
  min: number;
  max: number;
}

export function spreadOf(values: readonly number[]): Spread {
  if (values.length === 0) throw new Error("spreadOf: no values");
  const n = values.length;
  const mean = values.reduce((a, b) => a + b, 0) / n;
  const sd = n > 1 ? Math.sqrt(values.reduce((a, v) => a + (v - mean) ** 2, 0) / (n - 1)) : NaN;
  return { n, mean, sd, min: Math.min(...values), max: Math.max(...values) };
}

export interface PairedDifference extends Spread {
  /** 95 % confidence interval of the mean difference; NaN bounds for one pair. */
  ci95: [number, number];
}

/** b − a per seed (same order), its spread and 95 % interval. */
export function pairedDifference(a: readonly number[], b: readonly number[]): PairedDifference {
  if (a.length !== b.length) throw new Error(`pairedDifference: ${a.length} values against ${b.length}; pairs need the same seeds`);
  const spread = spreadOf(b.map((value, i) => value - a[i]));
  const half = spread.n > 1 ? tQuantile975(spread.n - 1) * (spread.sd / Math.sqrt(spread.n)) : NaN;
  return { ...spread, ci95: [spread.mean - half, spread.mean + half] };
}

/** "85.1 ± 1.2 %" (mean ± sd as percentages; the sd left out for one value). */
export function formatPercentSpread(spread: Spread, digits = 1): string {
  const pct = (v: number): string => (100 * v).toFixed(digits);
  return Number.isFinite(spread.sd) ? `${pct(spread.mean)} ± ${pct(spread.sd)} %` : `${pct(spread.mean)} %`;
}
