/**
 * The study's closing comparison on the embedded synthetic chest X-rays: the
 * final stage's student distilled from its teacher (pneumonia-final) against
 * the same student trained alone (pneumonia-student-alone), over several
 * seeds, on a slightly larger variant of the quick profile. For each seed the
 * two students start from the same weights and see the same batches.
 * Usage:
 *   node --import tsx bench/student-alone-vs-distilled.ts [--seeds 1,2,3] [--set key=value ...]
 */
import * as os from "node:os";
import * as path from "node:path";
import { initBackend } from "../lib/backend";
import { applyOverrides, ExperimentResult, getExperiment, runExperiment, scalarMetrics } from "../lib/experiments";
import { parseFlags } from "../lib/commands/command";

/** The quick profile with 3× the training images, 3 epochs and the whole (48-image) synthetic test split. */
const VARIANT = ["dataset.trainLimit=48", "dataset.validationLimit=16", "dataset.testLimit=null", "batchSize=16", "epochs=3"];
const METRICS = ["accuracy", "auc", "sensitivity", "specificity"] as const;

function mean(values: number[]): number {
  return values.reduce((a, b) => a + b, 0) / values.length;
}

function sd(values: number[]): number {
  const m = mean(values);
  return values.length < 2 ? 0 : Math.sqrt(values.reduce((a, v) => a + (v - m) ** 2, 0) / (values.length - 1));
}

async function main(): Promise<void> {
  const { flags } = parseFlags(process.argv.slice(2));
  const seeds = (flags.get("seeds")?.[0] ?? "1,2,3").split(",").map(Number);
  const overrides = [...VARIANT, ...(flags.get("set") ?? [])];
  console.log((await initBackend()).line);
  const runsRoot = path.join(os.tmpdir(), "kdlab-bench-runs");
  const rows: { seed: number; student: string; metrics: Record<string, number>; seconds: number; teacherAuc?: number }[] = [];
  const started = Date.now();
  for (const seed of seeds) {
    for (const [label, experiment] of [["distilled", "pneumonia-final"], ["alone", "pneumonia-student-alone"]] as const) {
      const config = applyOverrides(getExperiment(experiment, "quick"), [...overrides, `seed=${seed}`]);
      const result: ExperimentResult = await runExperiment(config, { runsRoot, progress: "off", log: () => undefined });
      rows.push({ seed, student: label, metrics: scalarMetrics(result.student.test), seconds: result.student.seconds.train, teacherAuc: result.teacher && scalarMetrics(result.teacher.test).auc });
      console.log(`seed ${seed} ${label}: ${METRICS.map((m) => `${m} ${scalarMetrics(result.student.test)[m].toFixed(3)}`).join("  ")}  (student ${result.student.seconds.train.toFixed(1)} s${result.teacher ? `, teacher test accuracy ${result.teacher.test.accuracy.toFixed(3)} auc ${scalarMetrics(result.teacher.test).auc.toFixed(3)}` : ""})`);
    }
  }
  const header = `| student | ${METRICS.join(" | ")} |`;
  console.log(`\nper seed (test split, ${rows.length / 2} seeds; overrides: ${overrides.join(" ")})\n\n| seed ${header}\n|---|---|${METRICS.map(() => "---").join("|")}|`);
  for (const row of rows) console.log(`| ${row.seed} | ${row.student} | ${METRICS.map((m) => row.metrics[m].toFixed(3)).join(" | ")} |`);
  console.log(`\nmean ± sd over seeds\n\n${header}\n|---|${METRICS.map(() => "---").join("|")}|`);
  for (const student of ["distilled", "alone"]) {
    const mine = rows.filter((r) => r.student === student);
    console.log(`| ${student} | ${METRICS.map((m) => `${mean(mine.map((r) => r.metrics[m])).toFixed(3)} ± ${sd(mine.map((r) => r.metrics[m])).toFixed(3)}`).join(" | ")} |`);
  }
  console.log(`\ntotal ${((Date.now() - started) / 1000).toFixed(0)} s`);
}

main().catch((error) => {
  console.error(error);
  process.exitCode = 1;
});
