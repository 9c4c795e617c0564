/**
 * Where a bench result goes: bench/results/<date>.json and .md for a full run
 * of every part; a quick run or a subset (`--only`) gets a suffix, so it never
 * replaces the day's full result, and a result of another machine kind (CPU,
 * ISA, caches) already there keeps its name: the new one gets "-2", "-3", ….
 */
import * as fs from "node:fs";
import * as path from "node:path";
import { PROJECT_ROOT } from "../notebook/python";
import { describeCpu, MachineInfo } from "./machine";
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

/** The machine a result file under `dir` was written on, or undefined when there is none (or it cannot be read). */
function machineOf(file: string): MachineInfo | undefined {
  try {
    return (JSON.parse(fs.readFileSync(file, "utf8")) as Pick<BenchResult, "machine">).machine;
  } catch {
    return undefined;
  }
}

/** The first of <base>, <base>-2, … that is free or holds a result of this same machine kind (a rerun replaces its own). */
export function freeBaseName(dir: string, base: string, machine: MachineInfo): string {
  const kind = `${describeCpu(machine)} · ${machine.cores} cores`;
  for (let n = 1; ; n++) {
    const candidate = n === 1 ? base : `${base}-${n}`;
    const existing = machineOf(path.join(dir, `${candidate}.json`));
    if (!existing || `${describeCpu(existing)} · ${existing.cores} cores` === kind) return candidate;
  }
}

/** Writes <base>.json and <base>.md under `dir` (another machine's result of the same name is kept: freeBaseName); returns their paths. */
export function writeBenchResult(result: BenchResult, dir = RESULTS_DIR): { json: string; markdown: string } {
  return writeResultFiles(dir, freeBaseName(dir, resultBaseName(result), result.machine), result, benchMarkdown(result));
}
