/**
 * Chest X-ray folders in the Kaggle/Mendeley layout (Kermany et al. 2018):
 * `<root>/{train,val,test}/{NORMAL,PNEUMONIA}/*.jpeg` (also .jpg/.png).
 * Listing is cheap (no decoding); `verifyImages` decodes to find corrupt files.
 */
import * as fs from "node:fs";
import * as path from "node:path";
import sharp from "sharp";
import { patientIdFromFileName } from "./patients";
import { Sample, SkippedFile } from "./sample";

export const CHEST_XRAY_CLASSES = ["NORMAL", "PNEUMONIA"];
export const CHEST_XRAY_SPLITS = ["train", "val", "test"];
const IMAGE_EXTENSIONS = new Set([".jpeg", ".jpg", ".png"]);

export interface ChestXrayListing {
  root: string;
  classNames: string[];
  /** Samples per split folder present on disk (train, val, test). */
  splits: Record<string, Sample[]>;
  /** Files in class folders that are not images. */
  skipped: SkippedFile[];
}

function isChestXrayRoot(dir: string): boolean {
  return CHEST_XRAY_SPLITS.some((split) => CHEST_XRAY_CLASSES.some((cls) => fs.existsSync(path.join(dir, split, cls))));
}

/** The dataset root: `dir` itself or the first folder below it (two levels, e.g. chest_xray/) in the layout. */
export function findChestXrayRoot(dir: string): string | undefined {
  if (isChestXrayRoot(dir)) return dir;
  const children = (d: string): string[] =>
    fs.existsSync(d) && fs.statSync(d).isDirectory()
      ? fs.readdirSync(d, { withFileTypes: true }).filter((e) => e.isDirectory() && !e.name.startsWith("__")).map((e) => path.join(d, e.name)).sort()
      : [];
  for (const child of children(dir)) {
    if (isChestXrayRoot(child)) return child;
    for (const grandchild of children(child)) if (isChestXrayRoot(grandchild)) return grandchild;
  }
  return undefined;
}

export function listChestXray(dir: string): ChestXrayListing {
  const root = findChestXrayRoot(dir);
  if (!root) throw new Error(`${dir}: no chest X-ray layout found (expected {train,val,test}/{NORMAL,PNEUMONIA}/*.jpeg)`);
  const splits: Record<string, Sample[]> = {};
  const skipped: SkippedFile[] = [];
  for (const split of CHEST_XRAY_SPLITS) {
    if (!fs.existsSync(path.join(root, split))) continue;
    const samples: Sample[] = [];
    CHEST_XRAY_CLASSES.forEach((className, label) => {
      const classDir = path.join(root, split, className);
      if (!fs.existsSync(classDir)) return;
      for (const name of fs.readdirSync(classDir).sort()) {
        const file = path.join(classDir, name);
        if (!IMAGE_EXTENSIONS.has(path.extname(name).toLowerCase())) {
          skipped.push({ file, reason: `not a .jpeg/.jpg/.png image` });
          continue;
        }
        samples.push({ format: "image", file, label, className, patient: patientIdFromFileName(name) });
      }
    });
    splits[split] = samples;
  }
  return { root, classNames: CHEST_XRAY_CLASSES.slice(), splits, skipped };
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
