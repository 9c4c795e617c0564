/**
 * `kdlab data inspect`: detects a dataset folder's format and reports each
 * split's image count, per-class counts and (where file names or labels.csv
 * tell them) patient counts, plus every file that cannot be used and why.
 * Images are decoded (small) to find corrupt files unless `verify` is false.
 * A MedMNIST .npz also reports its dataset, task, image size and channels.
 * A skipped file is a problem with the dataset: the command then exits 1.
 */
import * as fs from "node:fs";
import * as path from "node:path";
import { CIFAR_TEST_FILE, CIFAR_TRAIN_FILES, checkCifarBatch, cifarBatchDir, readCifarClassNames } from "./cifar10";
import { DatasetFormat, checkClassesApply, detectFormat, openDataset } from "./dataset";
import { MedmnistTask, medmnistCounts, readMedmnist } from "./medmnist";
import { Sample, SkippedFile } from "./sample";

export interface SplitSummary {
  count: number;
  classes: Record<string, number>;
  /** Distinct patients among the images whose file name or labels.csv row tells one. */
  patients?: number;
  /** Images with no patient id, when some have one (else absent): they are split as one patient each. */
  withoutPatient?: number;
}

export interface InspectReport {
  format: DatasetFormat;
  root: string;
  splits: Record<string, SplitSummary>;
  skipped: SkippedFile[];
  /** MedMNIST only: the flag from the file name, the task, the stored image side and channels. */
  medmnist?: { flag: string | null; task: MedmnistTask; size: number; channels: 1 | 3; classNames: string[] };
}

export function summarise(samples: readonly Sample[], classNames: readonly string[]): SplitSummary {
  const classes: Record<string, number> = Object.fromEntries(classNames.map((c) => [c, 0]));
  for (const s of samples) classes[s.className] = (classes[s.className] ?? 0) + 1;
  const summary: SplitSummary = { count: samples.length, classes };
  const known = samples.filter((s) => s.patient !== undefined);
  if (known.length > 0) summary.patients = new Set(known.map((s) => s.patient)).size;
  // A partial count says how many images it leaves out rather than hiding the patients altogether.
  if (known.length > 0 && known.length < samples.length) summary.withoutPatient = samples.length - known.length;
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

function inspectMedmnist(file: string): InspectReport {
  const dataset = readMedmnist(file);
  return {
    format: "medmnist",
    root: file,
    splits: medmnistCounts(dataset),
    skipped: [],
    medmnist: { flag: dataset.flag ?? null, task: dataset.task, size: dataset.size, channels: dataset.channels, classNames: dataset.classNames },
  };
}

/** Counts per split, after decoding every image once (unless `verify` is false) to list corrupt files. */
export async function inspectDataset(dir: string, options: { verify?: boolean; classes?: readonly string[] } = {}): Promise<InspectReport> {
  const format = detectFormat(dir, options);
  checkClassesApply(format, options.classes);
  if (format === "cifar10") return inspectCifar(dir);
  if (format === "medmnist") return inspectMedmnist(dir);
  const opened = await openDataset(dir, { verify: options.verify ?? true, classes: options.classes });
  const splits = Object.fromEntries(Object.entries(opened.splits).map(([split, samples]) => [split, summarise(samples, opened.classNames)]));
  return { format: opened.format, root: opened.root, splits, skipped: opened.skipped };
}
