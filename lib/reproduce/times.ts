/**
 * How long the main job's notebooks are expected to take, said before each
 * starts and as a total: the last run of the same profile on this machine
 * (reports/timings.json, written as each notebook finishes), else reference
 * times for 2 cores with an empty model cache. A rerun loads cached
 * teachers and students, so it is faster than the first run; a last-run time
 * says so by its source.
 */
import * as fs from "node:fs";
import * as path from "node:path";
import type { Profile } from "../experiments/config";
import { PROFILE_SEEDS, SeedStudy } from "../experiments/catalog";

const TIMES_FILE = "timings.json";

/** The notebooks whose time grows with their seed study's seed count (PROFILE_SEEDS), by prefix. */
const SEED_STUDY_OF: Readonly<Record<string, SeedStudy>> = { "05": "alone-vs-distilled", "07": "methods", "08": "sweep" };

/**
 * Seconds per notebook (by its two-digit prefix), standard profile, from
 * `npm run reproduce` on a clean clone (empty model cache), 2 cores of the
 * cache-hiding AMD EPYC Zen 5 VM, nothing else running, 2026-12-06 (26 min
 * of notebooks): 05 and 07 train their runs side by side, 08 loads 04's
 * teacher.
 */
const STANDARD_REFERENCE: Readonly<Record<string, number>> = { "00": 10, "01": 337, "02": 125, "03": 221, "04": 212, "05": 223, "06": 27, "07": 242, "08": 168 };

/** Reference seconds for a profile: standard's, each seed study scaled by its seed count for paper; none for quick and full. */
function referenceSeconds(profile: Profile, prefix: string): number | undefined {
  const standard = STANDARD_REFERENCE[prefix];
  if (standard === undefined) return undefined;
  if (profile === "standard") return standard;
  const study = SEED_STUDY_OF[prefix];
  if (profile === "paper") return study ? (standard * PROFILE_SEEDS.paper[study]) / PROFILE_SEEDS.standard[study] : standard;
  return undefined;
}

type TimesRecord = Partial<Record<Profile, Record<string, number>>>;

function readTimes(reportsDir: string): TimesRecord {
  const file = path.join(reportsDir, TIMES_FILE);
  if (!fs.existsSync(file)) return {};
  try {
    const parsed = JSON.parse(fs.readFileSync(file, "utf8")) as unknown;
    return typeof parsed === "object" && parsed !== null ? (parsed as TimesRecord) : {};
  } catch {
    // A damaged timings file only costs the estimate; the job itself rewrites it.
    return {};
  }
}

/** Records a finished notebook's time for the next run's estimate. */
export function recordNotebookTime(reportsDir: string, profile: Profile, name: string, seconds: number): void {
  const times = readTimes(reportsDir);
  times[profile] = { ...(times[profile] ?? {}), [name]: Math.round(seconds) };
  fs.writeFileSync(path.join(reportsDir, TIMES_FILE), `${JSON.stringify(times, null, 2)}\n`);
}

export interface ExpectedTime {
  name: string;
  seconds: number | undefined;
  source: "last run here" | "reference" | undefined;
}

/** Each notebook's expected seconds (by name, e.g. "03-pneumonia-model2"), from the last run here or the reference. */
export function expectedTimes(reportsDir: string, profile: Profile, names: readonly string[]): ExpectedTime[] {
  const lastRun = readTimes(reportsDir)[profile] ?? {};
  return names.map((name) => {
    if (lastRun[name] !== undefined) return { name, seconds: lastRun[name], source: "last run here" };
    const reference = referenceSeconds(profile, name.slice(0, 2));
    return { name, seconds: reference, source: reference === undefined ? undefined : "reference" };
  });
}

export function formatDuration(seconds: number): string {
  if (seconds < 90) return `${Math.round(seconds)} s`;
  return `${Math.round(seconds / 60)} min`;
}

/** One line: every notebook's expectation and the total, with where the numbers come from. */
export function expectationLine(times: readonly ExpectedTime[], profile: Profile): string {
  const known = times.filter((t) => t.seconds !== undefined);
  if (known.length === 0) return `expected time: none recorded for the ${profile} profile yet (this run records it in reports/${TIMES_FILE})`;
  const total = known.reduce((sum, t) => sum + (t.seconds as number), 0);
  const sources = [...new Set(known.map((t) => (t.source === "reference" ? "reference times (2 cores, empty model cache)" : "the last run on this machine (cached models make reruns faster)")))];
  const missing = times.length - known.length;
  return `expected time: ${times.map((t) => `${t.name.slice(0, 2)} ${t.seconds === undefined ? "?" : formatDuration(t.seconds)}`).join(" · ")}; total ${formatDuration(total)}${missing ? ` + ${missing} unknown` : ""} (from ${sources.join(" and ")})`;
}
