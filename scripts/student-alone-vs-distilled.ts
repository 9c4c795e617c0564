/**
 * Notebook 05's comparison from the command line, without Jupyter: the final
 * stage's student distilled from its teacher (pneumonia-final) against the
 * same student trained alone (pneumonia-student-alone), over several seeds,
 * through the same seed study (lib/experiments/seed-study.ts) and summaries.
 * Default: the quick profile with 3× the training images and 3 epochs.
 * Usage:
 *   node --import tsx scripts/student-alone-vs-distilled.ts [--profile quick|standard|full] [--seeds N] [--first-seed S] [--set key=value ...]
 */
import * as os from "node:os";
import * as path from "node:path";
import { parseArgs } from "node:util";
import { initBackend } from "../lib/runtime/backend";
import { formatPercentSpread, runExperiment, runSeedStudy, summariseSeedStudy } from "../lib/experiments/index";

/** The quick profile with 3× the training images, 3 epochs and the whole test split. */
const QUICK_VARIANT = ["dataset.trainLimit=48", "dataset.validationLimit=16", "dataset.testLimit=null", "batchSize=16", "epochs=3"];

async function main(): Promise<void> {
  const { values } = parseArgs({ options: { profile: { type: "string", default: "quick" }, seeds: { type: "string", default: "3" }, "first-seed": { type: "string", default: "1" }, set: { type: "string", multiple: true, default: [] } }, strict: true });
  const profile = values.profile as string;
  const shared = [...(profile === "quick" ? QUICK_VARIANT : []), ...(values.set as string[])];
  console.log((await initBackend()).line);
  const runsRoot = path.join(os.tmpdir(), "kdlab-bench-runs");
  const started = Date.now();
  const runs = await runSeedStudy({ profile, seeds: Number(values.seeds), firstSeed: Number(values["first-seed"]), shared }, (config) => runExperiment(config, { runsRoot, progress: "off", log: () => undefined, modelCache: "use" }));
  for (const run of runs) console.log(`seed ${run.seed}: alone ${(100 * run.alone.student.test.accuracy).toFixed(2)} %, distilled ${(100 * run.distilled.student.test.accuracy).toFixed(2)} %`);
  const summary = summariseSeedStudy(runs);
  const d = summary.accuracy.difference;
  console.log(`\n${profile} profile${shared.length ? ` (${shared.join(" ")})` : ""}, seeds ${summary.seeds.join(", ")}, ${summary.teachers} teacher(s)`);
  console.log(`student alone:     ${formatPercentSpread(summary.accuracy.alone)}`);
  console.log(`distilled student: ${formatPercentSpread(summary.accuracy.distilled)}`);
  console.log(`distilled − alone: ${(100 * d.mean).toFixed(2)} points (95 % CI ${(100 * d.ci95[0]).toFixed(2)} to ${(100 * d.ci95[1]).toFixed(2)})`);
  console.log(`total ${((Date.now() - started) / 1000).toFixed(0)} s`);
}

main().catch((error) => {
  console.error(error);
  process.exitCode = 1;
});
