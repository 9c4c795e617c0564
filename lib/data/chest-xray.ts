/**
 * Chest X-ray folders in the Kaggle/Mendeley layout (Kermany et al. 2018):
 * `<root>/{train,val,test}/{NORMAL,PNEUMONIA}/*.jpeg` (also .jpg/.png).
 * Listing is cheap (no decoding); `verifyImages` decodes to find corrupt files.
 * A class folder outside the class list (default NORMAL, PNEUMONIA; names
 * match exactly) is an error, not silently left out; stray files are skipped
 * with the reason; hidden files (.DS_Store, ._* AppleDouble) are OS metadata
 * and ignored.
 */
import * as fs from "node:fs";
import * as path from "node:path";
import sharp from "sharp";
import { patientIdFromFileName } from "./patients";
import { Sample, SkippedFile } from "./sample";
import { TASKS } from "./task";

export const CHEST_XRAY_CLASSES: string[] = TASKS["chest-xray"].classNames.slice();
export const CHEST_XRAY_SPLITS = ["train", "val", "test"];
const IMAGE_EXTENSIONS = new Set([".jpeg", ".jpg", ".png"]);

export interface ChestXrayListing {
  root: string;
  classNames: string[];
  /** Samples per split folder present on disk (train, val, test). */
  splits: Record<string, Sample[]>;
  /** Files in class folders that are not images, and files beside the class folders. */
  skipped: SkippedFile[];
}

export interface ChestXrayListOptions {
  /** The class folders, in label order (default CHEST_XRAY_CLASSES). Any other folder in a split is an error. */
  classes?: readonly string[];
}

/** A caller's class list (chest X-ray folders, DICOM labels), checked: non-empty, no empty or repeated name. */
export function checkClassList(classes: readonly string[]): string[] {
  if (classes.length === 0) throw new Error("the class list is empty");
  const seen = new Set<string>();
  for (const name of classes) {
    if (name.trim() === "") throw new Error(`the class list ${JSON.stringify(classes)} has an empty name`);
    if (seen.has(name)) throw new Error(`the class list names ${name} twice`);
    seen.add(name);
  }
  return classes.slice();
}

function isChestXrayRoot(dir: string, classes: readonly string[]): boolean {
  return CHEST_XRAY_SPLITS.some((split) => classes.some((cls) => fs.existsSync(path.join(dir, split, cls))));
}

/** The dataset root: `dir` itself or the first folder below it (two levels, e.g. chest_xray/) in the layout. */
export function findChestXrayRoot(dir: string, classes: readonly string[] = CHEST_XRAY_CLASSES): string | undefined {
  if (isChestXrayRoot(dir, classes)) return dir;
  const children = (d: string): string[] =>
    fs.existsSync(d) && fs.statSync(d).isDirectory()
      ? fs.readdirSync(d, { withFileTypes: true }).filter((e) => e.isDirectory() && !e.name.startsWith("__")).map((e) => path.join(d, e.name)).sort()
      : [];
  for (const child of children(dir)) {
    if (isChestXrayRoot(child, classes)) return child;
    for (const grandchild of children(child)) if (isChestXrayRoot(grandchild, classes)) return grandchild;
  }
  return undefined;
}

const isHidden = (name: string): boolean => name.startsWith(".");
// Code-unit order, as before: stable across locales.
const byName = (a: fs.Dirent, b: fs.Dirent): number => (a.name < b.name ? -1 : a.name > b.name ? 1 : 0);

export function listChestXray(dir: string, options: ChestXrayListOptions = {}): ChestXrayListing {
  const classNames = options.classes ? checkClassList(options.classes) : CHEST_XRAY_CLASSES.slice();
  const root = findChestXrayRoot(dir, classNames);
  if (!root) throw new Error(`${dir}: no chest X-ray layout found (expected {train,val,test}/{${classNames.join(",")}}/*.jpeg)`);
  const splits: Record<string, Sample[]> = {};
  const skipped: SkippedFile[] = [];
  const unknownFolders: string[] = [];
  for (const split of CHEST_XRAY_SPLITS) {
    const splitDir = path.join(root, split);
    if (!fs.existsSync(splitDir)) continue;
    // A class folder we do not know would otherwise be neither counted nor reported.
    for (const entry of fs.readdirSync(splitDir, { withFileTypes: true }).sort(byName)) {
      if (isHidden(entry.name) || classNames.includes(entry.name)) continue;
      const file = path.join(splitDir, entry.name);
      if (entry.isDirectory()) unknownFolders.push(file);
      else skipped.push({ file, reason: `not in a class folder (${classNames.join(", ")})` });
    }
    const samples: Sample[] = [];
    classNames.forEach((className, label) => {
      const classDir = path.join(splitDir, className);
      if (!fs.existsSync(classDir)) return;
      for (const entry of fs.readdirSync(classDir, { withFileTypes: true }).sort(byName)) {
        if (isHidden(entry.name)) continue;
        const file = path.join(classDir, entry.name);
        if (entry.isDirectory()) {
          skipped.push({ file, reason: `a folder inside a class folder (images must sit directly in ${className}/)` });
          continue;
        }
        if (!IMAGE_EXTENSIONS.has(path.extname(entry.name).toLowerCase())) {
          skipped.push({ file, reason: `not a .jpeg/.jpg/.png image` });
          continue;
        }
        samples.push({ format: "chest-xray", file, label, className, patient: patientIdFromFileName(entry.name) });
      }
    });
    splits[split] = samples;
  }
  if (unknownFolders.length > 0) {
    const names = [...new Set(unknownFolders.map((f) => path.basename(f)))].join(", ");
    const list = `the class list (${classNames.join(", ")})`;
    throw new Error(
      unknownFolders.length === 1
        ? `${unknownFolders[0]}: a class folder outside ${list}; remove or rename it, or pass the class list including ${names} to use it`
        : `class folders outside ${list}: ${unknownFolders.join(", ")}; remove or rename them, or pass the class list including ${names} to use them`,
    );
  }
  return { root, classNames, splits, skipped };
}

export interface ImageDecodeOptions {
  /** Output side in pixels (default 224). */
  size?: number;
  /** "fill" stretches to a square (default); "cover" crops the centre. */
  fit?: "fill" | "cover";
}

/** Decodes a JPEG/PNG with sharp to one grayscale channel, resized: size·size uint8 bytes. */
export async function decodeGrayImage(file: string, options: ImageDecodeOptions = {}): Promise<Uint8Array> {
  const size = options.size ?? 224;
  try {
    const { data, info } = await sharp(file, { failOn: "error" })
      .grayscale()
      .resize(size, size, { fit: options.fit ?? "fill" })
      .extractChannel(0)
      // 16-bit PNGs stay 8-bit here: the pipeline works in uint8.
      .raw({ depth: "uchar" })
      .toBuffer({ resolveWithObject: true });
    if (info.channels !== 1 || data.length !== size * size) throw new Error(`unexpected decode result ${info.width}×${info.height}×${info.channels}`);
    return new Uint8Array(data.buffer, data.byteOffset, data.length);
  } catch (error) {
    throw new Error(`${file}: cannot decode image: ${(error as Error).message}`);
  }
}

/**
 * Decodes every sample once (small, fast) to find corrupt or unreadable
 * images: they come back in `skipped` with the reason, the rest in `ok`.
 */
export async function verifyImages(samples: readonly Sample[], concurrency = 8): Promise<{ ok: Sample[]; skipped: SkippedFile[] }> {
  const bad = new Map<Sample, string>();
  let next = 0;
  const worker = async (): Promise<void> => {
    while (next < samples.length) {
      const sample = samples[next++];
      try {
        await sharp(sample.file, { failOn: "error" }).grayscale().resize(16, 16, { fit: "fill" }).raw().toBuffer();
      } catch (error) {
        bad.set(sample, (error as Error).message);
      }
    }
  };
  await Promise.all(Array.from({ length: Math.max(1, concurrency) }, worker));
  return {
    ok: samples.filter((s) => !bad.has(s)),
    skipped: samples.filter((s) => bad.has(s)).map((s) => ({ file: s.file, reason: bad.get(s) ?? "" })),
  };
}
