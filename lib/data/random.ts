/**
 * Seeded randomness for data work (splits, shuffles, synthetic images,
 * augmentation parameters): the same seed gives the same sequence on every
 * machine, unlike Math.random.
 */

/** A uniform [0, 1) generator (mulberry32: small, fast, good enough for data). */
export type Random = () => number;

export function seededRandom(seed: number): Random {
  let state = (Math.floor(seed) ^ 0x9e3779b9) >>> 0;
  return () => {
    state = (state + 0x6d2b79f5) >>> 0;
    let t = state;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

/** Mixes several integers into one seed, e.g. (seed, epoch) → the epoch's shuffle seed. */
export function mixSeed(...parts: number[]): number {
  let h = 0x811c9dc5;
  for (const part of parts) {
    h = Math.imul(h ^ (Math.floor(part) >>> 0), 0x01000193) >>> 0;
    h ^= h >>> 13;
  }
  return h >>> 0;
}

export function randomInt(random: Random, minInclusive: number, maxInclusive: number): number {
  return minInclusive + Math.floor(random() * (maxInclusive - minInclusive + 1));
}

export function randomUniform(random: Random, min: number, max: number): number {
  return min + random() * (max - min);
}

/** A standard normal draw (Box–Muller). */
export function randomNormal(random: Random): number {
  const u = Math.max(random(), 1e-12);
  return Math.sqrt(-2 * Math.log(u)) * Math.cos(2 * Math.PI * random());
}

/** Fisher–Yates shuffle of a copy. */
export function shuffled<T>(items: readonly T[], random: Random): T[] {
  const out = items.slice();
  for (let i = out.length - 1; i > 0; i--) {
    const j = Math.floor(random() * (i + 1));
    [out[i], out[j]] = [out[j], out[i]];
  }
  return out;
}
