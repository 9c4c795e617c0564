/**
 * CIFAR-10, official binary format (cifar-10-batches-bin): each record is
 * 1 label byte then 3,072 pixel bytes, channel-planar (1,024 R, 1,024 G,
 * 1,024 B), each plane row-major 32×32. Class names are in batches.meta.txt.
 */
import * as fs from "node:fs";
import * as path from "node:path";
import * as tf from "@tensorflow/tfjs";
import { Sample } from "./sample";
import { TASKS } from "./task";

export const CIFAR_SIZE = 32;
export const CIFAR_PIXELS = CIFAR_SIZE * CIFAR_SIZE * 3;
export const CIFAR_RECORD_BYTES = 1 + CIFAR_PIXELS;
export const CIFAR_TRAIN_FILES = [1, 2, 3, 4, 5].map((i) => `data_batch_${i}.bin`);
export const CIFAR_TEST_FILE = "test_batch.bin";
export const CIFAR_CLASS_NAMES: string[] = TASKS.cifar10.classNames.slice();

export type CifarSplit = "train" | "test";

/** The folder holding the batch files: `dir` itself or its `cifar-10-batches-bin` child. */
export function cifarBatchDir(dir: string): string {
  const nested = path.join(dir, "cifar-10-batches-bin");
  return fs.existsSync(nested) ? nested : dir;
}

export function cifarSplitFiles(dir: string, split: CifarSplit): string[] {
  const batchDir = cifarBatchDir(dir);
  const names = split === "train" ? CIFAR_TRAIN_FILES : [CIFAR_TEST_FILE];
  const files = names.map((name) => path.join(batchDir, name));
  const missing = files.filter((file) => !fs.existsSync(file));
  if (missing.length > 0) throw new Error(`CIFAR-10 ${split} split in ${batchDir}: missing ${missing.map((f) => path.basename(f)).join(", ")}`);
  return files;
}

/** Class names from batches.meta.txt (one per line), or the standard ten if the file is absent. */
export function readCifarClassNames(dir: string): string[] {
  const metaFile = path.join(cifarBatchDir(dir), "batches.meta.txt");
  if (!fs.existsSync(metaFile)) return CIFAR_CLASS_NAMES.slice();
  const names = fs.readFileSync(metaFile, "utf8").split(/\r?\n/).map((line) => line.trim()).filter((line) => line.length > 0);
  if (names.length !== 10) throw new Error(`${metaFile}: expected 10 class names, found ${names.length}`);
  return names;
}

/** Validates a whole batch file's bytes: size a multiple of the record, labels 0–9. Returns the labels. */
export function checkCifarBatch(file: string, bytes: Uint8Array): Uint8Array {
  const whole = Math.floor(bytes.length / CIFAR_RECORD_BYTES);
  const rest = bytes.length - whole * CIFAR_RECORD_BYTES;
  if (rest !== 0) {
    throw new Error(`${file}: record ${whole} is truncated (${rest} of ${CIFAR_RECORD_BYTES} bytes; file size ${bytes.length})`);
  }
  if (whole === 0) throw new Error(`${file}: empty CIFAR-10 batch file`);
  const labels = new Uint8Array(whole);
  for (let record = 0; record < whole; record++) {
    const label = bytes[record * CIFAR_RECORD_BYTES];
    if (label > 9) throw new Error(`${file}: record ${record} has label ${label}, outside 0–9`);
    labels[record] = label;
  }
  return labels;
}

/** One record's pixels converted from channel-planar to interleaved HWC uint8. */
export function cifarRecordToHwc(bytes: Uint8Array, recordOffset: number, out: Uint8Array = new Uint8Array(CIFAR_PIXELS)): Uint8Array {
  const plane = CIFAR_SIZE * CIFAR_SIZE;
  const base = recordOffset + 1;
  for (let p = 0; p < plane; p++) {
    out[p * 3] = bytes[base + p];
    out[p * 3 + 1] = bytes[base + plane + p];
    out[p * 3 + 2] = bytes[base + 2 * plane + p];
  }
  return out;
}

/** Reads one record (label + HWC pixels) without loading the whole file. */
export async function readCifarRecord(file: string, record: number): Promise<{ label: number; pixels: Uint8Array }> {
  const handle = await fs.promises.open(file, "r");
  try {
    const buffer = new Uint8Array(CIFAR_RECORD_BYTES);
    const { bytesRead } = await handle.read(buffer, 0, CIFAR_RECORD_BYTES, record * CIFAR_RECORD_BYTES);
    if (bytesRead !== CIFAR_RECORD_BYTES) throw new Error(`${file}: record ${record} is truncated (${bytesRead} of ${CIFAR_RECORD_BYTES} bytes)`);
    const label = buffer[0];
    if (label > 9) throw new Error(`${file}: record ${record} has label ${label}, outside 0–9`);
    return { label, pixels: cifarRecordToHwc(buffer, 0) };
  } finally {
    await handle.close();
  }
}

/** Lists a split's records as samples for the streaming pipeline (validates every file first). */
export function listCifar10(dir: string, split: CifarSplit): { samples: Sample[]; classNames: string[] } {
  const classNames = readCifarClassNames(dir);
  const samples: Sample[] = [];
  for (const file of cifarSplitFiles(dir, split)) {
    const labels = checkCifarBatch(file, fs.readFileSync(file));
    labels.forEach((label, record) => samples.push({ format: "cifar10", file, record, label, className: classNames[label] }));
  }
  return { samples, classNames };
}

export interface CifarTensors {
  /** NHWC float32 in [0, 1]. */
  xs: tf.Tensor4D;
  /** int32 class indices. */
  ys: tf.Tensor1D;
  classNames: string[];
  files: string[];
}

/**
 * Loads a whole split into memory (CIFAR is small: 50,000 train images are
 * 614 MB as float32; pass `limit` to take the first N records).
 */
export function loadCifar10(dir: string, split: CifarSplit, options: { limit?: number } = {}): CifarTensors {
  const classNames = readCifarClassNames(dir);
  const files = cifarSplitFiles(dir, split);
  const chunks: { bytes: Uint8Array; labels: Uint8Array }[] = [];
  let total = 0;
  for (const file of files) {
    const bytes = fs.readFileSync(file);
    const labels = checkCifarBatch(file, bytes);
    chunks.push({ bytes, labels });
    total += labels.length;
  }
  const count = Math.min(total, options.limit ?? total);
  const pixels = new Uint8Array(count * CIFAR_PIXELS);
  const labels = new Int32Array(count);
  let n = 0;
  for (const chunk of chunks) {
    for (let record = 0; record < chunk.labels.length && n < count; record++, n++) {
      cifarRecordToHwc(chunk.bytes, record * CIFAR_RECORD_BYTES, pixels.subarray(n * CIFAR_PIXELS, (n + 1) * CIFAR_PIXELS));
      labels[n] = chunk.labels[record];
    }
  }
  const xs = tf.tidy(() => tf.tensor4d(pixels, [count, CIFAR_SIZE, CIFAR_SIZE, 3], "int32").toFloat().div(255) as tf.Tensor4D);
  return { xs, ys: tf.tensor1d(labels, "int32"), classNames, files };
}
