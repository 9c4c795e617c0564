/**
 * `kdlab data inspect`: detects a dataset folder's format and reports each
 * split's image count, per-class counts and (where file names or labels.csv
 * tell them) patient counts, plus every file that cannot be used and why.
 * Images are decoded (small) to find corrupt files unless `verify` is false.
 */
import * as fs from "node:fs";
import * as path from "node:path";
import { CIFAR_TEST_FILE, CIFAR_TRAIN_FILES, checkCifarBatch, cifarBatchDir, readCifarClassNames } from "./cifar10";
import { findChestXrayRoot, listChestXray, verifyImages } from "./chest-xray";
import { readDicomImage } from "./dicom";
import { findDicomSplits, listDicomDataset } from "./dicom-dataset";
import { Sample, SkippedFile } from "./sample";

export type DatasetFormat = "cifar10" | "chest-xray" | "dicom";

export interface SplitSummary {
  count: number;
  classes: Record<string, number>;
  patients?: number;
}

export interface InspectReport {
  format: DatasetFormat;
  root: string;
  splits: Record<string, SplitSummary>;
  skipped: SkippedFile[];
}

export function detectFormat(dir: string): DatasetFormat {
  if (!fs.existsSync(dir)) throw new Error(`${dir}: no such folder`);
  const batchDir = cifarBatchDir(dir);
  if ([...CIFAR_TRAIN_FILES, CIFAR_TEST_FILE].some((f) => fs.existsSync(path.join(batchDir, f)))) return "cifar10";
  if (findChestXrayRoot(dir)) return "chest-xray";
  if (Object.keys(findDicomSplits(dir)).length > 0) return "dicom";
  throw new Error(`${dir}: not a CIFAR-10 (cifar-10-batches-bin), chest X-ray ({train,val,test}/{NORMAL,PNEUMONIA}) or DICOM (labels.csv) dataset`);
}

export function summarise(samples: readonly Sample[], classNames: readonly string[]): SplitSummary {
  const classes: Record<string, number> = Object.fromEntries(classNames.map((c) => [c, 0]));
  for (const s of samples) classes[s.className] = (classes[s.className] ?? 0) + 1;
  const summary: SplitSummary = { count: samples.length, classes };
  const known = samples.filter((s) => s.patient !== undefined);
  if (samples.length > 0 && known.length === samples.length) summary.patients = new Set(known.map((s) => s.patient)).size;
  return summary;
}

function inspectCifar(dir: string): InspectReport {
  const batchDir = cifarBatchDir(dir);
  const classNames = readCifarClassNames(dir);
  const splits: Record<string, SplitSummary> = {};
  const skipped: SkippedFile[] = [];
  for (const [split, names] of [["train", CIFAR_TRAIN_FILES], ["test", [CIFAR_TEST_FILE]]] as const) {
    const classes: Record<string, number> = Object.fromEntries(classNames.map((c) => [c, 0]));
    let count = 0;
    for (const name of names) {
      const file = path.join(batchDir, name);
      if (!fs.existsSync(file)) {
        skipped.push({ file, reason: `missing from the ${split} split` });
        continue;
      }
      try {
        for (const label of checkCifarBatch(file, fs.readFileSync(file))) {
          classes[classNames[label]]++;
          count++;
        }
      } catch (error) {
        skipped.push({ file, reason: (error as Error).message });
      }
    }
    splits[split] = { count, classes };
  }
  return { format: "cifar10", root: batchDir, splits, skipped };
}

async function inspectListing(
  format: DatasetFormat,
  listing: { root: string; classNames: string[]; splits: Record<string, Sample[]>; skipped: SkippedFile[] },
  verify: (samples: Sample[]) => Promise<{ ok: Sample[]; skipped: SkippedFile[] }>,
): Promise<InspectReport> {
  const splits: Record<string, SplitSummary> = {};
  const skipped = listing.skipped.slice();
  for (const [split, samples] of Object.entries(listing.splits)) {
    const checked = await verify(samples);
    skipped.push(...checked.skipped);
    splits[split] = summarise(checked.ok, listing.classNames);
  }
  return { format, root: listing.root, splits, skipped };
}

async function verifyDicom(samples: Sample[]): Promise<{ ok: Sample[]; skipped: SkippedFile[] }> {
  const ok: Sample[] = [];
  const skipped: SkippedFile[] = [];
  for (const sample of samples) {
    try {
      readDicomImage(sample.file);
      ok.push(sample);
    } catch (error) {
      skipped.push({ file: sample.file, reason: (error as Error).message });
    }
  }
  return { ok, skipped };
}

export async function inspectDataset(dir: string, options: { verify?: boolean } = {}): Promise<InspectReport> {
  const format = detectFormat(dir);
  const noCheck = async (samples: Sample[]): Promise<{ ok: Sample[]; skipped: SkippedFile[] }> => ({ ok: samples, skipped: [] });
  const verify = options.verify ?? true;
  switch (format) {
    case "cifar10":
      return inspectCifar(dir);
    case "chest-xray":
      return inspectListing(format, listChestXray(dir), verify ? (s) => verifyImages(s) : noCheck);
    case "dicom":
      return inspectListing(format, listDicomDataset(dir), verify ? verifyDicom : noCheck);
  }
}
