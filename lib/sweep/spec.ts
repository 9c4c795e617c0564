/**
 * What a sweep tries, as data: grid axes (`--grid key=v1,v2`), random axes
 * (`--random N --range key=lo:hi[:log]`, drawn once with a seed and stored),
 * seeds (`--seeds K`: the experiment's seed and the K − 1 after it) and fixed
 * overrides (`--set`). `expandTrials` turns it into trials, in a fixed order
 * (grid points × random draws × seeds, the last axis fastest), each a set of
 * `key=value` overrides of `kdlab train` with an id that names them.
 * Every trial's config is built and validated before anything runs, so a
 * typo fails the sweep at once, not in trial 7.
 */
import { mixSeed, seededRandom } from "../data/random";
import { applyOverrides, ConfigError, getExperiment, isExperimentName, isProfile, PROFILES, unknownExperimentMessage } from "../experiments/index";
import type { ExperimentConfig, ExperimentName, Profile } from "../experiments/index";

/** A swept key and the values given for it, as `--set` would take them. */
export interface GridAxis {
  key: string;
  values: string[];
}

/** A key drawn uniformly (or log-uniformly) from [lo, hi]. */
export interface RangeAxis {
  key: string;
  lo: number;
  hi: number;
  log: boolean;
}

export interface SweepSpec {
  experiment: ExperimentName;
  profile: Profile;
  grid: GridAxis[];
  /** Random draws per grid point (0: none). */
  random: number;
  ranges: RangeAxis[];
  /** Seed of the random draws. */
  randomSeed: number;
  /** The seeds every setting is trained with. */
  seeds: number[];
  /** Overrides every trial shares. */
  set: string[];
}

export interface Trial {
  /** Folder name: index and the swept values, e.g. `003-temperature=4-alpha=0.5-seed=42`. */
  id: string;
  /** The swept keys' values (grid and random), by key path. */
  values: Record<string, string>;
  seed: number;
  /** Every `--set` this trial passes to `kdlab train`: the shared ones, then the swept ones, then the seed. */
  overrides: string[];
}

/** A bad `--grid`, `--range`, `--seeds` or a trial whose config does not validate. */
export class SweepSpecError extends Error {}

/** `key=v1,v2,...` → a grid axis. */
export function parseGridAxis(text: string): GridAxis {
  const match = /^([^=]+)=(.+)$/.exec(text);
  if (!match) throw new SweepSpecError(`--grid takes key=v1,v2,...; got "${text}"`);
  const values = match[2].split(",").map((v) => v.trim());
  if (values.some((v) => v === "")) throw new SweepSpecError(`--grid ${match[1]}: an empty value in "${match[2]}"`);
  if (new Set(values).size !== values.length) throw new SweepSpecError(`--grid ${match[1]}: a value given twice in "${match[2]}"`);
  return { key: match[1].trim(), values };
}

/** `key=lo:hi` or `key=lo:hi:log` → a random axis. */
export function parseRangeAxis(text: string): RangeAxis {
  const match = /^([^=]+)=([^:]+):([^:]+)(?::(log|linear))?$/.exec(text);
  if (!match) throw new SweepSpecError(`--range takes key=lo:hi or key=lo:hi:log; got "${text}"`);
  const [lo, hi] = [Number(match[2]), Number(match[3])];
  const log = match[4] === "log";
  if (!Number.isFinite(lo) || !Number.isFinite(hi) || !(lo < hi)) throw new SweepSpecError(`--range ${match[1]}: needs numbers lo < hi, got "${match[2]}:${match[3]}"`);
  if (log && lo <= 0) throw new SweepSpecError(`--range ${match[1]}: a log range needs lo > 0, got ${lo}`);
  return { key: match[1].trim(), lo, hi, log };
}

export interface SpecOptions {
  experiment: string;
  profile?: string;
  grid?: string[];
  random?: number;
  ranges?: string[];
  randomSeed?: number;
  seeds?: number;
  set?: string[];
}

/** Checks the flags and builds the spec; the seeds start at the experiment's own seed (after `--set seed=` if given). */
export function sweepSpec(options: SpecOptions): SweepSpec {
  const { experiment, profile = "quick", random = 0, randomSeed = 0, seeds: seedCount = 1, set = [] } = options;
  if (!isExperimentName(experiment)) throw new SweepSpecError(unknownExperimentMessage(experiment));
  if (!isProfile(profile)) throw new SweepSpecError(`--profile must be ${PROFILES.join(" or ")}, got "${profile}"`);
  const grid = (options.grid ?? []).map(parseGridAxis);
  const ranges = (options.ranges ?? []).map(parseRangeAxis);
  if (!Number.isInteger(random) || random < 0) throw new SweepSpecError(`--random must be a whole number ≥ 0, got ${random}`);
  if (random > 0 && ranges.length === 0) throw new SweepSpecError("--random needs at least one --range key=lo:hi[:log]");
  if (random === 0 && ranges.length > 0) throw new SweepSpecError("--range needs --random N (how many draws)");
  if (!Number.isInteger(seedCount) || seedCount < 1) throw new SweepSpecError(`--seeds must be a whole number ≥ 1, got ${seedCount}`);
  const keys = [...grid.map((a) => a.key), ...ranges.map((a) => a.key)];
  const twice = keys.find((key, i) => keys.indexOf(key) !== i);
  if (twice) throw new SweepSpecError(`${twice} is swept twice`);
  if (keys.includes("seed")) throw new SweepSpecError("seed is swept with --seeds K, not --grid or --range");
  if (keys.length === 0 && seedCount === 1) throw new SweepSpecError("nothing to sweep: give --grid key=v1,v2, --random N --range key=lo:hi, or --seeds K > 1");
  const base = configOf(experiment, profile, set);
  const seeds = Array.from({ length: seedCount }, (_, i) => base.seed + i);
  const spec: SweepSpec = { experiment, profile, grid, random, ranges, randomSeed, seeds, set };
  expandTrials(spec);
  return spec;
}

function configOf(experiment: ExperimentName, profile: Profile, overrides: string[]): ExperimentConfig {
  try {
    return applyOverrides(getExperiment(experiment, profile), overrides);
  } catch (error) {
    if (error instanceof ConfigError) throw new SweepSpecError(error.message);
    throw error;
  }
}

/** The swept keys, in order: grid axes, then random ones. */
export function sweptKeys(spec: SweepSpec): string[] {
  return [...spec.grid.map((a) => a.key), ...spec.ranges.map((a) => a.key)];
}

/** The last part of a key path, for ids and column titles (`distillation.params.temperature` → `temperature`). */
export function shortKey(key: string): string {
  return key.split(".").at(-1) ?? key;
}

function gridPoints(grid: readonly GridAxis[]): Record<string, string>[] {
  return grid.reduce<Record<string, string>[]>((points, axis) => points.flatMap((point) => axis.values.map((value) => ({ ...point, [axis.key]: value }))), [{}]);
}

/** Four significant digits: readable in a folder name, exact enough for a hyper-parameter. */
function drawn(value: number): string {
  return String(Number(value.toPrecision(4)));
}

function randomDraws(spec: SweepSpec): Record<string, string>[] {
  if (spec.random === 0) return [{}];
  const random = seededRandom(mixSeed(spec.randomSeed, 0x5eed));
  return Array.from({ length: spec.random }, () =>
    Object.fromEntries(
      spec.ranges.map((axis) => {
        const u = random();
        const value = axis.log ? Math.exp(Math.log(axis.lo) + u * (Math.log(axis.hi) - Math.log(axis.lo))) : axis.lo + u * (axis.hi - axis.lo);
        return [axis.key, drawn(value)];
      }),
    ),
  );
}

const safe = (text: string): string => text.replace(/[^A-Za-z0-9._=+-]/g, "_");

/** Every trial of the spec, in order; throws a SweepSpecError naming the trial whose overrides do not validate. */
export function expandTrials(spec: SweepSpec): Trial[] {
  const points = gridPoints(spec.grid).flatMap((point) => randomDraws(spec).map((draw) => ({ ...point, ...draw })));
  const trials: Trial[] = [];
  for (const values of points) {
    for (const seed of spec.seeds) {
      const index = String(trials.length + 1).padStart(3, "0");
      const named = [...Object.entries(values).map(([k, v]) => `${shortKey(k)}=${v}`), `seed=${seed}`];
      const overrides = [...spec.set, ...Object.entries(values).map(([k, v]) => `${k}=${v}`), `seed=${seed}`];
      const id = safe([index, ...named].join("-"));
      try {
        applyOverrides(getExperiment(spec.experiment, spec.profile), overrides);
      } catch (error) {
        if (error instanceof ConfigError) throw new SweepSpecError(`trial ${id}: ${error.message}`);
        throw error;
      }
      trials.push({ id, values, seed, overrides });
    }
  }
  return trials;
}

/** The trial's full config (for grouping trials by the teacher they share). */
export function trialConfig(spec: SweepSpec, trial: Trial): ExperimentConfig {
  return configOf(spec.experiment, spec.profile, trial.overrides);
}
