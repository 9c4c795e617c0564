/**
 * A summary of measured values: the median (the bench's and Grad-CAM
 * speed's timings, robust to a run slowed by other work on the machine), and
 * the spread over seeds, mean ± sample standard deviation with min and max
 * (seed studies, the fidelity bench), written as "85.1 ± 1.2 %". One value
 * has no sd and is marked "n = 1".
 */

export function median(values: readonly number[]): number {
  if (values.length === 0) throw new Error("median of no values");
  const sorted = [...values].sort((a, b) => a - b);
  const middle = Math.floor(sorted.length / 2);
  return sorted.length % 2 === 1 ? sorted[middle] : (sorted[middle - 1] + sorted[middle]) / 2;
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

/** "85.1 ± 1.2 %" (mean ± sd as percentages); one value is "85.1 % (n = 1)". */
export function formatPercentSpread(spread: Spread, digits = 1): string {
  const pct = (v: number): string => (100 * v).toFixed(digits);
  if (spread.n === 1) return `${pct(spread.mean)} % (n = 1)`;
  return Number.isFinite(spread.sd) ? `${pct(spread.mean)} ± ${pct(spread.sd)} %` : `${pct(spread.mean)} %`;
}
