/**
 * An experiment's data: the dataset (the embedded default unless one is
 * given: real PneumoniaMNIST radiographs for the pneumonia stages), train /
 * validation / test samples (a MedMNIST file's official val split kept;
 * otherwise validation held out of train, by patient for chest X-rays and
 * DICOM), the config's subset limits,
 * and one streaming pipeline per split yielding [0, 1] images at the input
 * size. Each model's own preprocessing is applied later, by the trainer.
 * A dataset of one class, or with a class no training image of which
 * decodes, is an error here, before a run folder exists
 * (data/trainable-classes.ts).
 */
import * as fs from "node:fs";
import { AugmentOptions } from "../data/augment";
import { detectFormat, DatasetFormat } from "../data/dataset";
import { FORMATS, formatEntry } from "../data/formats/index";
import { resolveDataset } from "../data/default-data";
import { ImagePipeline } from "../data/pipeline";
import { mixSeed, seededRandom, shuffled } from "../data/random";
import { Sample, SkippedFile } from "../data/sample";
import { splitByPatient } from "../data/split";
import { checkTrainableClasses } from "../data/trainable-classes";
import { AugmentationChoice, ExperimentConfig } from "./config";

export type SplitName = "train" | "validation" | "test";

export interface ExperimentData {
  /** The dataset folder (or .npz file) read. */
  path: string;
  format: DatasetFormat;
  /** True when it is the embedded default (no dataset was given). */
  isDefault: boolean;
  /** Real images (a dataset given, the shipped PneumoniaMNIST or partial CIFAR-10, the full CIFAR-10 in data/), not synthetic ones. */
  isReal: boolean;
  /** What the data is, in a few words (the default's description, or the format and path). */
  description: string;
  classNames: string[];
  samples: Record<SplitName, Sample[]>;
  pipelines: Record<SplitName, ImagePipeline>;
  /** The training pipeline shuffled (and augmented) with another seed: the teacher's, when teacherSeed is set. */
  trainPipeline(seed: number): ImagePipeline;
  /** Files the loaders could not use (listing) and that failed to decode (pipelines, filled as training meets them). */
  skipped(): SkippedFile[];
}

export interface ExperimentDataOptions {
  /** A dataset folder or .npz file for the config's task; default: the embedded one. */
  dataDir?: string;
  /** Folder for decoded, resized images (speeds up later epochs and runs); none by default. */
  cacheDir?: string;
}

export function augmentOptions(choice: AugmentationChoice): AugmentOptions | false {
  if (!choice.enabled) return false;
  return {
    flipProbability: choice.flipProbability,
    maxRotationDegrees: choice.maxRotationDegrees,
    cropArea: [choice.cropAreaMin, 1],
    brightness: choice.brightness,
    contrast: choice.contrast,
  };
}

/** A seeded random subset (all of `samples` when limit is null or not smaller). */
function limited(samples: Sample[], limit: number | null, seed: number, salt: number): Sample[] {
  if (limit === null || limit >= samples.length) return samples;
  return shuffled(samples, seededRandom(mixSeed(seed, salt))).slice(0, limit);
}

interface Listing {
  format: DatasetFormat;
  classNames: string[];
  /** Train (+ val) images to split into train and validation, or… */
  trainPool: Sample[];
  /** …the dataset's own validation split, kept as published (MedMNIST). */
  validation?: Sample[];
  test: Sample[];
  skipped: SkippedFile[];
}

function listDataset(config: ExperimentConfig, dir: string): Listing {
  if (!fs.existsSync(dir)) throw new Error(`${dir}: no such dataset folder or file`);
  const format = detectFormat(dir);
  const entry = formatEntry(format);
  if (!entry.trains.includes(config.dataset.kind)) {
    const fitting = FORMATS.filter((f) => f.trains.includes(config.dataset.kind)).map((f) => f.name);
    throw new Error(`${dir}: a ${format} dataset, but ${config.name} trains on ${fitting.join(" / ")} data`);
  }
  const listing = entry.list(dir);
  const test = listing.splits.test ?? [];
  if (entry.ownValSplit) return { format, classNames: listing.classNames, trainPool: listing.splits.train ?? [], validation: listing.splits.val ?? [], test, skipped: listing.skipped };
  // Otherwise (the published chest X-ray val folder has 16 images) val is pooled with train and re-split by patient.
  const trainPool = [...(listing.splits.train ?? []), ...(listing.splits.val ?? [])];
  return { format, classNames: listing.classNames, trainPool, test, skipped: listing.skipped };
}

export async function buildExperimentData(config: ExperimentConfig, options: ExperimentDataOptions = {}): Promise<ExperimentData> {
  const resolved = await resolveDataset(config.dataset.kind, options.dataDir);
  const listing = listDataset(config, resolved.path);
  const { seed, dataset } = config;
  const split = listing.validation ? { train: listing.trainPool, val: listing.validation } : splitByPatient(listing.trainPool, { valFraction: dataset.valFraction, seed: mixSeed(seed, 1) });
  await checkTrainableClasses(resolved.path, listing.classNames, split.train, dataset.inputSize);
  const samples: Record<SplitName, Sample[]> = {
    train: limited(split.train, dataset.trainLimit, seed, 2),
    validation: limited(split.val, dataset.validationLimit, seed, 3),
    test: limited(listing.test, dataset.testLimit, seed, 4),
  };
  for (const [name, list] of Object.entries(samples)) {
    if (list.length === 0) throw new Error(`${resolved.path}: the ${name} split of ${config.name} is empty (check the dataset layout, dataset.valFraction and the limits)`);
  }
  const base = { batchSize: config.batchSize, numClasses: listing.classNames.length, size: dataset.inputSize, channels: 3 as const, labels: "int" as const, cacheDir: options.cacheDir };
  const trainPipeline = (pipelineSeed: number): ImagePipeline =>
    new ImagePipeline(samples.train, { ...base, seed: mixSeed(pipelineSeed, 5), shuffle: true, augment: augmentOptions(config.augmentation) });
  const pipelines: Record<SplitName, ImagePipeline> = {
    train: trainPipeline(seed),
    validation: new ImagePipeline(samples.validation, { ...base, shuffle: false }),
    test: new ImagePipeline(samples.test, { ...base, shuffle: false }),
  };
  return {
    path: resolved.path,
    format: listing.format,
    isDefault: resolved.isDefault,
    isReal: resolved.isReal,
    description: resolved.description ?? `${listing.format} dataset ${resolved.path}`,
    classNames: listing.classNames,
    samples,
    pipelines,
    trainPipeline,
    skipped: () => [...listing.skipped, ...pipelines.train.skipped, ...pipelines.validation.skipped, ...pipelines.test.skipped],
  };
}
