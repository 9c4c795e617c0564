/**
 * Class counts and class weights of a split as a danfojs DataFrame. Weights
 * are "balanced" (n_samples / (n_classes · count), as scikit-learn does), so a
 * weighted loss treats the 1:2.9 NORMAL:PNEUMONIA imbalance evenly.
 */
import type * as dfd from "danfojs-node";
import { Sample } from "./sample";

export interface ClassCount {
  label: number;
  className: string;
  count: number;
  weight: number;
}

export function classCounts(samples: readonly Sample[], classNames: readonly string[]): ClassCount[] {
  const counts = classNames.map(() => 0);
  for (const s of samples) counts[s.label]++;
  const present = counts.filter((c) => c > 0).length;
  return classNames.map((className, label) => ({
    label,
    className,
    count: counts[label],
    weight: counts[label] === 0 ? 0 : samples.length / (present * counts[label]),
  }));
}

/** Columns: class, count, share, weight; one row per class. */
export function classCountsFrame(samples: readonly Sample[], classNames: readonly string[]): dfd.DataFrame {
  // Loaded here, not at import: danfojs-node loads tfjs-node, which must come after initBackend's oneDNN setting.
  // eslint-disable-next-line @typescript-eslint/no-require-imports
  const danfo = require("danfojs-node") as typeof dfd;
  const rows = classCounts(samples, classNames);
  return new danfo.DataFrame({
    class: rows.map((r) => r.className),
    count: rows.map((r) => r.count),
    share: rows.map((r) => (samples.length === 0 ? 0 : r.count / samples.length)),
    weight: rows.map((r) => r.weight),
  });
}
