/**
 * Runs one experiment end to end: data → teacher (unless the student trains
 * alone) → student (distilled from the trained teacher by the config's distillation
 * method, lib/distill/methods, or alone on cross-entropy)
 * → test metrics, writing runs/<experiment>-<timestamp>/:
 *
 *   config.json                  the experiment config, the dataset used, and where the run
 *                                came from (provenance.ts: versions, commit, backend, machine, seeds)
 *   teacher/, student/           history.{csv,json}, test-{metrics,confusion,roc}.{csv,json},
 *                                TensorBoard event files (tensorboard-log.ts)
 *                                (and best/, last/ checkpoints when config.checkpoints)
 *   result.json                  what runExperiment returns
 *
 *   <role>/final/                the finished model's weights and run.json (a ModelCache entry), in
 *                                every profile: kdlab export reads it; a resumed run (checkpoints on) loads it
 *
 * `resume: RUN_DIR` continues a run folder of the same config after a crash
 * or a kill: finished models are loaded, an unfinished one continues from its
 * last/ checkpoint (lib/distill/trainer.ts), so at most the epoch in progress
 * is lost.
 *
 * With `modelCache: "use"` a model whose training inputs match an earlier
 * one (model-cache.ts) is loaded from runs/model-cache instead of trained;
 * every model trained here is saved there. `runExperimentWithModels` hands
 * the trained models to the caller (Grad-CAM) instead of disposing them.
 */
import * as fs from "node:fs";
import * as path from "node:path";
import * as tf from "@tensorflow/tfjs";
import { BatchSource, createMethod, DistillationConfig, metricsAtThreshold, newRunDirectory, OptimizerConfig, pipelineSource, ProgressListener, testReport, TrainerConfig, trainModel, writeHistory, writeTestResults, balancedClassWeights, youdenThreshold } from "../distill/index";
import { mixSeed } from "../data/random";
import { buildModel, countParams, modelEntry } from "../models/index";
import { ExperimentConfig, ModelChoice } from "./config";
import { buildExperimentData, ExperimentData } from "./data";
import { ModelCache, modelKey, samplesFingerprint } from "./model-cache";
import { precisionFromEnv } from "../runtime/precision";
import { prepareModelConvolutions } from "../runtime/conv-routing";
import { runProvenance } from "./provenance";
import { epochLogger } from "./tensorboard-log";
import { validateExperiment } from "./overrides";
import { removeStaleStaging } from "../runtime/staging";
import { PROJECT_ROOT } from "../runtime/paths";
import { ensureWritableFolder, writeProblem } from "./writable";
import { curveRows, ExperimentResult, metricRows, ModelRun, Role } from "./results";
import { losslessJson } from "../runtime/lossless-json";

export interface RunOptions {
  /** A dataset folder or .npz file for the experiment's task; default: the embedded one (see lib/data/default-data.ts). */
  dataDir?: string;
  /** Where run folders go; default: runs/ at the project root. */
  runsRoot?: string;
  /** Decoded-image cache folder (speeds up repeated runs on real data); none by default. */
  cacheDir?: string;
  /** "auto" (default): a bar in a terminal, lines otherwise; "off"; or a listener (e.g. liveProgress in a notebook). */
  progress?: "auto" | "off" | ProgressListener;
  /** Same as `progress` given a listener (kept for callers that name it so). */
  onProgress?: ProgressListener;
  /** Stage messages ("training teacher …"); default console.log. */
  log?: (line: string) => void;
  /** "use": load matching trained models from <runsRoot>/model-cache and save new ones there; "off" (default): train everything. */
  modelCache?: "use" | "off";
  /** A run folder of this same config to continue (latestExperimentRun finds the newest). */
  resume?: string;
}

/** The newest run folder of an experiment under runsRoot (one with a config.json), if any. */
export function latestExperimentRun(runsRoot: string, experiment: string): string | undefined {
  if (!fs.existsSync(runsRoot)) return undefined;
  const pattern = new RegExp(`^${experiment.replace(/[.*+?^${}()|[\]\\]/g, "\\$&")}-(\\d{8}-\\d{6})(?:-(\\d+))?$`);
  const runs = fs
    .readdirSync(runsRoot)
    .map((name) => ({ name, match: pattern.exec(name) }))
    .filter((r): r is { name: string; match: RegExpExecArray } => r.match !== null && fs.existsSync(path.join(runsRoot, r.name, "config.json")))
    .sort((a, b) => a.match[1].localeCompare(b.match[1]) || Number(a.match[2] ?? 1) - Number(b.match[2] ?? 1));
  return runs.length > 0 ? path.join(runsRoot, runs[runs.length - 1].name) : undefined;
}

/** The run folder to continue, checked to hold this very config. */
function resumableRun(dir: string, config: ExperimentConfig): string {
  const file = path.join(dir, "config.json");
  if (!fs.existsSync(file)) throw new Error(`${dir}: not a run folder (no config.json)`);
  if (!config.checkpoints) throw new Error(`${config.name}: resuming needs checkpoints (set checkpoints=true; the quick profile has them off)`);
  const saved = (JSON.parse(fs.readFileSync(file, "utf8")) as { config: ExperimentConfig }).config;
  const differing = Object.keys({ ...saved, ...config }).filter((key) => JSON.stringify(saved[key as keyof ExperimentConfig]) !== JSON.stringify(config[key as keyof ExperimentConfig]));
  if (differing.length > 0) throw new Error(`${file}: this run was started with other settings (${differing.join(", ")} differ); resume it with the same --profile and --set values`);
  return dir;
}

export function defaultRunsRoot(): string {
  return path.join(PROJECT_ROOT, "runs");
}

function optimizerOf(config: ExperimentConfig): OptimizerConfig {
  const { kind, lr, momentum } = config.optimizer;
  return kind === "sgd" ? { kind, lr, momentum } : { kind, lr };
}

/** The seed a role trains with: teacherSeed (when set) for the teacher, seed otherwise. */
function roleSeed(config: ExperimentConfig, role: Role): number {
  return role === "teacher" ? (config.teacherSeed ?? config.seed) : config.seed;
}

/** A model's seed: the same for a role across experiments, so the distilled and the lone student start from the same weights. */
function modelSeed(config: ExperimentConfig, role: Role): number {
  return mixSeed(roleSeed(config, role), role === "teacher" ? 11 : 12);
}

/** Sets every BatchNormalization layer's moving-average momentum (tfjs reads the field on each training call). */
function setBatchNormMomentum(model: tf.LayersModel, momentum: number): void {
  for (const layer of model.layers) {
    if (layer.getClassName() === "BatchNormalization") (layer as unknown as { momentum: number }).momentum = momentum;
  }
}

async function build(config: ExperimentConfig, role: Role, choice: ModelChoice, classes: number): Promise<tf.LayersModel> {
  const model = await buildModel(choice.model, {
    seed: modelSeed(config, role),
    inputSize: config.dataset.inputSize,
    classes,
    dropout: choice.dropout ?? undefined,
    // Weight decay is the trainer's (coupled L2 on every trainable kernel); 0 keeps the models from adding it twice.
    weightDecay: 0,
    backboneWeights: choice.backboneWeights ?? undefined,
  });
  if (config.batchNormMomentum !== null) setBatchNormMomentum(model, config.batchNormMomentum);
  // The run trains and tests it: where some convolutions crash oneDNN (lib/runtime/conv-routing.ts), probe all its shapes at once, before it runs.
  prepareModelConvolutions(model, `model ${choice.model}`);
  return model;
}

function hasFrozenLayers(model: tf.LayersModel): boolean {
  return model.layers.some((layer) => !layer.trainable && layer.weights.length > 0);
}

interface Stage {
  role: Role;
  choice: ModelChoice;
  model: tf.LayersModel;
  distillation?: DistillationConfig;
  /** Its model-cache key, when the cache is in use. */
  cacheKey?: string;
}

/** The cached model's run, its history and test results copied into this run's folder; undefined on a miss. */
function fromCache(cache: ModelCache | undefined, stage: Stage, dir: string, classNames: string[]): ModelRun | undefined {
  const stored = cache && stage.cacheKey ? cache.load(stage.cacheKey, stage.model) : undefined;
  if (!stored || !stage.cacheKey) return undefined;
  const run: ModelRun = { ...stored, dir, cache: { key: stage.cacheKey, reused: true } };
  const logEpoch = epochLogger(dir);
  for (const record of run.history) logEpoch(record);
  writeHistory(run.history, dir);
  writeTestResults(run.test, dir, "test", classNames);
  return run;
}

/** A model's finished state in its run folder, <role>/final/: stored like a model-cache entry (weights + run.json, written atomically). */
const FINAL = "final";

/** Youden's threshold on the val split's ROC, and the test split's metrics at it (ModelRun.valThreshold). */
async function thresholdChosenOnVal(model: tf.LayersModel, data: ExperimentData, seed: number, preprocess: ((xs: tf.Tensor4D) => tf.Tensor4D) | undefined, test: ModelRun["test"]): Promise<ModelRun["valThreshold"]> {
  const val = await testReport(model, pipelineSource(data.pipelines.validation)({ epoch: 0, seed }), 1, preprocess);
  const testBinary = test.binary;
  if (!val.binary || !testBinary) return undefined;
  // A val split without one of the classes has no ROC to choose on.
  if (!Number.isFinite(val.binary.auc)) return undefined;
  const choice = youdenThreshold(val.binary.roc);
  const positives = testBinary.tp + testBinary.fn;
  const negatives = testBinary.tn + testBinary.fp;
  return { val: choice, test: metricsAtThreshold(testBinary.roc, positives, negatives, choice.threshold) };
}

async function trainAndTest(config: ExperimentConfig, data: ExperimentData, stage: Stage, runDir: string, options: RunOptions, cache?: ModelCache): Promise<ModelRun> {
  const { role, choice, model } = stage;
  const dir = path.join(runDir, role);
  fs.mkdirSync(dir, { recursive: true });
  // A final.writing-<pid> of a killed run (its pid gone) is debris: a resumed run starts without it.
  for (const stale of removeStaleStaging(dir, FINAL)) (options.log ?? console.log)(`${role}: removed ${stale}, left by a run that was stopped while saving`);
  const finishedStore = new ModelCache(dir, options.log);
  const finished = options.resume ? finishedStore.load(FINAL, model) : undefined;
  if (finished) return finished;
  const cached = fromCache(cache, stage, dir, data.classNames);
  if (cached) {
    await finishedStore.save(FINAL, model, cached);
    return cached;
  }
  const seed = roleSeed(config, role);
  const trainPipeline = seed === config.seed ? data.pipelines.train : data.trainPipeline(seed);
  const logEpoch = epochLogger(dir);
  const entry = modelEntry(choice.model);
  const classWeights = config.dataset.classWeights === "balanced" ? balancedClassWeights(data.samples.train.map((s) => s.label), data.classNames.length) : undefined;
  const trainer: TrainerConfig = {
    epochs: config.epochs,
    seed,
    optimizer: optimizerOf(config),
    schedule: config.schedule,
    weightDecay: config.regularisation.weightDecay || undefined,
    preprocess: entry.preprocess,
    classWeights,
    distillation: stage.distillation,
    monitor: { metric: "val_loss" },
    earlyStopping: config.earlyStoppingPatience === null ? undefined : { patience: config.earlyStoppingPatience, restoreBest: true },
    checkpoint: config.checkpoints ? { dir, saveBest: true, resume: options.resume !== undefined } : undefined,
    batchesPerEpoch: trainPipeline.batchesPerEpoch,
    progress: options.progress ?? options.onProgress ?? "auto",
    label: role,
    step: config.trainStep,
    // KDLAB_BF16=teacher: bf16 for the teacher's own training only (lib/runtime/precision.ts).
    precision: precisionFromEnv(role),
    callbacks: { onEpochEnd: (record) => logEpoch(record) },
  };
  const source: BatchSource = pipelineSource(trainPipeline);
  const trainStarted = Date.now();
  const { history, ...training } = await trainModel(model, { train: source, validation: pipelineSource(data.pipelines.validation) }, trainer);
  const trainSeconds = (Date.now() - trainStarted) / 1000;
  const testStarted = Date.now();
  const test = await testReport(model, pipelineSource(data.pipelines.test)({ epoch: 0, seed: config.seed }), 1, entry.preprocess);
  const testSeconds = (Date.now() - testStarted) / 1000;
  const valThreshold = test.binary ? await thresholdChosenOnVal(model, data, config.seed, entry.preprocess, test) : undefined;
  writeHistory(history, dir);
  writeTestResults(test, dir, "test", data.classNames);
  const run: ModelRun = {
    role,
    model: choice.model,
    params: countParams(model),
    initialWeights: choice.backboneWeights ?? `random init (seed ${modelSeed(config, role)})`,
    frozenBackbone: hasFrozenLayers(model),
    distilled: stage.distillation !== undefined,
    history,
    training,
    test,
    ...(valThreshold ? { valThreshold } : {}),
    seconds: { train: trainSeconds, perEpoch: history.length > 0 ? history.reduce((s, r) => s + r.seconds, 0) / history.length : 0, test: testSeconds },
    dir,
  };
  if (cache && stage.cacheKey) {
    run.cache = { key: stage.cacheKey, reused: false };
    await cache.save(stage.cacheKey, model, run);
  }
  await finishedStore.save(FINAL, model, run);
  return run;
}

function notesFor(config: ExperimentConfig, data: ExperimentData, runs: ModelRun[]): string[] {
  const notes: string[] = [];
  if (data.isDefault && !data.isReal) notes.push(`data: ${data.description} (${data.path}); pass dataDir (--data) for the real dataset`);
  for (const run of runs) {
    if (run.frozenBackbone && !config[run.role]?.backboneWeights) {
      notes.push(`${run.role} ${run.model}: backbone frozen at random initialisation — no ImageNet weights were given (set ${run.role}.backboneWeights to a Keras notop .h5 file); only the head trains`);
    }
  }
  const skipped = data.skipped();
  if (skipped.length > 0) notes.push(`data: ${skipped.length} file(s) skipped, e.g. ${skipped[0].file}: ${skipped[0].reason}`);
  return notes;
}

export interface TrainedModels {
  teacher?: tf.LayersModel;
  student: tf.LayersModel;
  /** Frees every model's weights. */
  dispose(): void;
}

/** Trains and tests the experiment's models; see the file comment for the run folder. */
export async function runExperiment(config: ExperimentConfig, options: RunOptions = {}): Promise<ExperimentResult> {
  const { result, models } = await runExperimentWithModels(config, options);
  models.dispose();
  return result;
}

/** Whether a run folder holds work worth keeping: a finished model or a checkpoint (to resume from). */
function holdsProgress(runDir: string): boolean {
  return ["teacher", "student"].some((role) => ["final", "last", "best"].some((kept) => fs.existsSync(path.join(runDir, role, kept))));
}

/**
 * runExperiment, handing back the trained models (the caller disposes them).
 * What can be checked is checked before the run folder is made (KDLAB_BF16,
 * the runs folder writable, the data); a run that fails before any model
 * finished or checkpointed has its half-made folder removed, and a full disk
 * or read-only file system met on the way is an error naming the run folder.
 */
export async function runExperimentWithModels(config: ExperimentConfig, options: RunOptions = {}): Promise<{ result: ExperimentResult; models: TrainedModels }> {
  validateExperiment(config);
  // A KDLAB_BF16 that cannot run here is an error now, before the run folder exists.
  precisionFromEnv();
  const runsRoot = options.runsRoot ?? defaultRunsRoot();
  ensureWritableFolder(runsRoot);
  const started = Date.now();
  const data = await buildExperimentData(config, { dataDir: options.dataDir, cacheDir: options.cacheDir });
  const runDir = options.resume ? resumableRun(options.resume, config) : newRunDirectory(runsRoot, config.name);
  try {
    return await runInFolder(config, options, data, runsRoot, runDir, started);
  } catch (error) {
    if (!options.resume && !holdsProgress(runDir)) fs.rmSync(runDir, { recursive: true, force: true });
    const reworded = writeProblem(error, runDir);
    throw reworded ? new Error(reworded, { cause: error }) : error;
  }
}

/** The run itself, in its folder: config.json, the teacher, the student, result.json. */
async function runInFolder(config: ExperimentConfig, options: RunOptions, data: ExperimentData, runsRoot: string, runDir: string, started: number): Promise<{ result: ExperimentResult; models: TrainedModels }> {
  const log = options.log ?? ((line: string) => console.log(line));
  const counts = { train: data.samples.train.length, validation: data.samples.validation.length, test: data.samples.test.length };
  const dataSeconds = (Date.now() - started) / 1000;
  if (options.resume) log(`${config.name}: resuming ${runDir}`);
  const dataset = { path: data.path, format: data.format, isDefault: data.isDefault, isReal: data.isReal, description: data.description, classNames: data.classNames, counts };
  fs.writeFileSync(path.join(runDir, "config.json"), `${JSON.stringify({ config, dataset, provenance: runProvenance(config) }, null, 1)}\n`);
  log(`${config.name} (${config.profile}): ${counts.train} train / ${counts.validation} validation / ${counts.test} test images at ${config.dataset.inputSize}px from ${data.description}; run folder ${runDir}`);
  const cache = options.modelCache === "use" ? new ModelCache(path.join(runsRoot, "model-cache"), log) : undefined;
  const fingerprint = cache ? samplesFingerprint([data.samples.train, data.samples.validation]) : "";
  const keyOf = (role: Role, teacherKey?: string): string | undefined => (cache ? modelKey(config, role, roleSeed(config, role), fingerprint, teacherKey) : undefined);
  const said = (run: ModelRun, role: string): void => {
    if (run.cache?.reused) log(`${role}: loaded the model trained earlier with these settings (runs/model-cache/${run.cache.key}) instead of training it again`);
  };

  const classes = data.classNames.length;
  const built: tf.LayersModel[] = [];
  const disposeAll = (): void => {
    for (const model of built) model.dispose();
  };
  try {
    let teacherRun: ModelRun | undefined;
    let teacherModel: tf.LayersModel | undefined;
    let distillation: DistillationConfig | undefined;
    let teacherKey: string | undefined;
    const teacherStarted = Date.now();
    if (config.teacher) {
      teacherModel = await build(config, "teacher", config.teacher, classes);
      built.push(teacherModel);
      teacherKey = keyOf("teacher");
      log(`training teacher ${config.teacher.model}`);
      teacherRun = await trainAndTest(config, data, { role: "teacher", choice: config.teacher, model: teacherModel, cacheKey: teacherKey }, runDir, options, cache);
      said(teacherRun, "teacher");
    }
    const teacherSeconds = (Date.now() - teacherStarted) / 1000;
    const studentStarted = Date.now();
    const student = await build(config, "student", config.student, classes);
    built.push(student);
    if (teacherModel && config.teacher) {
      const method = createMethod(config.distillation.method, config.distillation.params, { teacher: teacherModel, student, numClasses: classes, seed: mixSeed(modelSeed(config, "student"), 13) });
      // Cached outputs would be stale for augmented images, so the cache is only used without augmentation.
      const cache = config.distillation.cacheTeacherOutputs && !config.augmentation.enabled ? { dir: path.join(runsRoot, "teacher-outputs"), key: `${samplesFingerprint([data.samples.train])}|${config.dataset.inputSize}` } : "off";
      distillation = { teacher: teacherModel, method, hardLabelWeight: config.distillation.hardLabelWeight ?? undefined, cache, preprocess: modelEntry(config.teacher.model).preprocess };
    }
    log(`training student ${config.student.model} ${distillation ? `distilled: ${distillation.method.describe()}` : "alone (cross-entropy)"}`);
    const studentRun = await trainAndTest(config, data, { role: "student", choice: config.student, model: student, distillation, cacheKey: keyOf("student", teacherKey) }, runDir, options, cache);
    said(studentRun, "student");
    const studentSeconds = (Date.now() - studentStarted) / 1000;

    const runs = teacherRun ? [teacherRun, studentRun] : [studentRun];
    const result: ExperimentResult = {
      experiment: config.name,
      profile: config.profile,
      config,
      runDir,
      dataset: { ...dataset, skipped: data.skipped().length },
      teacher: teacherRun,
      student: studentRun,
      curves: runs.flatMap((run) => curveRows(run.role, run.history)),
      metrics: runs.flatMap((run) => metricRows(run.role, run.test)),
      notes: notesFor(config, data, runs),
      seconds: { data: dataSeconds, teacher: teacherSeconds, student: studentSeconds, total: (Date.now() - started) / 1000 },
    };
    fs.writeFileSync(path.join(runDir, "result.json"), losslessJson(result, 1));
    for (const note of result.notes) log(`note: ${note}`);
    return { result, models: { teacher: teacherModel, student, dispose: disposeAll } };
  } catch (error) {
    disposeAll();
    throw error;
  }
}
