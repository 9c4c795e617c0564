/**
 * What the bench's fidelity part trains: one kdlab experiment (the student
 * trained alone, standard profile) on the shipped real PneumoniaMNIST, once
 * per seed in kdlab and once per seed in Keras. The recipe itself is never
 * written here: it is read from kdlab's experiment catalog at run time
 * (recipe.ts); only the seeds and, for `--quick`, kdlab overrides
 * that shrink it are.
 *
 * Full: 3 seeds × 2 frameworks × up to 5 epochs of 74 steps, about 10–15
 * minutes on 2 cores. Quick: 2 seeds × 1 epoch on small subsets, Keras
 * eager, about a minute, for the test.
 */
import * as path from "node:path";
import type { ExperimentName, Profile } from "../../lib/experiments/config";
import { PROJECT_ROOT } from "../../lib/runtime/paths";
import type { BenchMode } from "../speed/settings";

/** The `--only` name of the part; not in BENCH_PARTS, so a plain `kdlab bench` (speed) does not run it. */
export const FIDELITY_PART = "fidelity";

export interface FidelitySettings {
  mode: BenchMode;
  threads: number;
  experiment: ExperimentName;
  profile: Profile;
  seeds: number[];
  /** `kdlab train --set` overrides applied to the profile's config before the seed (quick mode shrinks it). */
  overrides: string[];
  /** The MedMNIST .npz both frameworks train on. */
  dataFile: string;
  /** Keras trains op by op (run_eagerly): quick runs take a few steps, and tracing the train function would be most of their time. */
  kerasEager: boolean;
}

export const FIDELITY_EXPERIMENT: ExperimentName = "pneumonia-student-alone";
export const FIDELITY_PROFILE: Profile = "standard";
export const FIDELITY_DATA = path.join(PROJECT_ROOT, "data", "pneumoniamnist.npz");

/** The quick variant: one epoch on a few batches; enough for both frameworks to produce every field, not a comparison. */
const QUICK_OVERRIDES = ["epochs=1", "dataset.trainLimit=128", "dataset.validationLimit=64", "dataset.testLimit=128"];

export function fidelitySettings(mode: BenchMode, threads: number): FidelitySettings {
  if (!(Number.isInteger(threads) && threads >= 1)) throw new Error(`bench threads must be a positive integer, got ${threads}`);
  const quick = mode === "quick";
  return {
    mode,
    threads,
    experiment: FIDELITY_EXPERIMENT,
    profile: FIDELITY_PROFILE,
    seeds: quick ? [42, 43] : [42, 43, 44],
    overrides: quick ? [...QUICK_OVERRIDES] : [],
    dataFile: FIDELITY_DATA,
    kerasEager: quick,
  };
}
