/**
 * A speed result's files: bench/results/<date>.json and .md for a full run
 * of every part; a quick run or a subset (`--only`) gets a suffix, so it never
 * replaces the day's full result (nor any other: common/files.ts).
 */
import { RESULTS_DIR, writeResultFiles } from "../common/files";
import { benchMarkdown } from "./report";
import { BENCH_PARTS, BenchResult } from "./schema";

export function resultBaseName(result: Pick<BenchResult, "date" | "parts" | "settings">): string {
  const all = BENCH_PARTS.every((p) => result.parts.includes(p));
  const quick = result.settings.mode === "quick" ? "-quick" : "";
  const only = all ? "" : `-only-${result.parts.join("-")}`;
  return `${result.date}${quick}${only}`;
}

/** Writes the result's files under `dir` without replacing any (freeBaseName); returns their paths. */
export function writeBenchResult(result: BenchResult, dir = RESULTS_DIR): { json: string; markdown: string } {
  return writeResultFiles(dir, resultBaseName(result), result, benchMarkdown(result));
}
