/**
 * Where a bench result goes: bench/results/<date>.json and .md for a full run
 * of every part; a quick run or a subset (`--only`) gets a suffix, so it never
 * replaces the day's full result. No result file is ever replaced: where the
 * name is taken (another machine kind, or a rerun on this one), the new result
 * is written as "-2", "-3", … (a same-kind rerun used to replace its own, and
 * overwrote a run the README cited). The fidelity part's files follow the
 * same rule.
 */
import * as fs from "node:fs";
import * as path from "node:path";
import { PROJECT_ROOT } from "../../lib/runtime/paths";
import { benchMarkdown } from "../speed/report";
import { BENCH_PARTS, BenchResult } from "../speed/schema";

export const RESULTS_DIR = path.join(PROJECT_ROOT, "bench", "results");

export function resultBaseName(result: Pick<BenchResult, "date" | "parts" | "settings">): string {
  const all = BENCH_PARTS.every((p) => result.parts.includes(p));
  const quick = result.settings.mode === "quick" ? "-quick" : "";
  const only = all ? "" : `-only-${result.parts.join("-")}`;
  return `${result.date}${quick}${only}`;
}

/** The first of <base>, <base>-2, … under `dir` with neither a .json nor a .md file. */
export function freeBaseName(dir: string, base: string): string {
  for (let n = 1; ; n++) {
    const candidate = n === 1 ? base : `${base}-${n}`;
    if (!fs.existsSync(path.join(dir, `${candidate}.json`)) && !fs.existsSync(path.join(dir, `${candidate}.md`))) return candidate;
  }
}

/** Writes `value` as <dir>/<name>.json and `markdown` as <dir>/<name>.md, <name> the first free of <base>, <base>-2, …; returns their paths. */
export function writeResultFiles(dir: string, base: string, value: unknown, markdown: string): { json: string; markdown: string } {
  fs.mkdirSync(dir, { recursive: true });
  const stem = path.join(dir, freeBaseName(dir, base));
  fs.writeFileSync(`${stem}.json`, `${JSON.stringify(value, null, 2)}\n`);
  fs.writeFileSync(`${stem}.md`, markdown);
  return { json: `${stem}.json`, markdown: `${stem}.md` };
}

/** Writes the result's files under `dir` without replacing any (freeBaseName); returns their paths. */
export function writeBenchResult(result: BenchResult, dir = RESULTS_DIR): { json: string; markdown: string } {
  return writeResultFiles(dir, resultBaseName(result), result, benchMarkdown(result));
}
