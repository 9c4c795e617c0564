/**
 * MedMNIST v2 / MedMNIST+ 2D datasets in their published `.npz` layout:
 * `{train,val,test}_images` uint8 (N, S, S) gray or (N, S, S, 3) RGB, S in
 * 28 / 64 / 128 / 224, and `{train,val,test}_labels` integer (N, 1) class
 * indices, or (N, C) 0/1 columns for the multi-label sets (ChestMNIST).
 * The file name (`pneumoniamnist.npz`, `pneumoniamnist_64.npz`) names the
 * dataset; its class names, task and channels then come from MedMNIST's
 * INFO table (medmnist-info.json). The official train/val/test split is
 * kept as published. A file named otherwise takes its classes from its
 * labels: 0…N-1, each used by some train image, so a stray label (7 among
 * 0s and 1s) is an error rather than five invented classes. Every array is
 * checked when listed: a wrong key, dtype, shape, count or label is an error
 * naming the file and the key.
 */
import * as fs from "node:fs";
import * as path from "node:path";
import sharp from "sharp";
import medmnistInfo from "./medmnist-info.json";
import { NpyArray, NpzFile } from "./npz";
import { Sample } from "./sample";

export const MEDMNIST_SPLITS = ["train", "val", "test"] as const;
export type MedmnistSplit = (typeof MEDMNIST_SPLITS)[number];
export type MedmnistTask = "binary-class" | "multi-class" | "ordinal-regression" | "multi-label, binary-class";

export interface MedmnistInfo {
  task: MedmnistTask;
  channels: number;
  samples: Record<MedmnistSplit, number>;
  labels: string[];
  /** Image side ("28", "64", "128", "224") → official download. */
  files: Record<string, { url: string; md5: string }>;
}

export const MEDMNIST_INFO = medmnistInfo.datasets as Record<string, MedmnistInfo>;
export const MEDMNIST_FLAGS = Object.keys(MEDMNIST_INFO);

/** The dataset flag and image size a file name follows (`breastmnist_128.npz` → breastmnist, 128), if any. */
export function medmnistFlagOf(file: string): { flag: string; size: number } | undefined {
  const match = /^([a-z]+mnist)(?:_(\d+))?\.npz$/.exec(path.basename(file).toLowerCase());
  if (!match || !MEDMNIST_INFO[match[1]]) return undefined;
  return { flag: match[1], size: match[2] ? Number(match[2]) : 28 };
}

export function isNpzFile(file: string): boolean {
  return file.toLowerCase().endsWith(".npz") && fs.existsSync(file) && fs.statSync(file).isFile();
}

export interface MedmnistSplitArrays {
  images: NpyArray;
  labels: NpyArray;
}

export interface MedmnistDataset {
  file: string;
  /** The MedMNIST flag from the file name; undefined for a file named otherwise. */
  flag?: string;
  task: MedmnistTask;
  size: number;
  channels: 1 | 3;
  classNames: string[];
  splits: Record<MedmnistSplit, MedmnistSplitArrays>;
}

function checkImages(file: string, key: string, images: NpyArray): { size: number; channels: 1 | 3 } {
  if (images.dtype !== "u1") throw new Error(`${file}: ${key}: dtype ${images.dtype}, expected uint8`);
  const [n, h, w, c] = images.shape;
  const rankOk = images.shape.length === 3 || (images.shape.length === 4 && (c === 1 || c === 3));
  if (!rankOk || h !== w || h < 1 || n === undefined) {
    throw new Error(`${file}: ${key}: shape (${images.shape.join(", ")}), expected (N, S, S) gray or (N, S, S, 3) RGB`);
  }
  return { size: h, channels: images.shape.length === 4 && c === 3 ? 3 : 1 };
}

/** Label columns per image: 1 for a class index, C for a multi-label 0/1 row. */
function labelColumns(file: string, key: string, labels: NpyArray, count: number, imagesKey: string): number {
  const [n, columns = 1] = labels.shape;
  if (labels.shape.length < 1 || labels.shape.length > 2) throw new Error(`${file}: ${key}: shape (${labels.shape.join(", ")}), expected (N, 1) or (N, C)`);
  if (n !== count) throw new Error(`${file}: ${key} has ${n} labels but ${imagesKey} has ${count} images`);
  return columns;
}

function readMedmnistArrays(file: string): MedmnistDataset {
  if (!fs.existsSync(file)) throw new Error(`${file}: no such file`);
  const npz = new NpzFile(file);
  for (const split of MEDMNIST_SPLITS) {
    for (const key of [`${split}_images`, `${split}_labels`]) {
      if (!npz.has(key)) throw new Error(`${file}: missing key "${key}" (a MedMNIST .npz holds {train,val,test}_{images,labels}; found ${npz.keys.join(", ") || "none"})`);
    }
  }
  const named = medmnistFlagOf(file);
  const info = named ? MEDMNIST_INFO[named.flag] : undefined;
  const splits = {} as Record<MedmnistSplit, MedmnistSplitArrays>;
  let geometry: { size: number; channels: 1 | 3 } | undefined;
  let columns: number | undefined;
  for (const split of MEDMNIST_SPLITS) {
    const imagesKey = `${split}_images`;
    const labelsKey = `${split}_labels`;
    const images = npz.read(imagesKey);
    const labels = npz.read(labelsKey);
    const g = checkImages(file, imagesKey, images);
    if (geometry && (g.size !== geometry.size || g.channels !== geometry.channels)) {
      throw new Error(`${file}: ${imagesKey} is ${g.size}×${g.size}×${g.channels}, train_images ${geometry.size}×${geometry.size}×${geometry.channels}`);
    }
    geometry = g;
    const c = labelColumns(file, labelsKey, labels, images.shape[0], imagesKey);
    if (columns !== undefined && c !== columns) throw new Error(`${file}: ${labelsKey} has ${c} label columns, train_labels ${columns}`);
    columns = c;
    splits[split] = { images, labels };
  }
  const { size, channels } = geometry as { size: number; channels: 1 | 3 };
  const multiLabel = (columns ?? 1) > 1;
  if (info && info.channels !== channels) throw new Error(`${file}: ${channels}-channel images, but ${named?.flag} has ${info.channels}`);
  // Class names: MedMNIST's own for a known flag; otherwise "0", "1", … up to the largest label.
  let classCount = info?.labels.length;
  if (classCount === undefined) {
    classCount = multiLabel ? (columns as number) : 1 + Math.max(0, ...MEDMNIST_SPLITS.map((s) => maxOf(splits[s].labels.data)));
  }
  for (const split of MEDMNIST_SPLITS) checkLabelValues(file, `${split}_labels`, splits[split].labels, multiLabel ? 2 : classCount);
  if (!info && !multiLabel) checkLabelsContiguous(file, splits, classCount);
  if (multiLabel && columns !== classCount) throw new Error(`${file}: train_labels has ${columns} label columns, ${named?.flag} has ${classCount} labels`);
  const classNames = info?.labels.slice() ?? Array.from({ length: classCount }, (_, i) => String(i));
  const task: MedmnistTask = info?.task ?? (multiLabel ? "multi-label, binary-class" : classCount === 2 ? "binary-class" : "multi-class");
  return { file, flag: named?.flag, task, size, channels, classNames, splits };
}

function maxOf(values: ArrayLike<number>): number {
  let max = -Infinity;
  for (let i = 0; i < values.length; i++) if (values[i] > max) max = values[i];
  return max;
}

/** Every label value in [0, limit); the first one outside names its index. */
function checkLabelValues(file: string, key: string, labels: NpyArray, limit: number): void {
  const { data } = labels;
  for (let i = 0; i < data.length; i++) {
    const value = data[i];
    if (!(value >= 0 && value < limit)) {
      const columns = labels.shape[1] ?? 1;
      throw new Error(`${file}: ${key}[${Math.floor(i / columns)}] = ${value}, outside 0–${limit - 1}`);
    }
  }
}

/**
 * A file not named after a MedMNIST dataset has the classes 0…N-1 of its
 * labels: each must label some train image, or the largest label invented
 * the classes below it. The error names the first record of that label.
 */
function checkLabelsContiguous(file: string, splits: Record<MedmnistSplit, MedmnistSplitArrays>, classCount: number): void {
  const used = new Set(Array.from(splits.train.labels.data));
  const missing = Array.from({ length: classCount }, (_, c) => c).filter((c) => !used.has(c));
  if (missing.length === 0) return;
  const top = classCount - 1;
  const where = MEDMNIST_SPLITS.map((split) => ({ split, at: Array.from(splits[split].labels.data).indexOf(top) })).find((w) => w.at >= 0);
  const first = where ? `${where.split}_labels[${where.at}] = ${top}` : `label ${top}`;
  throw new Error(
    `${file}: ${first}, but no train image is labelled ${missing.join(", ")}: a file not named after a MedMNIST dataset takes its classes from its labels, 0…N-1 each used in train_labels; correct the stray label(s), or name the file after its MedMNIST dataset (e.g. pneumoniamnist.npz) to use that dataset's class list`,
  );
}

/** Parsed files by path, so the pipeline decodes records from memory; re-read when the file changes. */
const loaded = new Map<string, { stamp: string; dataset: MedmnistDataset }>();

/** Reads and checks a MedMNIST `.npz` (cached per process while the file is unchanged). */
export function readMedmnist(file: string): MedmnistDataset {
  const resolved = path.resolve(file);
  const stat = fs.existsSync(resolved) ? fs.statSync(resolved) : undefined;
  const stamp = stat ? `${stat.size}:${stat.mtimeMs}` : "";
  const hit = loaded.get(resolved);
  if (hit && hit.stamp === stamp) return hit.dataset;
  const dataset = readMedmnistArrays(file);
  loaded.set(resolved, { stamp, dataset });
  return dataset;
}

export interface MedmnistListing {
  root: string;
  classNames: string[];
  splits: Record<MedmnistSplit, Sample[]>;
  skipped: [];
  dataset: MedmnistDataset;
}

/** The splits as samples (one per image record) for the streaming pipeline; multi-label sets are an error here. */
export function listMedmnist(file: string): MedmnistListing {
  const dataset = readMedmnist(file);
  if (dataset.task.startsWith("multi-label")) {
    throw new Error(`${file}: ${dataset.flag ?? "this dataset"} is multi-label (${dataset.classNames.length} labels per image); kdlab trains single-label classifiers (softmax), so it can be inspected but not trained`);
  }
  const splits = {} as Record<MedmnistSplit, Sample[]>;
  for (const split of MEDMNIST_SPLITS) {
    const labels = dataset.splits[split].labels.data;
    const array = `${split}_images`;
    splits[split] = Array.from(labels, (label, record) => ({ format: "medmnist" as const, file, array, record, label, className: dataset.classNames[label], channels: dataset.channels }));
  }
  return { root: file, classNames: dataset.classNames, splits, skipped: [], dataset };
}

/** Per split: images, and per class (per label column for multi-label sets) how many carry it. */
export function medmnistCounts(dataset: MedmnistDataset): Record<MedmnistSplit, { count: number; classes: Record<string, number> }> {
  const counts = {} as Record<MedmnistSplit, { count: number; classes: Record<string, number> }>;
  const multiLabel = dataset.task.startsWith("multi-label");
  for (const split of MEDMNIST_SPLITS) {
    const { images, labels } = dataset.splits[split];
    const classes: Record<string, number> = Object.fromEntries(dataset.classNames.map((c) => [c, 0]));
    const columns = labels.shape[1] ?? 1;
    for (let i = 0; i < labels.data.length; i++) {
      if (multiLabel) {
        if (labels.data[i] === 1) classes[dataset.classNames[i % columns]]++;
      } else classes[dataset.classNames[labels.data[i]]]++;
    }
    counts[split] = { count: images.shape[0], classes };
  }
  return counts;
}

/** One record's pixels (HWC uint8), resized to `size` with sharp when the stored side differs. */
export async function decodeMedmnistRecord(sample: Sample, options: { size: number; fit: "fill" | "cover" }): Promise<Uint8Array> {
  const dataset = readMedmnist(sample.file);
  const split = (sample.array ?? "").replace(/_images$/, "") as MedmnistSplit;
  const arrays = dataset.splits[split];
  const record = sample.record ?? -1;
  if (!arrays || record < 0 || record >= arrays.images.shape[0]) throw new Error(`${sample.file}: no record ${record} in ${sample.array}`);
  const { size: stored, channels } = dataset;
  const bytes = stored * stored * channels;
  const pixels = (arrays.images.data as Uint8Array).subarray(record * bytes, (record + 1) * bytes);
  if (options.size === stored) return pixels.slice();
  const resizing = sharp(Buffer.from(pixels), { raw: { width: stored, height: stored, channels } }).resize(options.size, options.size, { fit: options.fit });
  // sharp widens one raw channel to sRGB on output: keep the gray one.
  const resized = await (channels === 1 ? resizing.extractChannel(0) : resizing).raw().toBuffer();
  if (resized.length !== options.size * options.size * channels) throw new Error(`${sample.file}: ${sample.array}[${record}]: resize gave ${resized.length} bytes`);
  return new Uint8Array(resized.buffer, resized.byteOffset, resized.length);
}
