/**
 * Notebook 06's teacher and distilled student: the pneumonia-model2
 * experiment (lib/experiments) — the Model 2 DenseNet121 teacher, then the
 * Model 2 MobileNetV2 student distilled from it by the configured method —
 * trained through the experiment runner on a chest X-ray set (the embedded
 * real PneumoniaMNIST unless one is given). Profiles are the experiment's:
 * "quick" (its quick profile at 64 px, 2 epochs, 96 training images: about a
 * minute on 2 cores), "standard" (its standard profile, with the model cache,
 * so the pair notebook 03 trained with the same settings is loaded, not
 * retrained; "paper" trains the same) and "full" (the study's 224 px, 25 epochs, SGD 1e-4 momentum
 * 0.8, every image). Any setting can be overridden.
 */
import * as tf from "@tensorflow/tfjs";
import { ImagePipeline } from "../data/pipeline";
import { Sample } from "../data/sample";
import { EpochRecord } from "../distill/history";
import { ClassificationReport } from "../distill/metrics";
import { ProgressListener } from "../distill/progress";
import { Preprocess } from "../models/preprocessing";
import { modelEntry } from "../models/registry";
import { applyOverrides, buildExperimentData, DistillationChoice, ExperimentConfig, getExperiment, ModelRun, runExperimentWithModels } from "../experiments/index";

export type PairProfile = "quick" | "standard" | "paper" | "full";

const PAIR_EXPERIMENT = "pneumonia-model2";

export interface PairSettings {
  profile: PairProfile;
  /** A chest X-ray folder ({train,val,test}/{NORMAL,PNEUMONIA}), DICOM folder or MedMNIST .npz; "" = the embedded default. */
  dataDir: string;
  seed: number;
  inputSize: number;
  epochs: number;
  batchSize: number;
  /** Training images used (a seeded random subset); null = all. */
  trainLimit: number | null;
  validationLimit: number | null;
  optimizer: { kind: "sgd" | "adam"; lr: number };
  /** The distillation method and its parameters (see lib/distill/methods). */
  distillation: DistillationChoice;
  teacherModel: string;
  studentModel: string;
  /** BatchNorm's moving-statistics momentum (null: the models' own). */
  batchNormMomentum: number | null;
}

/** The quick pair is the experiment's quick profile at 64 px with a few more images (Grad-CAM needs a feature map larger than 1×1). */
const QUICK_PAIR = { inputSize: 64, trainLimit: 96, validationLimit: 24, batchSize: 16 } as const;

function profileConfig(profile: PairProfile): ExperimentConfig {
  const config = getExperiment(PAIR_EXPERIMENT, profile);
  if (profile !== "quick") return config;
  return { ...config, batchSize: QUICK_PAIR.batchSize, dataset: { ...config.dataset, inputSize: QUICK_PAIR.inputSize, trainLimit: QUICK_PAIR.trainLimit, validationLimit: QUICK_PAIR.validationLimit, testLimit: null } };
}

/** Notebook parameters: null, undefined or "" keep the profile's value. */
export interface PairOverrides {
  dataDir?: string | null;
  seed?: number | null;
  inputSize?: number | null;
  epochs?: number | null;
  batchSize?: number | null;
  trainLimit?: number | null;
  validationLimit?: number | null;
  lr?: number | null;
  /** `key=value` overrides of the distillation (e.g. "distillation.method=dkd", "distillation.params.beta=4"). */
  distillation?: readonly string[] | null;
}

export function pairSettings(profile: string, overrides: PairOverrides = {}): PairSettings {
  if (profile !== "quick" && profile !== "standard" && profile !== "paper" && profile !== "full") throw new Error(`profile must be "quick", "standard", "paper" or "full", not "${profile}"`);
  const pick = <T>(value: T | null | undefined | "", fallback: T): T => (value === null || value === undefined || value === "" ? fallback : value);
  const base = profileConfig(profile);
  const distillation = applyOverrides(base, [...(overrides.distillation ?? [])]).distillation;
  return {
    profile,
    dataDir: pick(overrides.dataDir, ""),
    seed: pick(overrides.seed, base.seed),
    inputSize: pick(overrides.inputSize, base.dataset.inputSize),
    epochs: pick(overrides.epochs, base.epochs),
    batchSize: pick(overrides.batchSize, base.batchSize),
    trainLimit: pick(overrides.trainLimit, base.dataset.trainLimit),
    validationLimit: pick(overrides.validationLimit, base.dataset.validationLimit),
    optimizer: { kind: base.optimizer.kind, lr: pick(overrides.lr, base.optimizer.lr) },
    distillation,
    teacherModel: base.teacher?.model ?? "pneumonia-teacher-model2",
    studentModel: base.student.model,
    batchNormMomentum: base.batchNormMomentum,
  };
}

/** The experiment config the pair trains with: the profile's, with the settings applied (checked like `--set`). */
export function pairConfig(settings: PairSettings): ExperimentConfig {
  const base = profileConfig(settings.profile);
  return applyOverrides(base, [
    `seed=${settings.seed}`,
    `epochs=${settings.epochs}`,
    `batchSize=${settings.batchSize}`,
    `dataset.inputSize=${settings.inputSize}`,
    `dataset.trainLimit=${settings.trainLimit ?? "null"}`,
    `dataset.validationLimit=${settings.validationLimit ?? "null"}`,
    `optimizer.kind=${settings.optimizer.kind}`,
    `optimizer.lr=${settings.optimizer.lr}`,
    `teacher.model=${settings.teacherModel}`,
    `student.model=${settings.studentModel}`,
    `batchNormMomentum=${settings.batchNormMomentum ?? "null"}`,
    `distillation.method=${settings.distillation.method}`,
    ...Object.entries(settings.distillation.params).map(([key, value]) => `distillation.params.${key}=${value}`),
  ]);
}

export interface TrainedModel {
  role: "teacher" | "student (distilled)";
  model: tf.LayersModel;
  /** [0, 1] images → this model's input. */
  preprocess: Preprocess;
  history: EpochRecord[];
  test: ClassificationReport & { loss: number };
}

export interface PairData {
  path: string;
  isDefault: boolean;
  /** What the data is, in a few words. */
  description: string;
  classNames: string[];
  counts: { train: number; validation: number; test: number };
  test: Sample[];
}

export interface TrainedPair {
  settings: PairSettings;
  data: PairData;
  teacher: TrainedModel;
  student: TrainedModel;
  seconds: number;
}

/** One sentence on the data, for the notebook's first output and its results table. */
export function describePairData(data: PairData): string {
  const where = data.isDefault ? `embedded default: ${data.description}` : data.description;
  return `${where}: ${data.counts.train} train / ${data.counts.validation} validation / ${data.counts.test} test images`;
}

/** The dataset and its splits, exactly as the experiment runner builds them for this pair. */
export async function openPairData(settings: PairSettings): Promise<PairData> {
  const data = await buildExperimentData(pairConfig(settings), { dataDir: settings.dataDir || undefined });
  const { train, validation, test } = data.samples;
  return { path: data.path, isDefault: data.isDefault, description: data.description, classNames: data.classNames, counts: { train: train.length, validation: validation.length, test: test.length }, test };
}

/** Trains (or, outside the quick profile, loads from the model cache) the teacher and the distilled student. */
export async function trainPair(settings: PairSettings, progress: ProgressListener | "auto" | "off" = "auto"): Promise<TrainedPair> {
  const started = Date.now();
  const config = pairConfig(settings);
  const { result, models } = await runExperimentWithModels(config, { dataDir: settings.dataDir || undefined, progress, modelCache: settings.profile === "quick" ? "off" : "use", log: progress === "off" ? () => undefined : undefined });
  if (!models.teacher || !result.teacher) throw new Error(`${PAIR_EXPERIMENT} trained no teacher`);
  const pairData = await openPairData(settings);
  const trained = (role: TrainedModel["role"], model: tf.LayersModel, run: ModelRun): TrainedModel => ({ role, model, preprocess: modelEntry(run.model).preprocess, history: run.history, test: run.test });
  return { settings, data: pairData, teacher: trained("teacher", models.teacher, result.teacher), student: trained("student (distilled)", models.student, result.student), seconds: (Date.now() - started) / 1000 };
}

/** The first test images of each class in turn (so both classes show), in folder order. */
export function pickTestSamples(test: readonly Sample[], count: number): Sample[] {
  const byClass = new Map<number, Sample[]>();
  for (const sample of test) byClass.set(sample.label, [...(byClass.get(sample.label) ?? []), sample]);
  const queues = [...byClass.entries()].sort(([a], [b]) => a - b).map(([, samples]) => samples);
  const picked: Sample[] = [];
  for (let round = 0; picked.length < count && queues.some((q) => q.length > round); round++) {
    for (const queue of queues) if (round < queue.length && picked.length < count) picked.push(queue[round]);
  }
  return picked;
}

/** `count` test images (both classes in turn) as [0, 1] NHWC at the input size, with labels and files; the caller disposes `images`. */
export async function testImages(pair: TrainedPair, count: number): Promise<{ images: tf.Tensor4D; labels: number[]; files: string[] }> {
  const samples = pickTestSamples(pair.data.test, count);
  const pipeline = new ImagePipeline(samples, { batchSize: samples.length, numClasses: pair.data.classNames.length, size: pair.settings.inputSize, channels: 3, labels: "int", shuffle: false });
  for await (const batch of pipeline.epoch(0)) {
    const images = tf.clone(batch.xs);
    const result = { images, labels: batch.labels.slice(), files: batch.files.slice() };
    batch.dispose();
    return result;
  }
  throw new Error(`${pair.data.path}: none of the first ${count} test images could be decoded`);
}
