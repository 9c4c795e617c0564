/**
 * Trained models kept for reuse, so a notebook that needs a model another
 * notebook already trained (05 distils several students from notebook 04's
 * teacher; 06 explains 03's pair) loads it instead of training it again.
 *
 * An entry is keyed by everything that decides the trained weights: the
 * role, model choice, its seed, every training setting of the config, the
 * exact train and validation samples (names, labels, and each file's size
 * and mtime), for a distilled student the teacher's own key and the
 * distillation settings, and kdlab's training code (lib/ data, models,
 * distill, compiled, experiments, and native/graph/), so a change to it
 * never serves a model trained by the old code. It holds the final weights (writeModel's format)
 * and the ModelRun (history, test report) as JSON. Written beside its final
 * place and renamed, so a crash never leaves half an entry.
 */
import * as crypto from "node:crypto";
import * as fs from "node:fs";
import * as path from "node:path";
import * as tf from "@tensorflow/tfjs";
import { Sample, sampleName } from "../data/sample";
import { loadModelWeights, writeModel } from "../distill/index";
import { ExperimentConfig } from "./config";
import { ModelRun, Role } from "./results";
import { ComputePrecision, computePrecision } from "../compiled/precision";

const CACHE_VERSION = 1;
const RUN_FILE = "run.json";
const PROJECT_ROOT = path.resolve(__dirname, "..", "..");

let codeHash: string | undefined;

/** The folders whose code decides what a config trains (reports, the CLI, the bench do not). */
const TRAINING_CODE = ["lib/data", "lib/models", "lib/distill", "lib/compiled", "lib/conv-route", "lib/experiments", "lib/backend.ts", "lib/onednn.ts", "native/graph"];

/** A hash of kdlab's training code (computed once per process). */
export function codeFingerprint(): string {
  if (codeHash) return codeHash;
  const hash = crypto.createHash("sha256");
  const walk = (dir: string): void => {
    for (const entry of fs.readdirSync(dir, { withFileTypes: true }).sort((a, b) => a.name.localeCompare(b.name))) {
      const full = path.join(dir, entry.name);
      if (entry.isDirectory()) walk(full);
      else if (/\.(ts|js|json|cc|h)$/.test(entry.name)) hash.update(path.relative(PROJECT_ROOT, full)).update(fs.readFileSync(full));
    }
  };
  for (const part of TRAINING_CODE) {
    const full = path.join(PROJECT_ROOT, part);
    if (!fs.existsSync(full)) continue;
    if (fs.statSync(full).isDirectory()) walk(full);
    else hash.update(part).update(fs.readFileSync(full));
  }
  codeHash = hash.digest("hex");
  return codeHash;
}

/** A stable fingerprint of the samples a model learns from and is selected on. */
export function samplesFingerprint(splits: readonly (readonly Sample[])[]): string {
  const hash = crypto.createHash("sha256");
  const stats = new Map<string, string>();
  for (const samples of splits) {
    hash.update(`|${samples.length}`);
    for (const sample of samples) {
      let stat = stats.get(sample.file);
      if (stat === undefined) {
        const s = fs.statSync(sample.file);
        stat = `${s.size}:${s.mtimeMs}`;
        stats.set(sample.file, stat);
      }
      hash.update(`${sampleName(sample)}=${sample.label}@${stat};`);
    }
  }
  return hash.digest("hex");
}

/** The teacher outputs' precision where it is not float32 (so float32 keys stay as they were). */
function teacherOutputPrecision(): { outputs?: ComputePrecision } {
  const outputs = computePrecision(process.env, "teacher");
  return outputs === "float32" ? {} : { outputs };
}

/** What decides a model's trained weights, hashed. `teacherKey` only for a distilled student. */
export function modelKey(config: ExperimentConfig, role: Role, seed: number, dataFingerprint: string, teacherKey?: string): string {
  const choice = role === "teacher" ? config.teacher : config.student;
  const parts = {
    version: CACHE_VERSION,
    code: codeFingerprint(),
    role,
    choice,
    seed,
    epochs: config.epochs,
    batchSize: config.batchSize,
    dataset: config.dataset,
    optimizer: config.optimizer,
    schedule: config.schedule,
    regularisation: config.regularisation,
    augmentation: config.augmentation,
    batchNormMomentum: config.batchNormMomentum,
    earlyStoppingPatience: config.earlyStoppingPatience,
    trainStep: config.trainStep,
    // KDLAB_BF16 trains other weights from the same settings; a distilled student also learns from the teacher's outputs in the teacher's precision.
    precision: computePrecision(process.env, role),
    data: dataFingerprint,
    teacher: teacherKey ? { key: teacherKey, distillation: config.distillation, ...teacherOutputPrecision() } : null,
  };
  return crypto.createHash("sha256").update(JSON.stringify(parts)).digest("hex").slice(0, 32);
}

/** Trained models stored by key under `dir`, one folder each (also a run folder's <role>/final, see run.ts). */
export class ModelCache {
  constructor(readonly dir: string) {}

  private entry(key: string): string {
    return path.join(this.dir, key);
  }

  has(key: string): boolean {
    return fs.existsSync(path.join(this.entry(key), RUN_FILE));
  }

  /** Loads the entry's weights into `model` (built like the cached one) and returns its run. */
  load(key: string, model: tf.LayersModel): ModelRun {
    const dir = this.entry(key);
    loadModelWeights(model, dir);
    return JSON.parse(fs.readFileSync(path.join(dir, RUN_FILE), "utf8")) as ModelRun;
  }

  async save(key: string, model: tf.LayersModel, run: ModelRun): Promise<void> {
    const dir = this.entry(key);
    const staging = `${dir}.writing-${process.pid}`;
    fs.rmSync(staging, { recursive: true, force: true });
    fs.mkdirSync(staging, { recursive: true });
    await writeModel(model, staging);
    fs.writeFileSync(path.join(staging, RUN_FILE), `${JSON.stringify(run)}\n`);
    fs.rmSync(dir, { recursive: true, force: true });
    fs.renameSync(staging, dir);
  }
}
