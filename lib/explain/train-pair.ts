/**
 * Notebook 06's teacher and distilled student, trained directly with
 * lib/distill on a chest X-ray folder (the embedded synthetic default unless
 * one is given): the Model 2 teacher first, then the Model 2 student distilled
 * from it (soft targets at temperature T, weight α on the hard labels).
 * Profiles: "quick" (64 px, 2 epochs, 96 training images, Adam: about a
 * minute on 2 cores), "standard" (the pneumonia-model2 experiment's standard
 * profile, run through the experiment runner with its model cache, so the
 * pair notebook 03 trained with the same settings is loaded, not retrained)
 * and "full" (the study's 224 px, 25 epochs, SGD 1e-4 momentum 0.8, every
 * image). Any setting can be overridden.
 */
import * as tf from "@tensorflow/tfjs";
import { detectFormat, openDataset } from "../data/dataset";
import { resolveDataset } from "../data/default-data";
import { ImagePipeline } from "../data/pipeline";
import { mixSeed, seededRandom, shuffled } from "../data/random";
import { Sample } from "../data/sample";
import { EpochRecord } from "../distill/history";
import { ClassificationReport } from "../distill/metrics";
import { OptimizerConfig, STUDY_SGD } from "../distill/optimizers";
import { pipelineSource } from "../distill/pipeline-source";
import { ProgressListener } from "../distill/progress";
import { testReport } from "../distill/evaluate";
import { trainModel } from "../distill/trainer";
import { Preprocess } from "../models/preprocessing";
import { buildModel, modelEntry } from "../models/registry";
import { applyOverrides, getExperiment, ModelRun, runExperimentWithModels } from "../experiments";

export type PairProfile = "quick" | "standard" | "full";

export interface PairSettings {
  profile: PairProfile;
  /** A chest X-ray folder ({train,val,test}/{NORMAL,PNEUMONIA}); "" = the embedded default. */
  dataDir: string;
  seed: number;
  inputSize: number;
  epochs: number;
  batchSize: number;
  /** Training images used (a seeded random subset); null = all. */
  trainLimit: number | null;
  validationLimit: number | null;
  optimizer: OptimizerConfig;
  temperature: number;
  alpha: number;
  teacherModel: string;
  studentModel: string;
  /**
   * BatchNorm's moving-statistics momentum; the quick profile lowers Keras's
   * 0.99 so inference-mode statistics settle within its few dozen steps.
   */
  batchNormMomentum: number | null;
}

/** The standard pair is the pneumonia-model2 experiment's, settings read from the catalog. */
function standardPairSettings(): Omit<PairSettings, "dataDir" | "seed"> {
  const config = getExperiment(PAIR_EXPERIMENT, "standard");
  return {
    profile: "standard",
    inputSize: config.dataset.inputSize,
    epochs: config.epochs,
    batchSize: config.batchSize,
    trainLimit: config.dataset.trainLimit,
    validationLimit: config.dataset.validationLimit,
    optimizer: { kind: "adam", lr: config.optimizer.lr },
    temperature: config.distillation.temperature,
    alpha: config.distillation.alpha,
    teacherModel: config.teacher?.model ?? "pneumonia-teacher-model2",
    studentModel: config.student.model,
    batchNormMomentum: config.batchNormMomentum,
  };
}

const PAIR_EXPERIMENT = "pneumonia-model2";

const PROFILES: Record<Exclude<PairProfile, "standard">, Omit<PairSettings, "dataDir" | "seed">> = {
  quick: {
    profile: "quick",
    inputSize: 64,
    epochs: 2,
    batchSize: 16,
    trainLimit: 96,
    validationLimit: 24,
    optimizer: { kind: "adam", lr: 1e-3 },
    temperature: 4,
    alpha: 0.5,
    teacherModel: "pneumonia-teacher-model2",
    studentModel: "pneumonia-student-model2",
    batchNormMomentum: 0.5,
  },
  full: {
    profile: "full",
    inputSize: 224,
    epochs: 25,
    batchSize: 32,
    trainLimit: null,
    validationLimit: null,
    optimizer: STUDY_SGD,
    temperature: 4,
    alpha: 0.5,
    teacherModel: "pneumonia-teacher-model2",
    studentModel: "pneumonia-student-model2",
    batchNormMomentum: null,
  },
};

/** Notebook parameters: null, undefined or "" keep the profile's value. */
export interface PairOverrides {
  dataDir?: string | null;
  seed?: number | null;
  inputSize?: number | null;
  epochs?: number | null;
  batchSize?: number | null;
  trainLimit?: number | null;
  lr?: number | null;
  temperature?: number | null;
  alpha?: number | null;
}

export function pairSettings(profile: string, overrides: PairOverrides = {}): PairSettings {
  if (profile !== "quick" && profile !== "standard" && profile !== "full") throw new Error(`profile must be "quick", "standard" or "full", not "${profile}"`);
  const base = profile === "standard" ? standardPairSettings() : PROFILES[profile];
  const pick = <T>(value: T | null | undefined | "", fallback: T): T => (value === null || value === undefined || value === "" ? fallback : value);
  const lr = pick(overrides.lr, base.optimizer.lr);
  return {
    ...base,
    dataDir: pick(overrides.dataDir, ""),
    seed: pick(overrides.seed, 0),
    inputSize: pick(overrides.inputSize, base.inputSize),
    epochs: pick(overrides.epochs, base.epochs),
    batchSize: pick(overrides.batchSize, base.batchSize),
    trainLimit: pick(overrides.trainLimit, base.trainLimit),
    optimizer: { ...base.optimizer, lr },
    temperature: pick(overrides.temperature, base.temperature),
    alpha: pick(overrides.alpha, base.alpha),
  };
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

function limited(samples: Sample[], limit: number | null, seed: number): Sample[] {
  return limit === null || limit >= samples.length ? samples : shuffled(samples, seededRandom(seed)).slice(0, limit);
}

/** The dataset and its splits: MedMNIST's own val split, else validation held out of train by patient; subsets seeded. */
export async function openPairData(settings: PairSettings): Promise<PairData & { train: Sample[]; validation: Sample[] }> {
  const resolved = await resolveDataset("chest-xray", settings.dataDir || undefined);
  const format = detectFormat(resolved.path);
  if (format === "cifar10") throw new Error(`${resolved.path}: notebook 06 needs chest radiographs (a chest X-ray or DICOM folder, or a MedMNIST .npz), found CIFAR-10`);
  const opened = await openDataset(resolved.path, format === "medmnist" ? {} : { valFraction: 0.15, seed: mixSeed(settings.seed, 1) });
  const train = limited(opened.splits.train ?? [], settings.trainLimit, mixSeed(settings.seed, 2));
  const validation = limited(opened.splits.val ?? [], settings.validationLimit, mixSeed(settings.seed, 3));
  const test = opened.splits.test ?? [];
  for (const [name, list] of Object.entries({ train, validation, test })) {
    if (list.length === 0) throw new Error(`${resolved.path}: the ${name} split is empty (expected {train,val,test}/{NORMAL,PNEUMONIA} image folders)`);
  }
  const description = resolved.description ?? `${format} dataset ${resolved.path}`;
  return { path: resolved.path, isDefault: resolved.isDefault, description, classNames: opened.classNames, counts: { train: train.length, validation: validation.length, test: test.length }, train, validation, test };
}

function setBatchNormMomentum(model: tf.LayersModel, momentum: number | null): void {
  if (momentum === null) return;
  for (const layer of model.layers) if (layer.getClassName() === "BatchNormalization") (layer as unknown as { momentum: number }).momentum = momentum;
}

/** The standard pair: the pneumonia-model2 experiment with these settings, its models loaded from the model cache when notebook 03 trained them. */
async function pairFromExperiment(settings: PairSettings, progress: ProgressListener | "auto" | "off"): Promise<TrainedPair> {
  const started = Date.now();
  const overrides = [
    `seed=${settings.seed}`,
    `epochs=${settings.epochs}`,
    `batchSize=${settings.batchSize}`,
    `dataset.inputSize=${settings.inputSize}`,
    `dataset.trainLimit=${settings.trainLimit ?? "null"}`,
    `optimizer.lr=${settings.optimizer.lr}`,
    `distillation.temperature=${settings.temperature}`,
    `distillation.alpha=${settings.alpha}`,
  ];
  const config = applyOverrides(getExperiment(PAIR_EXPERIMENT, "standard"), overrides);
  const { result, models } = await runExperimentWithModels(config, { dataDir: settings.dataDir || undefined, progress, modelCache: "use" });
  if (!models.teacher || !result.teacher) throw new Error(`${PAIR_EXPERIMENT} trained no teacher`);
  const { train: _train, validation: _validation, ...pairData } = await openPairData(settings);
  const trained = (role: TrainedModel["role"], model: tf.LayersModel, run: ModelRun): TrainedModel => ({ role, model, preprocess: modelEntry(run.model).preprocess, history: run.history, test: run.test });
  return { settings, data: pairData, teacher: trained("teacher", models.teacher, result.teacher), student: trained("student (distilled)", models.student, result.student), seconds: (Date.now() - started) / 1000 };
}

export async function trainPair(settings: PairSettings, progress: ProgressListener | "auto" | "off" = "auto"): Promise<TrainedPair> {
  if (settings.profile === "standard") return pairFromExperiment(settings, progress);
  const started = Date.now();
  const data = await openPairData(settings);
  const pipelineOptions = { batchSize: settings.batchSize, numClasses: data.classNames.length, size: settings.inputSize, channels: 3 as const, labels: "int" as const };
  const train = new ImagePipeline(data.train, { ...pipelineOptions, seed: mixSeed(settings.seed, 4) });
  const validation = new ImagePipeline(data.validation, { ...pipelineOptions, shuffle: false });
  const test = new ImagePipeline(data.test, { ...pipelineOptions, shuffle: false });
  const common = { epochs: settings.epochs, seed: settings.seed, optimizer: settings.optimizer, batchesPerEpoch: train.batchesPerEpoch, progress };

  const fit = async (name: string, role: TrainedModel["role"], seedSalt: number, teacher?: TrainedModel): Promise<TrainedModel> => {
    const preprocess = modelEntry(name).preprocess;
    const model = await buildModel(name, { seed: mixSeed(settings.seed, seedSalt), inputSize: settings.inputSize, classes: data.classNames.length });
    setBatchNormMomentum(model, settings.batchNormMomentum);
    const distillation = teacher && { teacher: teacher.model, temperature: settings.temperature, alpha: settings.alpha, preprocess: teacher.preprocess, cache: "memory" as const };
    const result = await trainModel(model, { train: pipelineSource(train), validation: pipelineSource(validation) }, { ...common, preprocess, distillation, label: role });
    const report = await testReport(model, pipelineSource(test)({ epoch: 0, seed: settings.seed }), 1, preprocess);
    return { role, model, preprocess, history: result.history, test: report };
  };
  const teacher = await fit(settings.teacherModel, "teacher", 5);
  const student = await fit(settings.studentModel, "student (distilled)", 6, teacher);
  const { train: _train, validation: _validation, ...pairData } = data;
  return { settings, data: pairData, teacher, student, seconds: (Date.now() - started) / 1000 };
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
