/** Seeded Math.random for a train step (dropout masks). */
import { seededRandom } from "../data/random";

/**
 * Runs a synchronous function with Math.random replaced by a seeded stream.
 * tfjs draws unseeded randomness (dropout masks, unseeded initialisers) from
 * Math.random, so this makes a train step reproducible without fixing one mask
 * for every step (which a seed on the dropout layer would do).
 */
export function withSeededMathRandom<T>(seed: number, fn: () => T): T {
  const original = Math.random;
  Math.random = seededRandom(seed);
  try {
    return fn();
  } finally {
    Math.random = original;
  }
}
