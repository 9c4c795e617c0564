/**
 * JSON that loses no number: a run's metrics hold numbers JSON has no words
 * for. The ROC's first threshold is +Infinity ("no image
 * positive"), and so is Youden's threshold chosen there. AUC is NaN when a
 * split holds one class, and a diverged epoch's loss is NaN. JSON.stringify
 * writes all of these as null, so a run read back from the model cache or a
 * result.json said "null" where it had said ∞. Here they are written as the
 * strings "Infinity", "-Infinity" and "NaN" (standard JSON, which
 * Python's float() and JavaScript's Number() turn back into numbers), and
 * read back as numbers. Used wherever a
 * run's numbers are stored: run.json (model-cache entries, run folders' final
 * models), result.json, the trainer's resumable state.json, history.json,
 * model cards and a sweep's best.json. A string field that is exactly one of
 * the three words would come back as a number; no such field holds a bare
 * word (names, notes and descriptions are sentences).
 */
import * as fs from "node:fs";

const WRITTEN: ReadonlyMap<string, number> = new Map([
  ["Infinity", Infinity],
  ["-Infinity", -Infinity],
  ["NaN", NaN],
]);

function nonFiniteAsText(_key: string, value: unknown): unknown {
  if (typeof value === "number" && !Number.isFinite(value)) return Number.isNaN(value) ? "NaN" : value > 0 ? "Infinity" : "-Infinity";
  return value;
}

function textAsNonFinite(_key: string, value: unknown): unknown {
  return typeof value === "string" && WRITTEN.has(value) ? WRITTEN.get(value) : value;
}

/** `value` as JSON text, non-finite numbers as "Infinity", "-Infinity", "NaN"; ends with a newline. */
export function losslessJson(value: unknown, indent?: number): string {
  return `${JSON.stringify(value, nonFiniteAsText, indent)}\n`;
}

/** Parses lossless JSON, turning "Infinity", "-Infinity" and "NaN" back into numbers. */
export function parseLosslessJson<T>(text: string): T {
  return JSON.parse(text, textAsNonFinite) as T;
}

/** Reads a lossless JSON file; a file that is not JSON throws naming the file. */
export function readLosslessJson<T>(file: string): T {
  const text = fs.readFileSync(file, "utf8");
  try {
    return parseLosslessJson<T>(text);
  } catch (error) {
    throw new Error(`${file}: not valid JSON (${(error as Error).message})`);
  }
}
