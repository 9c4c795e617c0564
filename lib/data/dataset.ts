/**
 * One entry point over the four formats (CIFAR-10 binary, chest X-ray
 * folders, DICOM + labels.csv, a MedMNIST .npz file): detect the format, list the
 * splits, optionally verify every image (corrupt ones move to `skipped`) and
 * re-split train/val by patient. Feed a split's samples to ImagePipeline.
 * A class list (`classes`) applies to chest X-ray folders and DICOM labels;
 * CIFAR-10 and MedMNIST carry their own class names.
 */
import * as fs from "node:fs";
import * as path from "node:path";
import { CIFAR_TEST_FILE, CIFAR_TRAIN_FILES, cifarBatchDir, listCifar10 } from "./cifar10";
import { findChestXrayRoot, listChestXray, verifyImages } from "./chest-xray";
import { findDicomSplits, listDicomDataset, verifyDicomFiles } from "./dicom-dataset";
import { isNpzFile, listMedmnist } from "./medmnist";
import { Sample, SkippedFile } from "./sample";
import { splitByPatient } from "./split";

export type DatasetFormat = "cifar10" | "chest-xray" | "dicom" | "medmnist";

/** The format of a dataset folder, or of a MedMNIST `.npz` file; `classes` are the chest X-ray class folders to look for. */
export function detectFormat(dir: string, options: { classes?: readonly string[] } = {}): DatasetFormat {
  if (!fs.existsSync(dir)) throw new Error(`${dir}: no such file or folder`);
  if (isNpzFile(dir)) return "medmnist";
  if (fs.statSync(dir).isFile()) throw new Error(`${dir}: a file, but not a MedMNIST .npz; a dataset is a folder (CIFAR-10, chest X-ray, DICOM) or a .npz file`);
  const batchDir = cifarBatchDir(dir);
  if ([...CIFAR_TRAIN_FILES, CIFAR_TEST_FILE].some((f) => fs.existsSync(path.join(batchDir, f)))) return "cifar10";
  if (findChestXrayRoot(dir, options.classes)) return "chest-xray";
  if (Object.keys(findDicomSplits(dir)).length > 0) return "dicom";
  throw new Error(`${dir}: not a CIFAR-10 (cifar-10-batches-bin), chest X-ray ({train,val,test}/{NORMAL,PNEUMONIA}), DICOM (labels.csv) dataset or MedMNIST .npz file`);
}

export interface OpenedDataset {
  format: DatasetFormat;
  root: string;
  classNames: string[];
  /** Split name → samples (train, val, test for chest X-ray and MedMNIST; train, test (+ val) for CIFAR-10). */
  splits: Record<string, Sample[]>;
  skipped: SkippedFile[];
}

export interface OpenDatasetOptions {
  /** Decode every image once to find corrupt files (default false: the pipeline reports them as it meets them). */
  verify?: boolean;
  /**
   * Pool train and val and re-split them by patient (stratified, seeded), with
   * this share of each class in val. Absent: keep the folders' own split
   * (CIFAR-10 then has no val split).
   */
  valFraction?: number;
  seed?: number;
  /** Chest X-ray class folders / DICOM labels allowed, in label order (see listChestXray, listDicomDataset). */
  classes?: readonly string[];
}

/** A class list given for a format that names its own classes is an error, not silently ignored. */
export function checkClassesApply(format: DatasetFormat, classes: readonly string[] | undefined): void {
  if (classes && format !== "chest-xray" && format !== "dicom") throw new Error(`a class list applies to chest X-ray and DICOM datasets; ${format} names its own classes`);
}

export async function openDataset(dir: string, options: OpenDatasetOptions = {}): Promise<OpenedDataset> {
  const format = detectFormat(dir, options);
  checkClassesApply(format, options.classes);
  let opened: OpenedDataset;
  if (format === "cifar10") {
    const train = listCifar10(dir, "train");
    const test = listCifar10(dir, "test");
    opened = { format, root: dir, classNames: train.classNames, splits: { train: train.samples, test: test.samples }, skipped: [] };
  } else if (format === "medmnist") {
    // Every array was checked when read: nothing to verify per image.
    const listing = listMedmnist(dir);
    opened = { format, root: listing.root, classNames: listing.classNames, splits: { ...listing.splits }, skipped: [] };
  } else {
    const listOptions = { classes: options.classes };
    const listing = format === "chest-xray" ? listChestXray(dir, listOptions) : listDicomDataset(dir, listOptions);
    opened = { format, ...listing, splits: { ...listing.splits }, skipped: listing.skipped.slice() };
  }
  if (options.verify && (format === "chest-xray" || format === "dicom")) {
    for (const [split, samples] of Object.entries(opened.splits)) {
      const checked = format === "chest-xray" ? await verifyImages(samples) : verifyDicomFiles(samples);
      opened.splits[split] = checked.ok;
      opened.skipped.push(...checked.skipped);
    }
  }
  if (options.valFraction !== undefined) {
    const pool = [...(opened.splits.train ?? []), ...(opened.splits.val ?? [])];
    const { train, val } = splitByPatient(pool, { valFraction: options.valFraction, seed: options.seed });
    opened.splits.train = train;
    opened.splits.val = val;
  }
  return opened;
}
