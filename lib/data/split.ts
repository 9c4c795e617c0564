/**
 * Stratified train/val re-split by patient: every image of a patient lands on
 * the same side, and each class's share of the validation side is as close to
 * `valFraction` as whole patients allow. The published chest X-ray val folder
 * has only 16 images, hence this.
 */
import { Sample } from "./sample";
import { Random, seededRandom, shuffled } from "./random";

export interface PatientSplitOptions {
  /** Share of each class's images to put in validation (default 0.1). */
  valFraction?: number;
  seed?: number;
}

export interface PatientSplit {
  train: Sample[];
  val: Sample[];
}

/** Groups samples by patient; a sample without a patient id is its own group. */
function patientGroups(samples: readonly Sample[]): Sample[][] {
  const groups = new Map<string, Sample[]>();
  for (const sample of samples) {
    const key = sample.patient ?? `file:${sample.file}#${sample.record ?? ""}`;
    const group = groups.get(key);
    if (group) group.push(sample);
    else groups.set(key, [sample]);
  }
  return [...groups.values()];
}

/** A patient's class for stratification: the most frequent label among their images. */
function majorityLabel(group: readonly Sample[]): number {
  const counts = new Map<number, number>();
  for (const s of group) counts.set(s.label, (counts.get(s.label) ?? 0) + 1);
  return [...counts.entries()].sort((a, b) => b[1] - a[1] || a[0] - b[0])[0][0];
}

function pickValidation(groups: Sample[][], target: number, random: Random): Set<Sample[]> {
  // First a seeded pass that never overshoots, then the smallest remaining
  // patients close the gap: with single-image patients present, the class
  // lands exactly on its target.
  const chosen = new Set<Sample[]>();
  let taken = 0;
  const order = shuffled(groups, random);
  for (const group of order) {
    if (taken + group.length <= target) {
      chosen.add(group);
      taken += group.length;
    }
  }
  const rest = order.filter((g) => !chosen.has(g)).sort((a, b) => a.length - b.length);
  for (const group of rest) {
    if (Math.abs(target - taken - group.length) < Math.abs(target - taken)) {
      chosen.add(group);
      taken += group.length;
    }
  }
  return chosen;
}

export function splitByPatient(samples: readonly Sample[], options: PatientSplitOptions = {}): PatientSplit {
  const valFraction = options.valFraction ?? 0.1;
  if (!(valFraction >= 0 && valFraction < 1)) throw new Error(`valFraction must be in [0, 1), got ${valFraction}`);
  const random = seededRandom(options.seed ?? 0);
  const byClass = new Map<number, Sample[][]>();
  for (const group of patientGroups(samples)) {
    const label = majorityLabel(group);
    byClass.set(label, [...(byClass.get(label) ?? []), group]);
  }
  const valGroups = new Set<Sample[]>();
  for (const label of [...byClass.keys()].sort((a, b) => a - b)) {
    const groups = byClass.get(label) ?? [];
    const images = groups.reduce((n, g) => n + g.length, 0);
    for (const group of pickValidation(groups, Math.round(images * valFraction), random)) valGroups.add(group);
  }
  // Keep the input order on both sides so the split does not depend on Map iteration details.
  const valSamples = new Set<Sample>([...valGroups].flat());
  return { train: samples.filter((s) => !valSamples.has(s)), val: samples.filter((s) => valSamples.has(s)) };
}
