/**
 * "Did this metric improve?" — shared by best-checkpoint, early stopping and
 * reduce-on-plateau, so all three agree on what better means.
 */
export type MonitorMode = "min" | "max";

/** Losses and errors go down; everything else (accuracy, auc, f1, …) goes up. */
export function defaultMode(metric: string): MonitorMode {
  return /loss|error|ece/i.test(metric) ? "min" : "max";
}

export function isImprovement(value: number, best: number | null, mode: MonitorMode, minDelta = 0): boolean {
  if (!Number.isFinite(value)) return false;
  if (best === null) return true;
  return mode === "min" ? value < best - minDelta : value > best + minDelta;
}

/** Reads a metric from an epoch record, with an error that lists what exists. */
export function readMetric(record: Readonly<Record<string, number>>, metric: string, where: string): number {
  const value = record[metric];
  if (value === undefined) {
    throw new Error(`${where}: metric "${metric}" is not recorded; available: ${Object.keys(record).join(", ")}`);
  }
  return value;
}
