/**
 * Writes a synthetic chest X-ray dataset in the Kaggle/Mendeley layout:
 * `<dir>/{train,val,test}/{NORMAL,PNEUMONIA}/*.jpeg`, grayscale JPEGs with
 * Kermany-style names, several images per patient, and the published class
 * balance (train 1,341 : 3,875; val 8 : 8; test 234 : 390) scaled down.
 * The same seed gives the same bytes.
 */
import * as fs from "node:fs";
import * as path from "node:path";
import sharp from "sharp";
import { ProgressCallback } from "./progress";
import { mixSeed, seededRandom } from "./random";
import { randomAnatomy, renderRadiograph, toUint8 } from "./synth-radiograph";
import { synthPatients } from "./synth-patients";

/** [NORMAL, PNEUMONIA] image counts per split. */
export type ChestXrayCounts = Record<string, [number, number]>;

/** The published split sizes scaled to `trainImages` training images (val stays small, as published). */
export function kermanyCounts(trainImages: number): ChestXrayCounts {
  const normal = Math.round((trainImages * 1341) / 5216);
  const testTotal = Math.max(2, Math.round((trainImages * 624) / 5216));
  const testNormal = Math.round((testTotal * 234) / 624);
  const val = Math.max(1, Math.min(8, Math.round(trainImages / 50)));
  return { train: [normal, trainImages - normal], val: [val, val], test: [testNormal, testTotal - testNormal] };
}

export interface SynthChestXrayOptions {
  seed?: number;
  /** Stored image side in pixels (default 128). */
  size?: number;
  /** Default: kermanyCounts(400). */
  counts?: ChestXrayCounts;
  /** JPEG quality (default 90). */
  quality?: number;
  onProgress?: ProgressCallback;
}

export async function synthChestXray(dir: string, options: SynthChestXrayOptions = {}): Promise<{ images: number }> {
  const seed = options.seed ?? 0;
  const size = options.size ?? 128;
  const counts = options.counts ?? kermanyCounts(400);
  const total = Object.values(counts).reduce((n, [a, b]) => n + a + b, 0);
  const pending = new Set<Promise<void>>();
  let done = 0;
  let firstPatient = 1;
  for (const [splitIndex, [split, perClass]] of Object.entries(counts).entries()) {
    for (const [classIndex, className] of (["NORMAL", "PNEUMONIA"] as const).entries()) {
      const classDir = path.join(dir, split, className);
      fs.mkdirSync(classDir, { recursive: true });
      const images = synthPatients(className, perClass[classIndex], firstPatient, seededRandom(mixSeed(seed, splitIndex, classIndex)));
      firstPatient += (images.at(-1)?.patientIndex ?? 0) + 1;
      for (const [imageIndex, image] of images.entries()) {
        const anatomy = randomAnatomy(seededRandom(mixSeed(seed, splitIndex, classIndex, image.patientIndex, 1)));
        const pixels = toUint8(renderRadiograph(size, anatomy, className === "PNEUMONIA", seededRandom(mixSeed(seed, splitIndex, classIndex, imageIndex, 2))));
        const write = sharp(Buffer.from(pixels.buffer), { raw: { width: size, height: size, channels: 1 } })
          .jpeg({ quality: options.quality ?? 90 })
          .toFile(path.join(classDir, `${image.stem}.jpeg`))
          .then(() => {
            pending.delete(write);
            options.onProgress?.({ done: ++done, total });
          });
        pending.add(write);
        // Rendering is synchronous JS; keep a few encodes in flight on sharp's threads meanwhile.
        if (pending.size >= 8) await Promise.race(pending);
      }
    }
  }
  await Promise.all(pending);
  return { images: total };
}
