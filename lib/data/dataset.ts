/**
 * One entry point over the formats registered in lib/data/formats/ (CIFAR-10
 * binary, chest X-ray folders, DICOM + labels.csv, a MedMNIST .npz file, and
 * any a caller registers): detect the
 * format, list the splits, optionally verify every image (corrupt ones move
 * to `skipped`) and re-split train/val by patient. Feed a split's samples to
 * ImagePipeline.
 * A class list (`classes`) applies to chest X-ray folders and DICOM labels;
 * CIFAR-10 and MedMNIST carry their own class names.
 */
import * as fs from "node:fs";
import { DatasetFormat, DatasetFormatEntry, FORMATS, formatEntry } from "./formats/index";
import { Sample, SkippedFile } from "./sample";
import { splitByPatient } from "./split";

export type { DatasetFormat };

/** "a, b or c", for messages that list formats. */
export function oneOf(names: readonly string[]): string {
  return names.length > 1 ? `${names.slice(0, -1).join(", ")} or ${names[names.length - 1]}` : names.join("");
}

/** The format of a dataset folder, or of a MedMNIST `.npz` file; `classes` are the chest X-ray class folders to look for. */
export function detectFormat(dir: string, options: { classes?: readonly string[] } = {}): DatasetFormat {
  if (!fs.existsSync(dir)) throw new Error(`${dir}: no such file or folder`);
  const storedAs = fs.statSync(dir).isFile() ? "file" : "folder";
  const found = FORMATS.find((format) => format.storedAs === storedAs && format.detect(dir, options.classes));
  if (found) return found.name;
  const kinds = (stored: "folder" | "file"): DatasetFormatEntry[] => FORMATS.filter((f) => f.storedAs === stored);
  if (storedAs === "file") {
    const files = oneOf(kinds("file").map((f) => f.layout));
    throw new Error(`${dir}: a file, but not a ${files}; a dataset is a folder (${kinds("folder").map((f) => f.title).join(", ")}) or a ${files}`);
  }
  throw new Error(`${dir}: not a ${oneOf(FORMATS.map((f) => f.layout))} dataset`);
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
  if (!classes || !formatEntry(format).ownClasses) return;
  const applies = FORMATS.filter((f) => !f.ownClasses).map((f) => f.title);
  throw new Error(`a class list applies to ${applies.join(" and ")} datasets; ${format} names its own classes`);
}

export async function openDataset(dir: string, options: OpenDatasetOptions = {}): Promise<OpenedDataset> {
  const format = detectFormat(dir, options);
  checkClassesApply(format, options.classes);
  const entry = formatEntry(format);
  const listing = entry.list(dir, options.classes);
  const opened: OpenedDataset = { format, root: listing.root, classNames: listing.classNames, splits: { ...listing.splits }, skipped: listing.skipped.slice() };
  if (options.verify && entry.verify) {
    for (const [split, samples] of Object.entries(opened.splits)) {
      const checked = await entry.verify(samples);
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
