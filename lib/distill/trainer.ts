/**
 * One generic training loop, for a model trained alone (no `distillation`,
 * α = 1) and for a student distilled from a frozen teacher. It drives a
 * `TrainStep` (eager today; see step.ts) and does not know how the step runs.
 *
 * Per epoch: learning rate from the schedule → train batches (teacher logits
 * live or from the cache) → validation → schedule, best checkpoint, early
 * stopping → `last/` checkpoint and history files in the run folder.
 * Resuming from `last/` continues the same run: weights, optimizer slots,
 * schedule state, early-stopping counters and history are restored, and the
 * batch source is asked for epoch e with the same seed as before.
 */
import * as fs from "node:fs";
import * as path from "node:path";
import * as tf from "@tensorflow/tfjs";
import { BatchSource, checkBatch, disposeBatch, epochSeed } from "./batch";
import { TeacherCacheMode, TeacherLogitSource } from "./cache";
import { hasCheckpoint, loadCheckpoint, loadModelWeights, readTrainerState, recoverCheckpoint, saveCheckpoint, TrainerState } from "./checkpoint";
import { evaluateModel } from "./evaluate";
import { EpochRecord, writeHistory } from "./history";
import { classificationReport } from "./metrics";
import { defaultMode, isImprovement, MonitorMode, readMetric } from "./monitor";
import { createOptimizer, disposeOptimizer, OptimizerConfig } from "./optimizers";
import { ProgressListener, terminalProgress } from "./progress";
import { createSchedule, ScheduleConfig } from "./schedules";
import { createEagerTrainStep, TrainStep, TrainStepFactory, TrainStepSpec } from "./step";
import { createCompiledTrainStep } from "../compiled/step";
import { CompiledPredictor } from "../compiled/predictor";

export interface DistillationConfig {
  /** Frozen teacher, run in inference mode; outputs logits. */
  teacher: tf.LayersModel;
  temperature: number;
  /** Hard-label weight α ∈ [0, 1]. */
  alpha: number;
  /** Cache teacher logits by sample id — only when augmentation is off. Default "off". */
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
}

export type StepKind = "auto" | "eager" | "compiled";

/** The step for `kind`; "auto" falls back to eager (with the reason) when the compiled graph cannot be built. */
export function createTrainStep(kind: StepKind, spec: TrainStepSpec): { step: TrainStep; fallback?: string } {
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
    if (!(d.alpha >= 0 && d.alpha <= 1)) throw new Error(`distillation.alpha must be in [0, 1], got ${d.alpha}`);
    if (!(d.temperature > 0)) throw new Error(`distillation.temperature must be positive, got ${d.temperature}`);
    const teacherClasses = outputClasses(d.teacher, "teacher");
    if (teacherClasses !== numClasses) throw new Error(`teacher has ${teacherClasses} classes, student ${numClasses}`);
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
      temperature: distillation.temperature,
      alpha: distillation.alpha,
      cache: distillation.cache ?? "off",
      preprocess: distillation.preprocess ? "custom" : "none",
    },
  };
}

/** Trains `model` in place; see the file comment for what one epoch does. */
export async function trainModel(model: tf.LayersModel, data: TrainData, config: TrainerConfig): Promise<TrainResult> {
  const numClasses = outputClasses(model, "model");
  validate(config, numClasses);
  const monitorMetric = config.monitor?.metric ?? (data.validation ? "val_loss" : "loss");
  const monitorMode = config.monitor?.mode ?? defaultMode(monitorMetric);
  const label = config.label ?? "";
  const listener = config.progress === "off" ? undefined : config.progress === undefined || config.progress === "auto" ? terminalProgress() : config.progress;
  const runDir = config.checkpoint?.dir;
  const lastDir = runDir && path.join(runDir, "last");
  const bestDir = runDir && path.join(runDir, "best");

  const optimizer = createOptimizer(config.optimizer);
  const schedule = createSchedule(config.schedule ?? { kind: "constant" }, config.optimizer.lr);
  let state = freshState(config, monitorMetric, schedule.state());
  let step: TrainStep | undefined;
  let teacher: TeacherLogitSource | undefined;
  let teacherGraph: CompiledPredictor | undefined;
  let bestWeights: tf.Tensor[] | undefined;
  let stoppedEarly = false;
  let batchesPerEpoch = config.batchesPerEpoch;

  try {
    const d = config.distillation;
    if (d && (config.step ?? "auto") !== "eager" && !config.createStep) {
      try {
        teacherGraph = new CompiledPredictor(d.teacher);
      } catch {
        // A teacher that does not build as a graph runs in tfjs, as with the eager step.
      }
    }
    const runTeacher = teacherGraph && ((xs: tf.Tensor4D) => (teacherGraph as CompiledPredictor).predict(xs));
    teacher = d && new TeacherLogitSource(d.teacher, d.cache ?? "off", numClasses, d.preprocess, runTeacher);
    if (runDir) {
      fs.mkdirSync(runDir, { recursive: true });
      fs.writeFileSync(path.join(runDir, "trainer.json"), `${JSON.stringify(describeConfig(config), null, 1)}\n`);
    }
    if (lastDir && bestDir) for (const line of [...recoverCheckpoint(lastDir), ...recoverCheckpoint(bestDir)]) console.error(`${label ? `${label}: ` : ""}checkpoint: ${line}`);
    if (config.checkpoint?.resume && lastDir && hasCheckpoint(lastDir)) {
      state = await loadCheckpoint(lastDir, model, optimizer);
      // last/ is written before best/: a kill between them leaves best/ one improvement behind; last/ holds that epoch.
      if (bestDir && state.bestEpoch === state.epochsDone && config.checkpoint.saveBest !== false && (!hasCheckpoint(bestDir) || readTrainerState(bestDir).epochsDone !== state.epochsDone)) {
        await saveCheckpoint(bestDir, { model, optimizer, state });
      }
      if (state.seed !== config.seed) throw new Error(`${lastDir}: checkpoint was trained with seed ${state.seed}, the config says ${config.seed}`);
      if (state.monitor !== monitorMetric) throw new Error(`${lastDir}: checkpoint monitors ${state.monitor}, the config ${monitorMetric}`);
      schedule.restore(state.schedule);
    }
    // Built after a resume, so a compiled step starts from the restored weights and optimizer slots.
    const spec: TrainStepSpec = {
      model,
      optimizer,
      optimizerConfig: config.optimizer,
      alpha: d?.alpha ?? 1,
      temperature: d?.temperature ?? 1,
      classWeights: config.classWeights,
      weightDecay: config.weightDecay,
    };
    const created = config.createStep ? { step: config.createStep(spec) } : createTrainStep(config.step ?? "auto", spec);
    step = created.step;
    if (config.progress !== "off") {
      const why = created.fallback ? ` — the compiled step could not be built: ${created.fallback}` : "";
      const teacherRuns = d ? `; teacher: ${teacherGraph ? "compiled TensorFlow graph" : "eager tfjs"}` : "";
      console.log(`${label ? `${label}: ` : ""}train step: ${step.description}${why}${teacherRuns}`);
    }
    const resumedAt = state.epochsDone;
    // A run killed after early stopping ended it, before it returned, stays stopped.
    if (config.earlyStopping && resumedAt > 0 && state.wait >= config.earlyStopping.patience) stoppedEarly = true;

    for (let epoch = state.epochsDone; epoch < config.epochs && !stoppedEarly; epoch++) {
      const started = Date.now();
      const lr = schedule.learningRate(epoch);
      const context = { epoch, seed: epochSeed(config.seed, epoch) };
      let lossSum = 0;
      let correct = 0;
      let count = 0;
      let batchIndex = 0;
      for await (const batch of data.train(context)) {
        const where = `${label || "train"} epoch ${epoch + 1} batch ${batchIndex + 1}`;
        let teacherLogits: tf.Tensor2D | undefined;
        let xs: tf.Tensor4D | undefined;
        try {
          checkBatch(batch, where);
          teacherLogits = teacher && (await teacher.logitsFor(batch, where));
          xs = preprocessed(batch.xs, config.preprocess);
          const result = await step.run({ xs, labels: batch.labels, teacherLogits }, { learningRate: lr, seed: epochSeed(context.seed, batchIndex) });
          if (!Number.isFinite(result.loss)) throw new Error(`${where}: loss is ${result.loss} (lr ${lr}); lower the learning rate or check the inputs`);
          lossSum += result.loss * result.count;
          correct += result.correct;
          count += result.count;
          await config.callbacks?.onBatchEnd?.({ epoch, batch: batchIndex, loss: result.loss, accuracy: result.correct / result.count, count: result.count, lr });
          listener?.({ kind: "batch", label, epoch, epochs: config.epochs, batch: batchIndex, batches: batchesPerEpoch, loss: lossSum / count, accuracy: correct / count, lr, elapsedSeconds: (Date.now() - started) / 1000 });
        } finally {
          if (teacherLogits) teacherLogits.dispose();
          if (xs && xs !== batch.xs) xs.dispose();
          disposeBatch(batch);
        }
        batchIndex++;
      }
      if (count === 0) throw new Error(`${label || "train"} epoch ${epoch + 1}: the training batch source produced no samples`);
      batchesPerEpoch ??= batchIndex;
      teacher?.cache?.persist();
      // Validation, checkpoints and callbacks read the tfjs model (and the optimizer when checkpointing).
      await step.syncToModel?.({ optimizer: runDir !== undefined });

      const record: EpochRecord = { epoch: epoch + 1, lr, loss: lossSum / count, accuracy: correct / count, seconds: 0 };
      if (data.validation) {
        const evaluation = await evaluateModel(model, data.validation(context), `${label || "validation"} epoch ${epoch + 1} validation`, config.preprocess);
        record.val_loss = evaluation.loss;
        record.val_accuracy = evaluation.accuracy;
        if (evaluation.numClasses === 2) {
          const binary = classificationReport(evaluation.probabilities, evaluation.labels, 2).binary;
          if (binary) Object.assign(record, { val_auc: binary.auc, val_sensitivity: binary.sensitivity, val_specificity: binary.specificity, val_f1: binary.f1 });
        }
      }
      record.seconds = (Date.now() - started) / 1000;

      schedule.observe(record);
      const value = readMetric(record, monitorMetric, "trainer monitor");
      const improved = isImprovement(value, state.bestMetric, monitorMode, config.earlyStopping?.minDelta ?? 0);
      state = {
        ...state,
        epochsDone: epoch + 1,
        history: [...state.history, record],
        schedule: schedule.state(),
        ...(improved ? { bestMetric: value, bestEpoch: epoch + 1, wait: 0 } : { wait: state.wait + 1 }),
      };
      if (improved && config.earlyStopping?.restoreBest) {
        tf.dispose(bestWeights ?? []);
        bestWeights = model.getWeights().map((w) => tf.keep(w.clone()));
      }
      if (runDir && lastDir && bestDir) {
        // last/ first: a kill between the two then leaves last/ ahead, which a resume repairs (above).
        await saveCheckpoint(lastDir, { model, optimizer, state });
        if (improved && config.checkpoint?.saveBest !== false) await saveCheckpoint(bestDir, { model, optimizer, state });
        writeHistory(state.history, runDir);
      }
      listener?.({ kind: "epoch", label, epoch, epochs: config.epochs, record, improved });
      const verdict = await config.callbacks?.onEpochEnd?.(record);
      if (verdict === "stop") break;
      if (config.earlyStopping && !improved && state.wait >= config.earlyStopping.patience) {
        stoppedEarly = true;
        break;
      }
    }

    if (config.earlyStopping?.restoreBest) {
      if (bestWeights) model.setWeights(bestWeights);
      else if (bestDir && hasCheckpoint(bestDir)) loadModelWeights(model, bestDir);
    }
    listener?.({ kind: "done", label, epochsRun: state.epochsDone - resumedAt, stoppedEarly, bestEpoch: state.bestEpoch, bestMetric: state.bestMetric, monitor: monitorMetric });
    return {
      history: state.history,
      monitor: monitorMetric,
      bestMetric: state.bestMetric,
      bestEpoch: state.bestEpoch,
      stoppedEarly,
      epochsRun: state.epochsDone - resumedAt,
      resumedAt,
      teacherCache: teacher?.cache ? { hits: teacher.hits, misses: teacher.misses } : undefined,
      runDir,
    };
  } finally {
    tf.dispose(bestWeights ?? []);
    step?.dispose();
    teacherGraph?.dispose();
    disposeOptimizer(optimizer);
  }
}
