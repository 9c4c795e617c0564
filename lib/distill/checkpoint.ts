/**
 * Checkpoints of a training run under runs/<experiment>-<timestamp>/:
 *
 *   last/  and  best/   each holding
 *     model.json + weights.bin   tfjs layers format (tf.loadLayersModel("file://…/model.json") reads it)
 *     optimizer.json + optimizer.bin   the optimizer's slots (momentum / Adam moments, iteration count)
 *     state.json                  epochs done, best metric, schedule and early-stopping state, history
 *     part-<i>/                   a distillation method's extra trainable parts (FitNets' regressor), model.json + weights.bin
 *
 * Weights are restored into an already built model by position (tfjs layer
 * names carry per-process counters, so names differ between processes),
 * with every shape checked. A checkpoint is written to a temporary folder
 * and renamed, so a crash never leaves a half-written `last/`.
 */
import * as fs from "node:fs";
import * as path from "node:path";
import * as tf from "@tensorflow/tfjs";
import { EpochRecord } from "./history";
import { optimizerState, OptimizerState, restoreOptimizerState } from "./optimizers";
import { ScheduleState } from "./schedules";
import { losslessJson, readLosslessJson } from "../runtime/lossless-json";

export interface TrainerState {
  /** Epochs completed; training resumes at this 0-based epoch. */
  epochsDone: number;
  /** Monitored metric, its best value and the 1-based epoch that reached it. */
  monitor: string;
  bestMetric: number | null;
  bestEpoch: number | null;
  /** Epochs since the last improvement (early stopping). */
  wait: number;
  schedule: ScheduleState;
  seed: number;
  history: EpochRecord[];
}

interface WeightsManifestFile {
  modelTopology: unknown;
  format?: string;
  generatedBy?: string;
  convertedBy?: string | null;
  weightsManifest: { paths: string[]; weights: tf.io.WeightsManifestEntry[] }[];
}

interface OptimizerFile {
  className: string;
  slots: { name: string; shape: number[]; dtype: "float32" | "int32" }[];
}

const STATE = "state.json";

function joinWeightData(data: tf.io.WeightData | undefined): ArrayBuffer {
  if (data === undefined) return new ArrayBuffer(0);
  return Array.isArray(data) ? tf.io.CompositeArrayBuffer.join(data) : data;
}

export async function writeModel(model: tf.LayersModel, dir: string): Promise<void> {
  await model.save(
    tf.io.withSaveHandler(async (artifacts) => {
      const weights = joinWeightData(artifacts.weightData);
      const manifest: WeightsManifestFile = {
        modelTopology: artifacts.modelTopology,
        format: artifacts.format,
        generatedBy: artifacts.generatedBy,
        convertedBy: artifacts.convertedBy ?? null,
        weightsManifest: [{ paths: ["./weights.bin"], weights: artifacts.weightSpecs ?? [] }],
      };
      fs.writeFileSync(path.join(dir, "weights.bin"), Buffer.from(weights));
      fs.writeFileSync(path.join(dir, "model.json"), JSON.stringify(manifest));
      return { modelArtifactsInfo: { dateSaved: new Date(), modelTopologyType: "JSON", weightDataBytes: weights.byteLength } };
    }),
  );
}

function readBinary(file: string): Buffer {
  if (!fs.existsSync(file)) throw new Error(`${file}: missing`);
  return fs.readFileSync(file);
}

function readJson<T>(file: string): T {
  if (!fs.existsSync(file)) throw new Error(`${file}: missing`);
  return readLosslessJson<T>(file);
}

function typedView(bytes: Buffer, offset: number, length: number, dtype: string, file: string): Float32Array | Int32Array {
  const slice = bytes.buffer.slice(bytes.byteOffset + offset, bytes.byteOffset + offset + length * 4);
  if (dtype === "float32") return new Float32Array(slice);
  if (dtype === "int32") return new Int32Array(slice);
  throw new Error(`${file}: dtype ${dtype} is not supported (float32 and int32 only)`);
}

/** Loads weights saved by writeModel into `model`, by position, checking count and shapes. */
export function loadModelWeights(model: tf.LayersModel, dir: string): void {
  const manifestFile = path.join(dir, "model.json");
  const manifest = readJson<WeightsManifestFile>(manifestFile);
  const specs = manifest.weightsManifest.flatMap((group) => group.weights);
  const bytes = Buffer.concat(manifest.weightsManifest.flatMap((group) => group.paths.map((p) => readBinary(path.join(dir, p)))));
  const targets = model.weights;
  if (specs.length !== targets.length) {
    throw new Error(`${manifestFile}: ${specs.length} weights saved, model ${model.name} has ${targets.length}`);
  }
  let offset = 0;
  const tensors = specs.map((spec, i) => {
    if (spec.quantization) throw new Error(`${manifestFile}: quantized weight ${spec.name} is not supported`);
    const expected = targets[i].shape;
    if (spec.shape.join(",") !== expected.join(",")) {
      throw new Error(`${manifestFile}: weight ${i} (${spec.name}) has shape [${spec.shape}], model weight ${targets[i].name} has [${expected}]`);
    }
    const size = spec.shape.reduce((a, b) => a * b, 1);
    if (offset + size * 4 > bytes.byteLength) throw new Error(`${manifestFile}: weight data ends before ${spec.name}`);
    const values = typedView(bytes, offset, size, spec.dtype, manifestFile);
    offset += size * 4;
    return tf.tensor(values, spec.shape, spec.dtype as "float32" | "int32");
  });
  if (offset !== bytes.byteLength) throw new Error(`${manifestFile}: ${bytes.byteLength - offset} bytes of weight data left over`);
  model.setWeights(tensors);
  tf.dispose(tensors);
}

function writeOptimizer(state: OptimizerState, dir: string): void {
  const header: OptimizerFile = { className: state.className, slots: state.slots.map(({ name, shape, dtype }) => ({ name, shape, dtype })) };
  const buffers = state.slots.map((slot) => Buffer.from(slot.values.buffer, slot.values.byteOffset, slot.values.byteLength));
  fs.writeFileSync(path.join(dir, "optimizer.bin"), Buffer.concat(buffers));
  fs.writeFileSync(path.join(dir, "optimizer.json"), JSON.stringify(header));
}

function readOptimizer(dir: string): OptimizerState {
  const file = path.join(dir, "optimizer.json");
  const header = readJson<OptimizerFile>(file);
  const bytes = readBinary(path.join(dir, "optimizer.bin"));
  let offset = 0;
  const slots = header.slots.map((slot) => {
    const size = slot.shape.reduce((a, b) => a * b, 1);
    if (offset + size * 4 > bytes.byteLength) throw new Error(`${file}: optimizer.bin ends before slot ${slot.name}`);
    const values = typedView(bytes, offset, size, slot.dtype, file);
    offset += size * 4;
    return { ...slot, values };
  });
  return { className: header.className, slots };
}

export interface CheckpointParts {
  model: tf.LayersModel;
  optimizer: tf.Optimizer;
  state: TrainerState;
  /** Extra trained models (a distillation method's parts), saved and restored with the model; the optimizer's slots cover the model's weights, then theirs. */
  parts?: readonly tf.LayersModel[];
}

function partDir(dir: string, index: number): string {
  return path.join(dir, `part-${index}`);
}

/** Flushes a file's or a folder's contents to disk, so a rename after it never exposes unwritten bytes. */
function fsyncPath(target: string): void {
  const fd = fs.openSync(target, "r");
  try {
    fs.fsyncSync(fd);
  } finally {
    fs.closeSync(fd);
  }
}

/**
 * Writes a checkpoint folder, replacing any previous one atomically: the new
 * one is written to `<dir>.writing`, every file and the folder fsynced, then
 * the old one moved to `<dir>.old` and the new one renamed into place. A
 * kill at any moment leaves either the old or the new checkpoint, which
 * recoverCheckpoint puts back in place.
 */
export async function saveCheckpoint(dir: string, parts: CheckpointParts): Promise<void> {
  const staging = `${dir}.writing`;
  fs.rmSync(staging, { recursive: true, force: true });
  fs.mkdirSync(staging, { recursive: true });
  await writeModel(parts.model, staging);
  for (const [i, part] of (parts.parts ?? []).entries()) {
    fs.mkdirSync(partDir(staging, i));
    await writeModel(part, partDir(staging, i));
  }
  writeOptimizer(await optimizerState(parts.optimizer), staging);
  fs.writeFileSync(path.join(staging, STATE), losslessJson(parts.state, 1));
  for (const entry of fs.readdirSync(staging, { recursive: true, encoding: "utf8" })) fsyncPath(path.join(staging, entry));
  fsyncPath(staging);
  const old = `${dir}.old`;
  fs.rmSync(old, { recursive: true, force: true });
  if (fs.existsSync(dir)) fs.renameSync(dir, old);
  fs.renameSync(staging, dir);
  fsyncPath(path.dirname(dir));
  fs.rmSync(old, { recursive: true, force: true });
}

/**
 * Puts a checkpoint folder back in order after a kill mid-save: a stale
 * `<dir>.writing` is removed; a `<dir>.old` left between the two renames
 * becomes `<dir>` again when `<dir>` is missing, and is removed otherwise.
 * Returns what it did, for the log.
 */
export function recoverCheckpoint(dir: string): string[] {
  const done: string[] = [];
  const staging = `${dir}.writing`;
  const old = `${dir}.old`;
  if (fs.existsSync(staging)) {
    fs.rmSync(staging, { recursive: true, force: true });
    done.push(`removed the unfinished ${path.basename(staging)}`);
  }
  if (fs.existsSync(old)) {
    if (hasCheckpoint(dir)) {
      fs.rmSync(old, { recursive: true, force: true });
      done.push(`removed the replaced ${path.basename(old)}`);
    } else {
      fs.rmSync(dir, { recursive: true, force: true });
      fs.renameSync(old, dir);
      done.push(`restored ${path.basename(dir)} from ${path.basename(old)}`);
    }
  }
  return done;
}

export function hasCheckpoint(dir: string): boolean {
  return fs.existsSync(path.join(dir, STATE));
}

/** Restores model weights, the parts' weights and optimizer slots from a checkpoint folder; returns the trainer state. */
export async function loadCheckpoint(dir: string, model: tf.LayersModel, optimizer: tf.Optimizer, parts: readonly tf.LayersModel[] = []): Promise<TrainerState> {
  const state = readJson<TrainerState>(path.join(dir, STATE));
  if (!Number.isInteger(state.epochsDone) || !Array.isArray(state.history)) {
    throw new Error(`${path.join(dir, STATE)}: not a trainer state (epochsDone, history missing)`);
  }
  loadModelWeights(model, dir);
  parts.forEach((part, i) => {
    if (!fs.existsSync(partDir(dir, i))) throw new Error(`${dir}: the distillation method has ${parts.length} trained part(s), the checkpoint has no ${path.basename(partDir(dir, i))}/ (was it saved by another method?)`);
    loadModelWeights(part, partDir(dir, i));
  });
  const shapes = [model, ...parts].flatMap((m) => m.trainableWeights.map((w) => w.shape as number[]));
  await restoreOptimizerState(optimizer, readOptimizer(dir), shapes, path.join(dir, "optimizer.json"));
  return state;
}

/** The trainer state of a checkpoint without touching any model. */
export function readTrainerState(dir: string): TrainerState {
  return readJson<TrainerState>(path.join(dir, STATE));
}

function timestamp(date: Date): string {
  const pad = (n: number): string => String(n).padStart(2, "0");
  return `${date.getUTCFullYear()}${pad(date.getUTCMonth() + 1)}${pad(date.getUTCDate())}-${pad(date.getUTCHours())}${pad(date.getUTCMinutes())}${pad(date.getUTCSeconds())}`;
}

/**
 * runs/<experiment>-<YYYYMMDD-HHMMSS UTC>/ (created), or -2, -3 … after it
 * when that second's folder exists. Each name is claimed by creating it
 * (mkdir fails on an existing folder), so two processes starting the same
 * experiment in the same second get two folders.
 */
export function newRunDirectory(runsRoot: string, experiment: string, now = new Date()): string {
  if (!/^[A-Za-z0-9._-]+$/.test(experiment)) throw new Error(`experiment name "${experiment}" may only use letters, digits, . _ -`);
  fs.mkdirSync(runsRoot, { recursive: true });
  for (let n = 1; ; n++) {
    const dir = path.join(runsRoot, `${experiment}-${timestamp(now)}${n === 1 ? "" : `-${n}`}`);
    try {
      fs.mkdirSync(dir);
      return dir;
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code !== "EEXIST") throw error;
    }
  }
}

/** The newest run folder of an experiment that has a `last/` checkpoint, if any. */
export function latestRunDirectory(runsRoot: string, experiment: string): string | undefined {
  if (!fs.existsSync(runsRoot)) return undefined;
  const pattern = new RegExp(`^${experiment.replace(/[.*+?^${}()|[\]\\]/g, "\\$&")}-\\d{8}-\\d{6}(-\\d+)?$`);
  const candidates = fs
    .readdirSync(runsRoot)
    .filter((name) => pattern.test(name) && hasCheckpoint(path.join(runsRoot, name, "last")))
    .map((name) => {
      const [day, time, copy] = name.slice(experiment.length + 1).split("-");
      return { name, order: `${day}${time}`, copy: Number(copy ?? 1) };
    })
    .sort((a, b) => (a.order === b.order ? a.copy - b.copy : a.order < b.order ? -1 : 1))
    .map((entry) => entry.name);
  return candidates.length > 0 ? path.join(runsRoot, candidates[candidates.length - 1]) : undefined;
}
