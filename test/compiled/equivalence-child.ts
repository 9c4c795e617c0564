/**
 * Runs compiled-against-eager comparisons (cases.ts) in their own process and
 * writes one JSON line per case, so a test can choose the process's oneDNN
 * setting (it must be in the environment before TensorFlow loads). Usage:
 *   node --import tsx test/compiled/equivalence-child.ts [--results=FILE] [--batch-seed=N] <case>…
 * Lines go to FILE, else stdout (where oneDNN's log, if on, lands too).
 * --batch-seed draws other batches than the tests' (to check a tolerance's
 * margin on other data).
 */
import * as fs from "node:fs";
import { initBackend } from "../../lib/runtime/backend";
import { EQUIVALENCE_CASES, isCaseName } from "./cases";
import { LockstepResult, lockstepRun, TwinRunResult, twinRun } from "./equivalence";

/** What the child writes per case; `error` instead of a result when the case threw. */
export type CaseLine = { case: string; seconds: number } & ({ kind: "twin"; result: TwinRunResult } | { kind: "lockstep"; result: LockstepResult } | { error: string });

async function main(): Promise<void> {
  const args = process.argv.slice(2);
  const option = (name: string): string | undefined => args.find((a) => a.startsWith(`--${name}=`))?.slice(name.length + 3);
  const seedText = option("batch-seed");
  const seed = seedText === undefined ? undefined : Number(seedText);
  if (seed !== undefined && !Number.isInteger(seed)) throw new Error(`--batch-seed must be an integer, got ${seedText}`);
  const resultsFile = option("results");
  const emit = (value: object): void => {
    const text = `${JSON.stringify(value)}\n`;
    if (resultsFile) fs.appendFileSync(resultsFile, text);
    else process.stdout.write(text);
  };
  const names = args.filter((a) => !a.startsWith("--"));
  const unknown = names.filter((n) => !isCaseName(n));
  if (names.length === 0 || unknown.length > 0) throw new Error(`unknown or no cases (${unknown.join(", ")}); known: ${Object.keys(EQUIVALENCE_CASES).join(", ")}`);
  const backend = await initBackend();
  emit({ backend: backend.line });
  for (const name of names.filter(isCaseName)) {
    const c = EQUIVALENCE_CASES[name];
    const options = seed === undefined ? c.options : { ...c.options, seed };
    const started = Date.now();
    const seconds = (): number => (Date.now() - started) / 1000;
    let line: CaseLine;
    try {
      line = c.kind === "twin" ? { case: name, kind: "twin", result: await twinRun(options), seconds: seconds() } : { case: name, kind: "lockstep", result: await lockstepRun(options), seconds: seconds() };
    } catch (error: unknown) {
      line = { case: name, error: error instanceof Error ? (error.stack ?? error.message) : String(error), seconds: seconds() };
    }
    emit(line);
  }
}

main().catch((error: unknown) => {
  console.error(error instanceof Error ? error.stack : error);
  process.exit(1);
});
