/**
 * The embedded default datasets: small synthetic sets in the real on-disk
 * formats, generated on first use under data/default/<kind> (git-ignored),
 * so a fresh machine with no dataset configured runs every notebook in
 * seconds. Generation is seeded, so every machine gets the same bytes.
 */
import * as fs from "node:fs";
import * as path from "node:path";
import { projectDataDir } from "./data-dir";
import { kermanyCounts, synthChestXray } from "./synth-chest-xray";
import { synthCifar10 } from "./synth-cifar10";
import { synthDicom } from "./synth-dicom";

export type DefaultDataKind = "cifar10" | "chest-xray" | "dicom";

export const DEFAULT_DATA_SEED = 20180222;
/** Bump when a generator changes, so old defaults are regenerated. */
const GENERATOR_VERSION = 1;
const MARKER = ".kdlab-default.json";

export function defaultDataPath(kind: DefaultDataKind, dataDir = projectDataDir()): string {
  return path.join(dataDir, "default", kind);
}

async function generate(kind: DefaultDataKind, dir: string): Promise<void> {
  switch (kind) {
    case "cifar10":
      synthCifar10(dir, { seed: DEFAULT_DATA_SEED, recordsPerTrainBatch: 400, testRecords: 500 });
      return;
    case "chest-xray":
      // 400 train (103 : 297), 16 val, 48 test at 128 px: a quick notebook run takes seconds.
      await synthChestXray(dir, { seed: DEFAULT_DATA_SEED, size: 128, counts: kermanyCounts(400) });
      return;
    case "dicom":
      synthDicom(dir, { seed: DEFAULT_DATA_SEED });
      return;
  }
}

/** The default dataset's path, generating it first if absent or made by an older generator. */
export async function ensureDefaultData(kind: DefaultDataKind, options: { dataDir?: string } = {}): Promise<string> {
  const finalPath = defaultDataPath(kind, options.dataDir);
  const stamp = JSON.stringify({ kind, seed: DEFAULT_DATA_SEED, version: GENERATOR_VERSION });
  const marker = path.join(finalPath, MARKER);
  if (fs.existsSync(marker) && fs.readFileSync(marker, "utf8") === stamp) return finalPath;
  // Generate beside the final place and rename, so a crash or a concurrent run never leaves half a dataset.
  const temp = `${finalPath}.generating-${process.pid}-${Date.now()}`;
  try {
    await generate(kind, temp);
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

/** A dataset folder: `configured` if given, else the embedded default (the caller says so to the user). */
export async function resolveDataset(kind: DefaultDataKind, configured?: string): Promise<{ path: string; isDefault: boolean }> {
  if (configured) return { path: configured, isDefault: false };
  return { path: await ensureDefaultData(kind), isDefault: true };
}
