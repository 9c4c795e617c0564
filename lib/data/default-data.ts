/**
 * The embedded defaults, what a run uses when no dataset is given:
 * - pneumonia stages: real chest radiographs, PneumoniaMNIST (MedMNIST v2,
 *   28×28, official split) shipped in the project as data/pneumoniamnist.npz;
 * - CIFAR-10: the full real binary set when data/cifar-10-batches-bin is
 *   there, else the partial real copy shipped as data/cifar-10-partial
 *   (4,660 train / 846 test records of the official batches, MD5-checked);
 * and the synthetic sets in the real on-disk formats (each format's own
 * generator, lib/data/formats/: CIFAR-10, chest X-ray folders, DICOM),
 * generated on first use under data/default/<format> (git-ignored) for
 * tests, which ask for them by name. Generation is seeded, so every machine
 * gets the same bytes.
 */
import * as fs from "node:fs";
import * as path from "node:path";
import { PROJECT_DATA_DIR } from "../runtime/paths";
import { projectDataDir } from "./data-dir";
import { CIFAR_TEST_FILE, CIFAR_TRAIN_FILES } from "./cifar10";
import { DatasetFormat, FORMATS, formatEntry } from "./formats/index";
import { TaskName } from "./task";
import { verifyMd5Sums } from "./md5sums";

/** The shipped real default of the pneumonia stages (see data/README.md for its source and licence). */
export const SHIPPED_PNEUMONIAMNIST = path.join(PROJECT_DATA_DIR, "pneumoniamnist.npz");
export const SHIPPED_PNEUMONIAMNIST_DESCRIPTION = "PneumoniaMNIST (MedMNIST v2): real pediatric chest radiographs, 28×28, official train/val/test split, shipped as data/pneumoniamnist.npz";

/** The shipped partial real CIFAR-10 (data/cifar-10-partial/README.md: what it is, its citation). */
export const SHIPPED_CIFAR_PARTIAL = path.join(PROJECT_DATA_DIR, "cifar-10-partial");
/** The name every table, chart and model card gives numbers from it. */
export const CIFAR_PARTIAL_NAME = "partial real CIFAR-10 (4,660 / 846)";
export const SHIPPED_CIFAR_PARTIAL_DESCRIPTION = `${CIFAR_PARTIAL_NAME}: the first 932 records of each official train batch and the first 846 of the test batch, real photographs, shipped as data/cifar-10-partial (not comparable with full-CIFAR-10 figures)`;

export const DEFAULT_DATA_SEED = 20180222;
/** Bump when a generator changes, so old defaults are regenerated. */
const GENERATOR_VERSION = 1;
const MARKER = ".kdlab-default.json";

/** Where the synthetic default of a format (one with a generator: cifar10, chest-xray, dicom) goes. */
export function defaultDataPath(format: DatasetFormat, dataDir = projectDataDir()): string {
  return path.join(dataDir, "default", format);
}

async function generate(format: DatasetFormat, dir: string): Promise<void> {
  const entry = formatEntry(format);
  if (!entry.synth) throw new Error(`the ${format} format has no synthetic generator; formats with one: ${FORMATS.filter((f) => f.synth).map((f) => f.name).join(", ")}`);
  await entry.synth(dir, { seed: DEFAULT_DATA_SEED, purpose: "default" });
}

/** The default dataset's path, generating it first if absent or made by an older generator. */
export async function ensureDefaultData(format: DatasetFormat, options: { dataDir?: string } = {}): Promise<string> {
  const finalPath = defaultDataPath(format, options.dataDir);
  const stamp = JSON.stringify({ kind: format, seed: DEFAULT_DATA_SEED, version: GENERATOR_VERSION });
  const marker = path.join(finalPath, MARKER);
  if (fs.existsSync(marker) && fs.readFileSync(marker, "utf8") === stamp) return finalPath;
  // Generate beside the final place and rename, so a crash or a concurrent run never leaves half a dataset.
  const temp = `${finalPath}.generating-${process.pid}-${Date.now()}`;
  try {
    await generate(format, temp);
    fs.writeFileSync(path.join(temp, MARKER), stamp);
    fs.rmSync(finalPath, { recursive: true, force: true });
    try {
      fs.renameSync(temp, finalPath);
    } catch (error) {
      // Another process finished first: use its copy if it is complete.
      if (!(fs.existsSync(marker) && fs.readFileSync(marker, "utf8") === stamp)) throw error;
    }
  } finally {
    fs.rmSync(temp, { recursive: true, force: true });
  }
  return finalPath;
}

export interface ResolvedDataset {
  path: string;
  /** No dataset was given: this is the embedded default. */
  isDefault: boolean;
  /** Real images (shipped or found in data/), not synthetic ones. */
  isReal: boolean;
  /** The default's description for reports; undefined for a dataset the user gave. */
  description?: string;
}

function hasRealCifar(dir: string): boolean {
  return [...CIFAR_TRAIN_FILES, CIFAR_TEST_FILE].every((f) => fs.existsSync(path.join(dir, f)));
}

/**
 * A dataset: `configured` if given, else the embedded default for the task
 * (the caller says which to the user): shipped PneumoniaMNIST for chest
 * X-rays; the full real CIFAR-10 from data/ when present, else the shipped
 * partial real copy, its MD5s checked. The synthetic CIFAR-10 is never a
 * default: tests ask for it with ensureDefaultData("cifar10").
 */
export async function resolveDataset(kind: TaskName, configured?: string): Promise<ResolvedDataset> {
  if (configured) return { path: configured, isDefault: false, isReal: true };
  if (kind === "imagenet") throw new Error("kdlab ships no ImageNet images: give a dataset for the imagenet task");
  if (kind === "chest-xray") {
    if (!fs.existsSync(SHIPPED_PNEUMONIAMNIST)) throw new Error(`${SHIPPED_PNEUMONIAMNIST}: the shipped PneumoniaMNIST file is missing (restore it with git checkout data/pneumoniamnist.npz)`);
    return { path: SHIPPED_PNEUMONIAMNIST, isDefault: true, isReal: true, description: SHIPPED_PNEUMONIAMNIST_DESCRIPTION };
  }
  const real = path.join(projectDataDir(), "cifar-10-batches-bin");
  if (hasRealCifar(real)) return { path: real, isDefault: true, isReal: true, description: `CIFAR-10 (the real binary set in ${real})` };
  return { path: await verifiedCifarPartial(), isDefault: true, isReal: true, description: SHIPPED_CIFAR_PARTIAL_DESCRIPTION };
}

/** The shipped partial CIFAR-10's folder after checking every file against its MD5SUMS (an error names the file). */
export async function verifiedCifarPartial(dir = SHIPPED_CIFAR_PARTIAL): Promise<string> {
  const batchDir = path.join(dir, "cifar-10-batches-bin");
  if (!hasRealCifar(batchDir)) throw new Error(`${batchDir}: the shipped partial CIFAR-10 is incomplete (restore it with git checkout data/cifar-10-partial)`);
  await verifyMd5Sums(path.join(dir, "MD5SUMS"), batchDir);
  return dir;
}
