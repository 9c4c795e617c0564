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
 * and the ModelRun (history, test report) as JSON, and content.sha256 over
 * those files, written last (lib/distill/content-hash.ts). Written beside its
 * final place and renamed, so a crash never leaves half an entry (and of two
 * processes saving one key side by side, the first rename wins). An entry
 * whose hash is missing or wrong, whose files do not parse, or whose weights
 * hold NaN or Infinity is said, deleted and trained again: never loaded.
 */
import * as crypto from "node:crypto";
import * as fs from "node:fs";
import * as path from "node:path";
import * as tf from "@tensorflow/tfjs";
import { Sample, sampleName } from "../data/sample";
import { loadModelWeights, writeModel } from "../distill/index";
import { contentProblem, firstNonFinite, float32View, writeContentHashes } from "../distill/content-hash";
import { removingStagingOnFailure, renameFolderIntoPlace, stagingPath } from "../runtime/staging";
import { ExperimentConfig } from "./config";
import { ModelRun, Role } from "./results";
import { ComputePrecision, precisionFromEnv } from "../runtime/precision";
import { PROJECT_ROOT } from "../runtime/paths";
import { losslessJson, readLosslessJson } from "../runtime/lossless-json";

const CACHE_VERSION = 1;
const RUN_FILE = "run.json";
/** The files an entry holds (writeModel's two, then the run), each in content.sha256. */
const ENTRY_FILES = ["model.json", "weights.bin", RUN_FILE];

let codeHash: string | undefined;

/** The folders whose code decides what a config trains (reports, the CLI, the bench do not). */
const TRAINING_CODE = ["lib/data", "lib/models", "lib/distill", "lib/graph", "lib/runtime", "lib/experiments", "native/graph"];

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
  const outputs = precisionFromEnv("teacher");
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
    precision: precisionFromEnv(role),
    data: dataFingerprint,
    teacher: teacherKey ? { key: teacherKey, distillation: config.distillation, ...teacherOutputPrecision() } : null,
  };
  return crypto.createHash("sha256").update(JSON.stringify(parts)).digest("hex").slice(0, 32);
}

/** The first float32 weight holding NaN or ±Infinity in an entry's weights.bin, named; undefined when all are finite. */
function nonFiniteWeight(dir: string): string | undefined {
  const manifest = JSON.parse(fs.readFileSync(path.join(dir, "model.json"), "utf8")) as { weightsManifest: { weights: { name: string; shape: number[]; dtype: string }[] }[] };
  const bytes = fs.readFileSync(path.join(dir, "weights.bin"));
  let offset = 0;
  for (const spec of manifest.weightsManifest.flatMap((group) => group.weights)) {
    const size = spec.shape.reduce((a, b) => a * b, 1) * 4;
    if (spec.dtype === "float32") {
      const values = float32View(bytes.subarray(offset, offset + size));
      const at = firstNonFinite(values);
      if (at >= 0) return `weights.bin: weight ${spec.name} holds ${values[at]} at index ${at}`;
    }
    offset += size;
  }
  return undefined;
}

/** Trained models stored by key under `dir`, one folder each (also a run folder's <role>/final, see run.ts). */
export class ModelCache {
  constructor(
    readonly dir: string,
    /** Where an invalid entry is said before it is deleted. */
    private readonly log: (line: string) => void = (line) => console.error(line),
  ) {}

  private entry(key: string): string {
    return path.join(this.dir, key);
  }

  /**
   * Loads the entry's weights into `model` (built like the cached one) and
   * returns its run; undefined when there is no entry, or when it is invalid
   * (then it is said and deleted, so the caller trains the model again).
   */
  load(key: string, model: tf.LayersModel): ModelRun | undefined {
    const dir = this.entry(key);
    if (!fs.existsSync(dir)) return undefined;
    let problem = contentProblem(dir, ENTRY_FILES);
    if (problem === undefined) {
      try {
        problem = nonFiniteWeight(dir);
        if (problem === undefined) {
          const run = readLosslessJson<ModelRun>(path.join(dir, RUN_FILE));
          loadModelWeights(model, dir);
          return run;
        }
      } catch (error) {
        problem = (error as Error).message;
      }
    }
    this.log(`${dir}: invalid cached model: ${problem}; deleted it, training the model again`);
    fs.rmSync(dir, { recursive: true, force: true });
    return undefined;
  }

  /** Writes the entry in its staging folder and renames it into place; a failed write (a full disk) removes the staging. */
  async save(key: string, model: tf.LayersModel, run: ModelRun): Promise<void> {
    const dir = this.entry(key);
    const staging = stagingPath(dir);
    await removingStagingOnFailure(dir, async () => {
      fs.rmSync(staging, { recursive: true, force: true });
      fs.mkdirSync(staging, { recursive: true });
      await writeModel(model, staging);
      fs.writeFileSync(path.join(staging, RUN_FILE), losslessJson(run));
      writeContentHashes(staging, ENTRY_FILES);
    });
    fs.rmSync(dir, { recursive: true, force: true });
    // Another process (a second notebook, a parallel test) may have saved the same key since the rm: its entry was
    // trained from the same config, data and code, so it stays and ours goes.
    renameFolderIntoPlace(staging, dir);
  }
}
