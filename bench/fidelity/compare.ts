/**
 * Whether kdlab's mean over seeds lies within Keras's seed spread (each
 * framework's spread is lib/stats/summary.ts spreadOf), judged two
 * ways: Keras's mean ± 2 sd, and its lowest–highest seed. With three seeds
 * neither is a test, only a sign of a gap larger than the seeds' own scatter.
 */
import type { Spread } from "../../lib/stats/summary";
import type { FidelityComparison } from "./schema";

export function compareSpreads(metric: FidelityComparison["metric"], kdlab: Spread, keras: Spread): FidelityComparison {
  const kerasTwoSd: [number, number] = [keras.mean - 2 * keras.sd, keras.mean + 2 * keras.sd];
  const kerasRange: [number, number] = [keras.min, keras.max];
  const within = ([lo, hi]: [number, number]): boolean => kdlab.mean >= lo && kdlab.mean <= hi;
  return { metric, kdlabMean: kdlab.mean, kerasMean: keras.mean, difference: kdlab.mean - keras.mean, kerasTwoSd, withinTwoSd: within(kerasTwoSd), kerasRange, withinRange: within(kerasRange) };
}
