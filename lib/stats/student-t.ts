/**
 * Student's t distribution: its CDF through the regularised incomplete beta
 * function, P(T ≤ t) = 1 − ½·I_{ν/(ν+t²)}(ν/2, ½) for t ≥ 0 (symmetric below
 * 0), and its quantile as the numeric inverse of that CDF (bisection to
 * machine precision). The incomplete beta is Lentz's continued fraction
 * (Numerical Recipes §6.4); ln Γ is Stirling's series.
 * Any real ν > 0, so seed studies of every size get exact quantiles.
 */

/** ln Γ(x) for x > 0: Stirling's series at x ≥ 15 (error under 1e-15), reached by Γ(x + 1) = x·Γ(x) from below. */
export function lnGamma(x: number): number {
  if (!(x > 0)) throw new Error(`lnGamma: x must be positive, got ${x}`);
  let shift = 0;
  while (x < 15) {
    shift += Math.log(x);
    x += 1;
  }
  const inv = 1 / x;
  const inv2 = inv * inv;
  const series = inv * (1 / 12 - inv2 * (1 / 360 - inv2 * (1 / 1260 - inv2 * (1 / 1680 - inv2 / 1188))));
  return (x - 0.5) * Math.log(x) - x + 0.5 * Math.log(2 * Math.PI) + series - shift;
}

/** The continued fraction of the incomplete beta (converges fast for x < (a + 1) / (a + b + 2)). */
function betaContinuedFraction(x: number, a: number, b: number): number {
  const tiny = 1e-300;
  let c = 1;
  let d = 1 - ((a + b) * x) / (a + 1);
  if (Math.abs(d) < tiny) d = tiny;
  d = 1 / d;
  let h = d;
  for (let m = 1; m <= 10000; m++) {
    const m2 = 2 * m;
    let aa = (m * (b - m) * x) / ((a + m2 - 1) * (a + m2));
    d = 1 + aa * d;
    if (Math.abs(d) < tiny) d = tiny;
    c = 1 + aa / c;
    if (Math.abs(c) < tiny) c = tiny;
    d = 1 / d;
    h *= d * c;
    aa = (-(a + m) * (a + b + m) * x) / ((a + m2) * (a + m2 + 1));
    d = 1 + aa * d;
    if (Math.abs(d) < tiny) d = tiny;
    c = 1 + aa / c;
    if (Math.abs(c) < tiny) c = tiny;
    d = 1 / d;
    const step = d * c;
    h *= step;
    if (Math.abs(step - 1) < 1e-16) return h;
  }
  return h;
}

/** The regularised incomplete beta function I_x(a, b), x in [0, 1]. */
export function incompleteBeta(x: number, a: number, b: number): number {
  if (!(x >= 0 && x <= 1)) throw new Error(`incompleteBeta: x must be in [0, 1], got ${x}`);
  if (x === 0 || x === 1) return x;
  const front = Math.exp(lnGamma(a + b) - lnGamma(a) - lnGamma(b) + a * Math.log(x) + b * Math.log(1 - x));
  return x < (a + 1) / (a + b + 2) ? (front * betaContinuedFraction(x, a, b)) / a : 1 - (front * betaContinuedFraction(1 - x, b, a)) / b;
}

function checkDf(degreesOfFreedom: number): void {
  if (!(Number.isFinite(degreesOfFreedom) && degreesOfFreedom > 0)) throw new Error(`degrees of freedom must be a positive number, got ${degreesOfFreedom}`);
}

/** P(T ≤ t) for Student's t with ν degrees of freedom. */
export function studentTCdf(t: number, degreesOfFreedom: number): number {
  checkDf(degreesOfFreedom);
  if (Number.isNaN(t)) return NaN;
  if (t === Infinity) return 1;
  if (t === -Infinity) return 0;
  const tail = 0.5 * incompleteBeta(degreesOfFreedom / (degreesOfFreedom + t * t), degreesOfFreedom / 2, 0.5);
  return t >= 0 ? 1 - tail : tail;
}

/** The p quantile of Student's t with ν degrees of freedom (the t with P(T ≤ t) = p), p in (0, 1). */
export function studentTQuantile(p: number, degreesOfFreedom: number): number {
  checkDf(degreesOfFreedom);
  if (!(p > 0 && p < 1)) throw new Error(`a t quantile needs p in (0, 1), got ${p}`);
  if (p === 0.5) return 0;
  // The CDF is monotone: widen a bracket until it holds p, then halve it until it cannot shrink.
  let lo = -1;
  let hi = 1;
  while (studentTCdf(lo, degreesOfFreedom) > p) lo *= 2;
  while (studentTCdf(hi, degreesOfFreedom) < p) hi *= 2;
  for (let i = 0; i < 200; i++) {
    const mid = (lo + hi) / 2;
    if (mid === lo || mid === hi) break;
    if (studentTCdf(mid, degreesOfFreedom) < p) lo = mid;
    else hi = mid;
  }
  return (lo + hi) / 2;
}
