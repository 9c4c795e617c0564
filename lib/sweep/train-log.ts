/**
 * What a `kdlab train` child's train.log says went wrong: kdlab train's own
 * error line when it printed one ("kdlab train: <file>: <problem>"), else its
 * last lines (a crash, a kill, a Python traceback). Shared by the sweep's
 * failed trials and the side-by-side study runs.
 */
import * as fs from "node:fs";

export function trainLogError(logFile: string, lastCount = 3): string {
  let log: string;
  try {
    log = fs.readFileSync(logFile, "utf8");
  } catch {
    return "no train.log";
  }
  const lines = log.split("\n").map((line) => line.trim()).filter(Boolean);
  const said = lines.filter((line) => /^kdlab( train)?[^:]*: /.test(line)).at(-1);
  return said ?? lines.slice(-lastCount).join(" / ");
}
