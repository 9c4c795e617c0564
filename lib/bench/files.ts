/**
 * Where a bench result goes: bench/results/<date>.json and .md for a full run
 * of every part; a quick run or a subset (`--only`) gets a suffix, so it never
 * replaces the day's full result.
 */
import * as fs from "node:fs";
import * as path from "node:path";
import { PROJECT_ROOT } from "../notebook/python";
import { benchMarkdown } from "./report";
import { BENCH_PARTS, BenchResult } from "./schema";

export const RESULTS_DIR = path.join(PROJECT_ROOT, "bench", "results");

export function resultBaseName(result: Pick<BenchResult, "date" | "parts" | "settings">): string {
  const all = BENCH_PARTS.every((p) => result.parts.includes(p));
  const quick = result.settings.mode === "quick" ? "-quick" : "";
  const only = all ? "" : `-only-${result.parts.join("-")}`;
  return `${result.date}${quick}${only}`;
}

/** Writes `value` as <dir>/<base>.json and `markdown` as <dir>/<base>.md; returns their paths. */
export function writeResultFiles(dir: string, base: string, value: unknown, markdown: string): { json: string; markdown: string } {
  fs.mkdirSync(dir, { recursive: true });
  const stem = path.join(dir, base);
  fs.writeFileSync(`${stem}.json`, `${JSON.stringify(value, null, 2)}\n`);
  fs.writeFileSync(`${stem}.md`, markdown);
  return { json: `${stem}.json`, markdown: `${stem}.md` };
}

/** Writes <base>.json and <base>.md under `dir`; returns their paths. */
export function writeBenchResult(result: BenchResult, dir = RESULTS_DIR): { json: string; markdown: string } {
  return writeResultFiles(dir, resultBaseName(result), result, benchMarkdown(result));
}
