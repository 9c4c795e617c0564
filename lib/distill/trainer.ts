/**
 * One generic training loop, for a model trained alone (no `distillation`:
 * cross-entropy) and for a student distilled from a frozen teacher by a
 * distillation method (lib/distill/methods). In three layers, as Keras's
 * fit / epoch / train_step and mdistiller's trainer: `trainModel` sets up
 * (optimizer, schedule, teacher outputs, resume) and loops over epochs;
 * `trainEpoch` runs one epoch's batches and its end (validation, schedule,
 * best checkpoint, early stopping, `last/` checkpoint, history files);
 * `trainBatch` attaches the teacher's outputs (live or cached) and runs the
 * `TrainStep` (eager or compiled, see step.ts), which it does not look into.
 *
 * The loss is the objective (objective.ts): the hard-label cross-entropy,
 * whose weight the trainer owns (`distillation.hardLabelWeight`, default the
 * method's), plus the method's named terms; with distillation each term's
 * epoch mean goes into the history as `loss_<term>` (loss_ce, loss_kd, …).
 *
 * Resuming from `last/` continues the same run: weights (the student's and
 * the method's parts'), optimizer slots, schedule state, early-stopping
 * counters and history are restored, and the batch source is asked for
 * epoch e with the same seed as before.
 */
import * as fs from "node:fs";
import * as path from "node:path";
import * as tf from "@tensorflow/tfjs";
import { Batch, BatchSource, checkBatch, disposeBatch, epochSeed } from "./batch";
import { disposeTeacherOutputs, TeacherCacheMode, TeacherOutputs, TeacherOutputSource } from "./cache";
import { hasCheckpoint, loadCheckpoint, loadModelWeights, readTrainerState, recoverCheckpoint, saveCheckpoint, TrainerState } from "./checkpoint";
import { evaluateModel } from "./evaluate";
import { EpochRecord, writeHistory } from "./history";
import { classificationReport } from "./metrics";
import { defaultMode, isImprovement, MonitorMode, readMetric } from "./monitor";
import type { LrSchedule } from "./schedules";
import { createOptimizer, disposeOptimizer, OptimizerConfig } from "./optimizers";
import { ProgressListener, terminalProgress } from "./progress";
import { createSchedule, ScheduleConfig } from "./schedules";
import type { DistillationMethod } from "./methods/method";
import { checkHardLabelWeight, hardLabelWeightFor } from "./objective";
import { createEagerTrainStep, StepResult, TrainStep, TrainStepFactory } from "./step";
import { ComputePrecision, precisionFromEnv } from "../runtime/precision";
import { CompiledStepSpec, createCompiledTrainStep } from "./compiled/step";
import { CompiledPredictor } from "./compiled/predictor";

export interface DistillationConfig {
  /** Frozen teacher, run in inference mode; outputs logits. */
  teacher: tf.LayersModel;
  /** The method, created for this teacher and student (methods/index.ts getMethod(…).create). */
  method: DistillationMethod;
  /** Weight of the hard-label cross-entropy beside the method's terms (finite, ≥ 0); default the method's own (kd: α, dkd: ceWeight, others 1). */
  hardLabelWeight?: number;
  /** Cache the teacher's outputs (logits and tapped layers) by sample id — only when augmentation is off. Default "off". */
  cache?: TeacherCacheMode;
  /** The teacher's own input preprocessing, applied to the batch's xs (e.g. DenseNet's torch mean/std when the student scales to [-1, 1]). */
  preprocess?: (xs: tf.Tensor4D) => tf.Tensor4D;
}

export interface MonitorConfig {
  /** A key of the epoch record: "val_loss", "val_accuracy", "val_auc", "loss", … */
  metric: string;
  /** Default: "min" for losses, "max" otherwise. */
  mode?: MonitorMode;
}

export interface EarlyStoppingConfig {
  /** Stop after this many epochs without improvement of the monitored metric. */
  patience: number;
  minDelta?: number;
  /** Put the best epoch's weights back into the model at the end. */
  restoreBest?: boolean;
}

export interface CheckpointConfig {
  /** The run folder, e.g. from newRunDirectory("runs", experiment). */
  dir: string;
  /** Continue from `<dir>/last/` when it exists. */
  resume?: boolean;
  /** Also keep `<dir>/best/` (default true). */
  saveBest?: boolean;
}

export interface BatchEndInfo {
  epoch: number;
  batch: number;
  loss: number;
  accuracy: number;
  count: number;
  lr: number;
}

/** Returning "stop" ends training after the current epoch. */
export interface TrainerCallbacks {
  onBatchEnd?: (info: BatchEndInfo) => void | Promise<void>;
  onEpochEnd?: (record: EpochRecord) => void | "stop" | Promise<void | "stop">;
}

export interface TrainerConfig {
  epochs: number;
  seed: number;
  optimizer: OptimizerConfig;
  schedule?: ScheduleConfig;
  /** Coupled L2 on kernels: adds (weightDecay/2)·Σ‖W‖² to the loss. */
  weightDecay?: number;
  /** The trained model's input preprocessing, applied to every train and validation batch's xs (omit when the batch source already did it). */
  preprocess?: (xs: tf.Tensor4D) => tf.Tensor4D;
  /** Per-class weights of the cross-entropy (see balancedClassWeights). */
  classWeights?: readonly number[];
  distillation?: DistillationConfig;
  /** Drives best checkpoint and early stopping. Default: val_loss with validation data, else loss. */
  monitor?: MonitorConfig;
  earlyStopping?: EarlyStoppingConfig;
  checkpoint?: CheckpointConfig;
  /** For the progress bar's length and ETA; learned after the first epoch otherwise. */
  batchesPerEpoch?: number;
  callbacks?: TrainerCallbacks;
  /** "auto" (default): bar in a TTY, plain lines otherwise; "off"; or a listener (notebooks). */
  progress?: "auto" | "off" | ProgressListener;
  /** Prefix of progress lines ("teacher", "student"). */
  label?: string;
  /**
   * How the train step runs: "compiled" (one TensorFlow graph per step, see
   * compiled/step.ts), "eager" (tfjs, op by op), or "auto" (default):
   * compiled where the model builds as a graph, eager otherwise. The first
   * output line says which, and why when auto fell back.
   */
  step?: StepKind;
  /** Replaces the train step altogether (tests, experiments with other steps); overrides `step`. */
  createStep?: TrainStepFactory;
  /** The compiled step's precision (default: KDLAB_BF16's for a student, lib/runtime/precision.ts); the teacher's outputs take KDLAB_BF16's for a teacher. */
  precision?: ComputePrecision;
}

export type StepKind = "auto" | "eager" | "compiled";

/** The step for `kind`; "auto" falls back to eager (with the reason) when the compiled graph cannot be built. */
export function createTrainStep(kind: StepKind, spec: CompiledStepSpec): { step: TrainStep; fallback?: string } {
  if (kind === "eager") return { step: createEagerTrainStep(spec) };
  if (kind === "compiled") return { step: createCompiledTrainStep(spec) };
  if (kind !== "auto") throw new Error(`step must be "auto", "eager" or "compiled", got ${JSON.stringify(kind)}`);
  try {
    return { step: createCompiledTrainStep(spec) };
  } catch (error) {
    return { step: createEagerTrainStep(spec), fallback: (error as Error).message };
  }
}

export interface TrainData {
  train: BatchSource;
  validation?: BatchSource;
}

export interface TrainResult {
  history: EpochRecord[];
  monitor: string;
  bestMetric: number | null;
  /** 1-based epoch of the best monitored value. */
  bestEpoch: number | null;
  stoppedEarly: boolean;
  epochsRun: number;
  /** Epochs already done in the checkpoint this run resumed from (0 when fresh). */
  resumedAt: number;
  /** Teacher batches answered from the cache vs run live. */
  teacherCache?: { hits: number; misses: number };
  /** The run folder, when checkpointing. */
  runDir?: string;
}

function outputClasses(model: tf.LayersModel, role: string): number {
  const shape = model.outputs[0]?.shape;
  if (!shape || shape.length !== 2 || typeof shape[1] !== "number") {
    throw new Error(`${role} ${model.name} must have one [batch, classes] output, got [${shape?.join(", ")}]`);
  }
  const last = model.layers[model.layers.length - 1];
  if ((last.getConfig() as { activation?: unknown }).activation === "softmax") {
    throw new Error(`${role} ${model.name} ends in softmax; the trainer needs logits (use a linear last layer)`);
  }
  return shape[1];
}

/** xs through `preprocess` (a new tensor), or xs itself. */
export function preprocessed(xs: tf.Tensor4D, preprocess?: (xs: tf.Tensor4D) => tf.Tensor4D): tf.Tensor4D {
  return preprocess ? tf.tidy(() => preprocess(xs)) : xs;
}

function validate(config: TrainerConfig, numClasses: number): void {
  if (!Number.isInteger(config.epochs) || config.epochs < 1) throw new Error(`epochs must be a positive integer, got ${config.epochs}`);
  if (!Number.isInteger(config.seed)) throw new Error(`seed must be an integer, got ${config.seed}`);
  if (config.classWeights && config.classWeights.length !== numClasses) {
    throw new Error(`classWeights has ${config.classWeights.length} entries, the model has ${numClasses} classes`);
  }
  const d = config.distillation;
  if (d) {
    const teacherClasses = outputClasses(d.teacher, "teacher");
    if (teacherClasses !== numClasses) throw new Error(`teacher has ${teacherClasses} classes, student ${numClasses}`);
    if (d.hardLabelWeight !== undefined) checkHardLabelWeight(d.hardLabelWeight);
  }
  if (config.earlyStopping && !(config.earlyStopping.patience >= 0)) throw new Error(`earlyStopping.patience must be ≥ 0, got ${config.earlyStopping.patience}`);
}

function freshState(config: TrainerConfig, monitor: string, scheduleState: TrainerState["schedule"]): TrainerState {
  return { epochsDone: 0, monitor, bestMetric: null, bestEpoch: null, wait: 0, schedule: scheduleState, seed: config.seed, history: [] };
}

/** The JSON-safe part of a config, written beside the checkpoints. */
function describeConfig(config: TrainerConfig): Record<string, unknown> {
  const { distillation, callbacks: _callbacks, progress: _progress, createStep, preprocess, ...rest } = config;
  return {
    ...rest,
    preprocess: preprocess ? "custom" : "none",
    step: createStep ? "custom" : (config.step ?? "auto"),
    distillation: distillation && {
      teacher: distillation.teacher.name,
      method: distillation.method.name,
      params: distillation.method.params,
      hardLabelWeight: hardLabelWeightFor(distillation.method, distillation.hardLabelWeight),
      taps: distillation.method.taps,
      cache: distillation.cache ?? "off",
      preprocess: distillation.preprocess ? "custom" : "none",
    },
  };
}


/** What one training run holds while it runs: shared by trainModel, trainEpoch and trainBatch. */
interface RunState {
  model: tf.LayersModel;
  data: TrainData;
  config: TrainerConfig;
  label: string;
  listener?: ProgressListener;
  optimizer: tf.Optimizer;
  schedule: LrSchedule;
  step: TrainStep;
  teacher?: TeacherOutputSource;
  parts: readonly tf.LayersModel[];
  monitorMetric: string;
  monitorMode: MonitorMode;
  runDir?: string;
  lastDir?: string;
  bestDir?: string;
  state: TrainerState;
  bestWeights?: tf.Tensor[];
  batchesPerEpoch?: number;
}

/** One batch: the teacher's outputs attached, the batch preprocessed, one step run; every tensor of it disposed. */
async function trainBatch(run: RunState, batch: Batch, epoch: number, batchIndex: number, seed: number, lr: number): Promise<StepResult> {
  const where = `${run.label || "train"} epoch ${epoch + 1} batch ${batchIndex + 1}`;
  let teacherOutputs: TeacherOutputs | undefined;
  let xs: tf.Tensor4D | undefined;
  try {
    checkBatch(batch, where);
    teacherOutputs = run.teacher && (await run.teacher.outputsFor(batch, where));
    xs = preprocessed(batch.xs, run.config.preprocess);
    const result = await run.step.run({ xs, labels: batch.labels, teacherLogits: teacherOutputs?.logits, teacherFeatures: teacherOutputs?.features }, { learningRate: lr, seed: epochSeed(seed, batchIndex), epoch });
    if (!Number.isFinite(result.loss)) throw new Error(`${where}: loss is ${result.loss} (lr ${lr}); lower the learning rate or check the inputs`);
    return result;
  } finally {
    disposeTeacherOutputs(teacherOutputs);
    if (xs && xs !== batch.xs) xs.dispose();
    disposeBatch(batch);
  }
}

/** One epoch: its batches, then validation, schedule, best weights, checkpoints and history. Returns whether early stopping or a callback ends training. */
async function trainEpoch(run: RunState, epoch: number): Promise<{ stop: boolean; stoppedEarly: boolean }> {
  const { config, label, listener } = run;
  const started = Date.now();
  const lr = run.schedule.learningRate(epoch);
  const context = { epoch, seed: epochSeed(config.seed, epoch) };
  let lossSum = 0;
  /** Σ term · count per objective term (distillation runs only). */
  const termSums = new Map<string, number>();
  let correct = 0;
  let count = 0;
  let batchIndex = 0;
  for await (const batch of run.data.train(context)) {
    const result = await trainBatch(run, batch, epoch, batchIndex, context.seed, lr);
    lossSum += result.loss * result.count;
    if (config.distillation) for (const [name, value] of Object.entries(result.terms ?? {})) termSums.set(name, (termSums.get(name) ?? 0) + value * result.count);
    correct += result.correct;
    count += result.count;
    await config.callbacks?.onBatchEnd?.({ epoch, batch: batchIndex, loss: result.loss, accuracy: result.correct / result.count, count: result.count, lr });
    listener?.({ kind: "batch", label, epoch, epochs: config.epochs, batch: batchIndex, batches: run.batchesPerEpoch, loss: lossSum / count, accuracy: correct / count, lr, elapsedSeconds: (Date.now() - started) / 1000 });
    batchIndex++;
  }
  if (count === 0) throw new Error(`${label || "train"} epoch ${epoch + 1}: the training batch source produced no samples`);
  run.batchesPerEpoch ??= batchIndex;
  run.teacher?.cache?.persist();
  // Validation, checkpoints and callbacks read the tfjs model (and the optimizer when checkpointing).
  await run.step.syncToModel?.({ optimizer: run.runDir !== undefined });

  const termColumns = Object.fromEntries([...termSums].map(([name, sum]) => [`loss_${name}`, sum / count]));
  const record: EpochRecord = { epoch: epoch + 1, lr, loss: lossSum / count, ...termColumns, accuracy: correct / count, seconds: 0 };
  if (run.data.validation) {
    const evaluation = await evaluateModel(run.model, run.data.validation(context), `${label || "validation"} epoch ${epoch + 1} validation`, config.preprocess);
    record.val_loss = evaluation.loss;
    record.val_accuracy = evaluation.accuracy;
    if (evaluation.numClasses === 2) {
      const binary = classificationReport(evaluation.probabilities, evaluation.labels, 2).binary;
      if (binary) Object.assign(record, { val_auc: binary.auc, val_sensitivity: binary.sensitivity, val_specificity: binary.specificity, val_f1: binary.f1 });
    }
  }
  record.seconds = (Date.now() - started) / 1000;

  run.schedule.observe(record);
  const value = readMetric(record, run.monitorMetric, "trainer monitor");
  const improved = isImprovement(value, run.state.bestMetric, run.monitorMode, config.earlyStopping?.minDelta ?? 0);
  run.state = {
    ...run.state,
    epochsDone: epoch + 1,
    history: [...run.state.history, record],
    schedule: run.schedule.state(),
    ...(improved ? { bestMetric: value, bestEpoch: epoch + 1, wait: 0 } : { wait: run.state.wait + 1 }),
  };
  if (improved && config.earlyStopping?.restoreBest) {
    tf.dispose(run.bestWeights ?? []);
    run.bestWeights = run.model.getWeights().map((w) => tf.keep(w.clone()));
  }
  if (run.runDir && run.lastDir && run.bestDir) {
    const saved = { model: run.model, optimizer: run.optimizer, state: run.state, parts: run.parts };
    // last/ first: a kill between the two then leaves last/ ahead, which a resume repairs (setUpResume).
    await saveCheckpoint(run.lastDir, saved);
    if (improved && config.checkpoint?.saveBest !== false) await saveCheckpoint(run.bestDir, saved);
    writeHistory(run.state.history, run.runDir);
  }
  listener?.({ kind: "epoch", label, epoch, epochs: config.epochs, record, improved });
  const verdict = await config.callbacks?.onEpochEnd?.(record);
  if (verdict === "stop") return { stop: true, stoppedEarly: false };
  const stoppedEarly = config.earlyStopping !== undefined && !improved && run.state.wait >= config.earlyStopping.patience;
  return { stop: stoppedEarly, stoppedEarly };
}

/** Continues from last/ when asked and present: weights, parts, optimizer, schedule; repairs a best/ one save behind. */
async function setUpResume(run: Omit<RunState, "step">): Promise<void> {
  const { config, lastDir, bestDir, label } = run;
  if (lastDir && bestDir) for (const line of [...recoverCheckpoint(lastDir), ...recoverCheckpoint(bestDir)]) console.error(`${label ? `${label}: ` : ""}checkpoint: ${line}`);
  if (!config.checkpoint?.resume || !lastDir || !hasCheckpoint(lastDir)) return;
  run.state = await loadCheckpoint(lastDir, run.model, run.optimizer, run.parts);
  const state = run.state;
  // last/ is written before best/: a kill between them leaves best/ one improvement behind; last/ holds that epoch.
  if (bestDir && state.bestEpoch === state.epochsDone && config.checkpoint.saveBest !== false && (!hasCheckpoint(bestDir) || readTrainerState(bestDir).epochsDone !== state.epochsDone)) {
    await saveCheckpoint(bestDir, { model: run.model, optimizer: run.optimizer, state, parts: run.parts });
  }
  if (state.seed !== config.seed) throw new Error(`${lastDir}: checkpoint was trained with seed ${state.seed}, the config says ${config.seed}`);
  if (state.monitor !== run.monitorMetric) throw new Error(`${lastDir}: checkpoint monitors ${state.monitor}, the config ${run.monitorMetric}`);
  run.schedule.restore(state.schedule);
}

/** The teacher's outputs for the run: compiled graph unless the step is eager (or the teacher does not build as one). */
function teacherSource(config: TrainerConfig, numClasses: number): { source?: TeacherOutputSource; graph?: CompiledPredictor } {
  const d = config.distillation;
  if (!d) return {};
  let graph: CompiledPredictor | undefined;
  if ((config.step ?? "auto") !== "eager" && !config.createStep) {
    // Outside the try: KDLAB_BF16 asking for bf16 where it cannot run is an error, not a quiet eager teacher.
    const precision = precisionFromEnv("teacher");
    try {
      graph = new CompiledPredictor(d.teacher, { taps: d.method.taps.teacher, precision });
    } catch {
      // A teacher that does not build as a graph runs in tfjs, as with the eager step.
    }
  }
  const run = graph && ((xs: tf.Tensor4D) => (graph as CompiledPredictor).predictWithTaps(xs));
  return { source: new TeacherOutputSource(d.teacher, d.cache ?? "off", numClasses, { taps: d.method.taps.teacher, preprocess: d.preprocess, run }), graph };
}

/** Trains `model` in place (and the distillation method's parts); see the file comment. */
export async function trainModel(model: tf.LayersModel, data: TrainData, config: TrainerConfig): Promise<TrainResult> {
  const numClasses = outputClasses(model, "model");
  validate(config, numClasses);
  const monitorMetric = config.monitor?.metric ?? (data.validation ? "val_loss" : "loss");
  const label = config.label ?? "";
  const runDir = config.checkpoint?.dir;
  const optimizer = createOptimizer(config.optimizer);
  const schedule = createSchedule(config.schedule ?? { kind: "constant" }, config.optimizer.lr);
  const d = config.distillation;
  let step: TrainStep | undefined;
  let teacherGraph: CompiledPredictor | undefined;
  let run: RunState | undefined;

  try {
    const teacher = teacherSource(config, numClasses);
    teacherGraph = teacher.graph;
    const setUp: Omit<RunState, "step"> = {
      model,
      data,
      config,
      label,
      listener: config.progress === "off" ? undefined : config.progress === undefined || config.progress === "auto" ? terminalProgress() : config.progress,
      optimizer,
      schedule,
      teacher: teacher.source,
      parts: d?.method.parts ?? [],
      monitorMetric,
      monitorMode: config.monitor?.mode ?? defaultMode(monitorMetric),
      runDir,
      lastDir: runDir && path.join(runDir, "last"),
      bestDir: runDir && path.join(runDir, "best"),
      state: freshState(config, monitorMetric, schedule.state()),
      batchesPerEpoch: config.batchesPerEpoch,
    };
    if (runDir) {
      fs.mkdirSync(runDir, { recursive: true });
      fs.writeFileSync(path.join(runDir, "trainer.json"), `${JSON.stringify(describeConfig(config), null, 1)}\n`);
    }
    await setUpResume(setUp);
    // Built after a resume, so a compiled step starts from the restored weights and optimizer slots.
    const spec: CompiledStepSpec = { model, optimizer, optimizerConfig: config.optimizer, method: d?.method, teacher: d?.teacher, classWeights: config.classWeights, hardLabelWeight: d && hardLabelWeightFor(d.method, d.hardLabelWeight), weightDecay: config.weightDecay, precision: config.precision };
    const created = config.createStep ? { step: config.createStep(spec) } : createTrainStep(config.step ?? "auto", spec);
    step = created.step;
    run = { ...setUp, step };
    if (config.progress !== "off") {
      const why = created.fallback ? ` — the compiled step could not be built: ${created.fallback}` : "";
      const teacherRuns = d ? `; ${d.method.describe()}${d.hardLabelWeight === undefined ? "" : `, hard-label weight ${d.hardLabelWeight}`}; teacher: ${teacherGraph ? `compiled TensorFlow graph${teacherGraph.precision === "float32" ? "" : ` (${teacherGraph.precision})`}` : "eager tfjs"}` : "";
      console.log(`${label ? `${label}: ` : ""}train step: ${step.description}${why}${teacherRuns}`);
    }
    const resumedAt = run.state.epochsDone;
    // A run killed after early stopping ended it, before it returned, stays stopped.
    let stoppedEarly = config.earlyStopping !== undefined && resumedAt > 0 && run.state.wait >= config.earlyStopping.patience;
    for (let epoch = run.state.epochsDone; epoch < config.epochs && !stoppedEarly; epoch++) {
      const ended = await trainEpoch(run, epoch);
      stoppedEarly = ended.stoppedEarly;
      if (ended.stop) break;
    }
    if (config.earlyStopping?.restoreBest) {
      if (run.bestWeights) model.setWeights(run.bestWeights);
      else if (run.bestDir && hasCheckpoint(run.bestDir)) loadModelWeights(model, run.bestDir);
    }
    const { state } = run;
    run.listener?.({ kind: "done", label, epochsRun: state.epochsDone - resumedAt, stoppedEarly, bestEpoch: state.bestEpoch, bestMetric: state.bestMetric, monitor: monitorMetric });
    return {
      history: state.history,
      monitor: monitorMetric,
      bestMetric: state.bestMetric,
      bestEpoch: state.bestEpoch,
      stoppedEarly,
      epochsRun: state.epochsDone - resumedAt,
      resumedAt,
      teacherCache: run.teacher?.cache ? { hits: run.teacher.hits, misses: run.teacher.misses } : undefined,
      runDir,
    };
  } finally {
    tf.dispose(run?.bestWeights ?? []);
    step?.dispose();
    teacherGraph?.dispose();
    disposeOptimizer(optimizer);
  }
}
