/**
 * What every study notebook does around an experiment: configure it from
 * the parameters cell, train it with live progress, and show its data,
 * curves and test charts. Keeps the notebooks to parameters, calls and prose.
 */
import { ExperimentConfig, ExperimentName, ExperimentResult, ModelRun, PROFILES, Profile, applyOverrides, defaultRunsRoot, getExperiment, isProfile, latestExperimentRun, runExperiment } from "../experiments/index";
import { ProgressListener, liveProgress } from "../distill/progress";
import { confusionMatrixChart, rocChart, teacherVsStudent, trainingCurves, trainingRowsOf } from "./charts";
import { displayBundle, inNotebook, showChart } from "./display";
import { ResultRow } from "./results";

/** Parameter values a notebook passes on; null or undefined mean "the profile's own". */
export type StageOverrides = Record<string, string | number | boolean | null | undefined>;

/** A notebook's `methodParams`: a method's parameters by name, e.g. { temperature: 4, alpha: 0.5 }. */
export type MethodParamValues = Readonly<Record<string, number | string>>;

/**
 * A notebook's `method` and `methodParams` as config overrides:
 * distillation.method and distillation.params.<name> (checked by
 * applyOverrides against the method's parameter table).
 */
export function methodOverrides(method: string, methodParams: MethodParamValues = {}): Record<string, string | number> {
  const overrides: Record<string, string | number> = { "distillation.method": method };
  for (const [name, value] of Object.entries(methodParams)) overrides[`distillation.params.${name}`] = value;
  return overrides;
}

/** The experiment for this profile with the notebook's overrides (`"optimizer.lr": 0.001`) applied. */
export function configure(name: ExperimentName, profile: string, overrides: StageOverrides = {}): ExperimentConfig {
  if (!isProfile(profile)) throw new Error(`profile must be ${PROFILES.map((p) => `"${p}"`).join(", ")}, not "${profile}"`);
  const assignments = Object.entries(overrides)
    .filter(([, value]) => value !== undefined && value !== null)
    .map(([key, value]) => `${key}=${String(value)}`);
  return applyOverrides(getExperiment(name, profile satisfies Profile), assignments);
}

/** Live-updating progress text in a notebook (one output rewritten in place), the terminal bar elsewhere. */
function progressListener(): ProgressListener | "auto" {
  if (!inNotebook()) return "auto";
  const displayId = `kdlab-progress-${Date.now()}-${Math.floor(Math.random() * 1e6)}`;
  let first = true;
  return liveProgress((text) => {
    displayBundle({ "text/plain": text }, { displayId, update: !first });
    first = false;
  });
}

/**
 * Trains and tests the experiment; `dataDir` null means the embedded default
 * data. Models another notebook already trained with the same settings are
 * loaded from runs/model-cache instead (said in the output). `resume`
 * "latest" (the newest run folder of this experiment) or a run folder
 * continues a run that was killed or crashed; null starts a new one.
 */
export async function train(config: ExperimentConfig, dataDir: string | null = null, resume: string | null = null): Promise<ExperimentResult> {
  const resumeDir = resume === "latest" ? latestExperimentRun(defaultRunsRoot(), config.name) : (resume ?? undefined);
  if (resume === "latest" && !resumeDir) throw new Error(`resume = "latest": no run folder of ${config.name} under ${defaultRunsRoot()}`);
  return await runExperiment(config, { dataDir: dataDir ?? undefined, progress: progressListener(), log: (line) => console.log(line), modelCache: "use", resume: resumeDir });
}

/** One sentence on the data the run used, for the first output and the results table. */
export function dataDescription(result: ExperimentResult): string {
  const { dataset } = result;
  const where = dataset.isDefault ? `embedded default: ${dataset.description}` : dataset.description;
  return `${where}: ${dataset.counts.train} train / ${dataset.counts.validation} validation / ${dataset.counts.test} test images`;
}

/** The data's short name for chart titles: the description up to its first colon ("partial real CIFAR-10 (4,660 / 846)", "PneumoniaMNIST (MedMNIST v2)"). */
export function dataName(result: ExperimentResult): string {
  return result.dataset.description.split(":")[0];
}

export function showDataSummary(result: ExperimentResult): void {
  // runExperiment has already printed result.notes while it ran.
  console.log(`data: ${dataDescription(result)}${result.dataset.skipped ? `; ${result.dataset.skipped} unreadable files skipped` : ""}`);
}

function runLabel(run: ModelRun): string {
  return run.role === "teacher" ? "teacher" : run.distilled ? "student (distilled)" : "student (alone)";
}

/** Accuracy and loss per epoch, train vs validation; teacher and student on the same axes when both trained. */
export async function showLearningCurves(result: ExperimentResult): Promise<void> {
  const subtitle = `${result.experiment}, ${result.profile} profile; ${dataName(result)}`;
  const lossTitle = result.student.distilled ? "loss (student: distillation loss)" : "loss (cross-entropy)";
  if (result.teacher) {
    await showChart(teacherVsStudent(result.teacher.history, result.student.history, { title: "Teacher vs student", subtitle, lossTitle }));
  } else {
    await showChart(trainingCurves(trainingRowsOf(result.student.history, runLabel(result.student)), { title: "Student trained alone", subtitle, lossTitle }));
  }
}

/** Confusion matrices for each model and, for two classes, ROC curves with AUC. */
export async function showTestCharts(result: ExperimentResult): Promise<void> {
  const runs = [result.teacher, result.student].filter((r): r is ModelRun => r !== undefined);
  for (const run of runs) {
    await showChart(confusionMatrixChart(run.test.confusion, result.dataset.classNames, { title: `${runLabel(run)}: confusion matrix on the test set of ${dataName(result)}` }));
  }
  const curves = runs.flatMap((run) => (run.test.binary ? [{ name: runLabel(run), points: run.test.binary.roc, auc: run.test.binary.auc }] : []));
  if (curves.length > 0) await showChart(rocChart(curves, { title: `ROC on the test set of ${dataName(result)}` }));
}

const percent = (value: number): string => (Number.isFinite(value) ? `${(value * 100).toFixed(2)} %` : "n/a");

/**
 * A number to `digits` places, or what stands for it when it is not finite.
 * Runs are stored in lossless JSON (lib/runtime/lossless-json.ts), but a
 * model-cache entry or result.json written before that holds null where it
 * had +Infinity (Youden's threshold at the ROC's first point, "no image
 * positive") or NaN, so null is said too.
 */
function fixed(value: number | null, digits: number, whenNull: string): string {
  if (value === null) return whenNull;
  return Number.isFinite(value) ? value.toFixed(digits) : value > 0 ? "∞" : value < 0 ? "−∞" : "n/a";
}

/** Test rows for a model: accuracy, loss and, for two classes, AUC, sensitivity, specificity. One run: accuracy and AUC say "n = 1". */
export function testRows(run: ModelRun, reference: { accuracy?: string } = {}, source = "STUDY.md"): ResultRow[] {
  const label = runLabel(run);
  const rows: ResultRow[] = [
    { metric: `${label} test accuracy`, value: `${percent(run.test.accuracy)} (n = 1)`, reference: reference.accuracy, source: reference.accuracy ? source : undefined },
    { metric: `${label} test loss`, value: run.test.loss },
  ];
  if (run.test.binary) {
    rows.push({ metric: `${label} ROC AUC`, value: `${fixed(run.test.binary.auc, 4, "n/a")} (n = 1)` });
    rows.push({ metric: `${label} sensitivity`, value: percent(run.test.binary.sensitivity) });
    rows.push({ metric: `${label} specificity`, value: percent(run.test.binary.specificity) });
  }
  if (run.valThreshold) {
    const { val, test } = run.valThreshold;
    rows.push({
      metric: `${label} at the threshold chosen on val (p ≥ ${fixed(val.threshold, 3, "∞")}, Youden's J ${fixed(val.youdenJ, 3, "n/a")}) instead of 0.5`,
      value: `test accuracy ${percent(test.accuracy)}, sensitivity ${percent(test.sensitivity)}, specificity ${percent(test.specificity)}, balanced ${percent(test.balancedAccuracy)}`,
    });
  }
  rows.push({ metric: `${label} parameters`, value: run.params.total.toLocaleString("en-US") });
  return rows;
}
