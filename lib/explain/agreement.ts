/**
 * How much two heatmaps of the same image agree: Pearson correlation of the
 * values (do they rise and fall together, whatever their scale) and the IoU
 * of their hottest regions (do they point at the same place). The hottest
 * region of a map is its top `topFraction` of pixels by value (default 20 %).
 */

export interface MapAgreement {
  /** In [−1, 1]; NaN when either map is constant (no variation to correlate). */
  pearson: number;
  /** Intersection over union of the two top regions, in [0, 1]; NaN when either map is constant (it has no hottest region). */
  topIoU: number;
}

export type HeatmapValues = ArrayLike<number>;

function checkPair(a: HeatmapValues, b: HeatmapValues): void {
  if (a.length !== b.length) throw new Error(`map agreement: the maps have ${a.length} and ${b.length} pixels; they must cover the same image`);
  if (a.length === 0) throw new Error("map agreement: the maps are empty");
}

export function pearsonCorrelation(a: HeatmapValues, b: HeatmapValues): number {
  checkPair(a, b);
  const n = a.length;
  let meanA = 0;
  let meanB = 0;
  for (let i = 0; i < n; i++) {
    meanA += a[i] / n;
    meanB += b[i] / n;
  }
  let covariance = 0;
  let varianceA = 0;
  let varianceB = 0;
  for (let i = 0; i < n; i++) {
    const da = a[i] - meanA;
    const db = b[i] - meanB;
    covariance += da * db;
    varianceA += da * da;
    varianceB += db * db;
  }
  if (varianceA === 0 || varianceB === 0) return NaN;
  return Math.max(-1, Math.min(1, covariance / Math.sqrt(varianceA * varianceB)));
}

/** Indices of the top `fraction` of pixels by value (ties broken by position, so the region has exactly round(fraction·n) pixels). */
export function topRegion(values: HeatmapValues, fraction = 0.2): Set<number> {
  if (!(fraction > 0 && fraction <= 1)) throw new Error(`topRegion: fraction must lie in (0, 1], got ${fraction}`);
  const count = Math.max(1, Math.round(fraction * values.length));
  const order = Array.from({ length: values.length }, (_, i) => i).sort((i, j) => values[j] - values[i] || i - j);
  return new Set(order.slice(0, count));
}

function isConstant(values: HeatmapValues): boolean {
  for (let i = 1; i < values.length; i++) if (values[i] !== values[0]) return false;
  return true;
}

export function topRegionIoU(a: HeatmapValues, b: HeatmapValues, fraction = 0.2): number {
  checkPair(a, b);
  if (isConstant(a) || isConstant(b)) return NaN;
  const regionA = topRegion(a, fraction);
  const regionB = topRegion(b, fraction);
  let intersection = 0;
  for (const i of regionA) if (regionB.has(i)) intersection++;
  return intersection / (regionA.size + regionB.size - intersection);
}

export function mapAgreement(a: HeatmapValues, b: HeatmapValues, topFraction = 0.2): MapAgreement {
  return { pearson: pearsonCorrelation(a, b), topIoU: topRegionIoU(a, b, topFraction) };
}

/** The IoU two unrelated maps get by chance: two random regions of share f overlap f², so IoU = f / (2 − f) (0.111 for 20 %). */
export function chanceTopIoU(fraction = 0.2): number {
  return fraction / (2 - fraction);
}
