/**
 * `kdlab data download`: fetch (or take a local copy of) a published dataset
 * archive, verify it, extract it beside the data folder and move the dataset
 * into place only once it checks out.
 *   cifar10    → <dir>/cifar-10-batches-bin (official archive, MD5-verified)
 *   chest-xray → <dir>/chest_xray (Mendeley/Kaggle archive by URL or path,
 *                or an already-extracted folder, used in place)
 *   medmnist   → <dir>/<flag>[_<size>].npz (MedMNIST's official Zenodo file
 *                and MD5 for the flag and size; checked as a dataset)
 * A file downloaded earlier (archives under <dir>/downloads, .npz files) is
 * reused only when its MD5 is the expected one; otherwise it is deleted, the
 * log says so, and it is downloaded again.
 */
import * as fs from "node:fs";
import * as path from "node:path";
import { CIFAR_TEST_FILE, CIFAR_TRAIN_FILES, listCifar10 } from "./cifar10";
import { findChestXrayRoot, listChestXray } from "./chest-xray";
import { projectDataDir } from "./data-dir";
import { assertMd5, downloadFile, reuseCached } from "./download";
import { extractArchive } from "./extract";
import { MEDMNIST_FLAGS, MEDMNIST_INFO, readMedmnist } from "./medmnist";
import { ProgressCallback } from "./progress";

export const CIFAR10_URL = "https://www.cs.toronto.edu/~kriz/cifar-10-binary.tar.gz";
export const CIFAR10_MD5 = "c32a1d4ab5d03f1284b67883e8d87530";

export interface DatasetDownloadOptions {
  /** Where the dataset goes (default: the project's data/ folder). */
  dir?: string;
  url?: string;
  /** A local archive (or, for chest-xray, an extracted folder) instead of a download. */
  archive?: string;
  /** Expected MD5 of the archive; cifar10 defaults to the official sum; null skips the check. */
  md5?: string | null;
  onProgress?: ProgressCallback;
  retries?: number;
  /** Messages about what was reused or replaced (default: a line on stderr). */
  log?: (line: string) => void;
}

const stderrLine = (line: string): void => void process.stderr.write(`${line}\n`);

async function obtainArchive(name: string, defaultUrl: string | undefined, options: DatasetDownloadOptions, md5: string | undefined): Promise<string> {
  const dir = options.dir ?? projectDataDir();
  if (options.archive) {
    if (!fs.existsSync(options.archive)) throw new Error(`${options.archive}: no such archive`);
    await assertMd5(options.archive, md5);
    return options.archive;
  }
  const url = options.url ?? defaultUrl;
  if (!url) throw new Error(`${name}: give --url <archive URL> or --archive <path> (see data/README.md)`);
  const fileName = path.basename(new URL(url).pathname) || `${name}.archive`;
  const dest = path.join(dir, "downloads", fileName);
  if (!(await reuseCached(dest, md5, options.log ?? stderrLine))) await downloadFile(url, dest, { md5, onProgress: options.onProgress, retries: options.retries });
  return dest;
}

/** Extracts into a temporary folder beside `finalPath`, lets `locate` find the dataset inside, moves it into place. */
async function extractInto(archive: string, finalPath: string, locate: (extracted: string) => string): Promise<string> {
  const temp = `${finalPath}.extracting-${process.pid}`;
  fs.rmSync(temp, { recursive: true, force: true });
  try {
    await extractArchive(archive, temp);
    const found = locate(temp);
    fs.renameSync(found, finalPath);
    return finalPath;
  } finally {
    fs.rmSync(temp, { recursive: true, force: true });
  }
}

function cifarComplete(batchDir: string): boolean {
  return [...CIFAR_TRAIN_FILES, CIFAR_TEST_FILE].every((f) => fs.existsSync(path.join(batchDir, f)));
}

/** Downloads, verifies and extracts CIFAR-10; returns the cifar-10-batches-bin folder. */
export async function downloadCifar10(options: DatasetDownloadOptions = {}): Promise<string> {
  const dir = options.dir ?? projectDataDir();
  const finalPath = path.join(dir, "cifar-10-batches-bin");
  if (cifarComplete(finalPath)) return finalPath;
  const md5 = options.md5 === null ? undefined : (options.md5 ?? CIFAR10_MD5);
  const archive = await obtainArchive("cifar10", CIFAR10_URL, options, md5);
  fs.rmSync(finalPath, { recursive: true, force: true });
  return extractInto(archive, finalPath, (extracted) => {
    const batchDir = path.join(extracted, "cifar-10-batches-bin");
    if (!cifarComplete(batchDir)) throw new Error(`${archive}: no complete cifar-10-batches-bin inside`);
    listCifar10(batchDir, "train");
    listCifar10(batchDir, "test");
    return batchDir;
  });
}

/** Gets the chest X-ray dataset into `<dir>/chest_xray` (or uses an extracted folder in place); returns its root. */
export async function downloadChestXray(options: DatasetDownloadOptions = {}): Promise<string> {
  const dir = options.dir ?? projectDataDir();
  if (options.archive && fs.existsSync(options.archive) && fs.statSync(options.archive).isDirectory()) {
    const root = findChestXrayRoot(options.archive);
    if (!root) throw new Error(`${options.archive}: no chest X-ray layout found (expected {train,val,test}/{NORMAL,PNEUMONIA}/*.jpeg)`);
    return root;
  }
  const finalPath = path.join(dir, "chest_xray");
  const existing = findChestXrayRoot(finalPath);
  if (existing) return existing;
  const archive = await obtainArchive("chest-xray", undefined, options, options.md5 ?? undefined);
  return extractInto(archive, finalPath, (extracted) => {
    const root = findChestXrayRoot(extracted);
    if (!root) throw new Error(`${archive}: no {train,val,test}/{NORMAL,PNEUMONIA} folders inside`);
    listChestXray(root);
    return root;
  });
}

export interface MedmnistDownloadOptions extends DatasetDownloadOptions {
  /** Image side: 28 (MedMNIST v2) or 64 / 128 / 224 (MedMNIST+). */
  size?: number;
}

/** The official file name, URL and MD5 of a MedMNIST 2D dataset at a size. */
export function medmnistSource(flag: string, size = 28): { fileName: string; url: string; md5: string } {
  const info = MEDMNIST_INFO[flag];
  if (!info) throw new Error(`unknown MedMNIST dataset "${flag}"; known 2D datasets: ${MEDMNIST_FLAGS.join(", ")}`);
  const file = info.files[String(size)];
  if (!file) throw new Error(`${flag}: no official ${size}×${size} file (sizes: ${Object.keys(info.files).join(", ")})`);
  return { fileName: size === 28 ? `${flag}.npz` : `${flag}_${size}.npz`, ...file };
}

/**
 * Gets a MedMNIST .npz into `<dir>` (resumable: an interrupted download
 * continues from its .part file); a present file is reused only when its MD5
 * is the official one, else it is deleted and downloaded again. Returns the file.
 */
export async function downloadMedmnist(flag: string, options: MedmnistDownloadOptions = {}): Promise<string> {
  const source = medmnistSource(flag, options.size ?? 28);
  const dir = options.dir ?? projectDataDir();
  const md5 = options.md5 === null ? undefined : (options.md5 ?? source.md5).toLowerCase();
  const dest = path.join(dir, source.fileName);
  const check = (file: string): string => {
    readMedmnist(file);
    return file;
  };
  if (options.archive) {
    if (!fs.existsSync(options.archive)) throw new Error(`${options.archive}: no such file`);
    await assertMd5(options.archive, md5);
    return check(options.archive);
  }
  if (await reuseCached(dest, md5, options.log ?? stderrLine)) return check(dest);
  fs.mkdirSync(dir, { recursive: true });
  await downloadFile(options.url ?? source.url, dest, { md5, onProgress: options.onProgress, retries: options.retries });
  try {
    return check(dest);
  } catch (error) {
    fs.rmSync(dest, { force: true });
    throw new Error(`${(error as Error).message} (the downloaded file was deleted)`);
  }
}
