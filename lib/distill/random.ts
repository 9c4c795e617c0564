/** Small seeded random numbers for the trainer (sampling, dropout masks). */

/** mulberry32: a fast 32-bit generator; the same seed gives the same stream. */
export function seededRandom(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

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
