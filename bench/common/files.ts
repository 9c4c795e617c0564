/**
 * Where bench results go, bench/results/, and how a result's files are
 * written: <name>.json and <name>.md. No result file is ever replaced: where
 * the name is taken (another machine kind, or a rerun on this one), the new
 * result is written as "-2", "-3", … (a same-kind rerun used to replace its
 * own, and overwrote a run the README cited). The speed and fidelity results
 * name their files (speed/files.ts, fidelity/report.ts) and write them here.
 */
import * as fs from "node:fs";
import * as path from "node:path";
import { PROJECT_ROOT } from "../../lib/runtime/paths";

export const RESULTS_DIR = path.join(PROJECT_ROOT, "bench", "results");

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
