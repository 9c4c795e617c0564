/**
 * Writes a synthetic DICOM chest radiograph dataset: `<dir>/{train,test}/`
 * with Part-10 files and a labels.csv (file,label,patient). The images are
 * the synthetic radiographs of synth-radiograph.ts, stored in rotating
 * encodings so a reader meets each case: 16-bit with a VOI window, signed
 * 16-bit with rescale slope/intercept, 8-bit MONOCHROME1, 16-bit MONOCHROME1
 * with a window. The same seed gives the same bytes.
 */
import * as fs from "node:fs";
import * as path from "node:path";
import { DicomImageSpec, writeDicom } from "./dicom-writer";
import { mixSeed, seededRandom } from "./random";
import { randomAnatomy, renderRadiograph } from "./synth-radiograph";
import { synthPatients } from "./synth-patients";

export interface SynthDicomOptions {
  seed?: number;
  /** Rows and columns (default 96). */
  size?: number;
  /** [NORMAL, PNEUMONIA] per split (default train 12:24, test 6:10). */
  counts?: Record<string, [number, number]>;
}

type Encoding = Omit<DicomImageSpec, "rows" | "columns" | "sopInstanceUid" | "pixels"> & { store: (y: number) => number };

/** Stored-value encodings; each decodes back to the display value y through the reader's LUTs. */
export const SYNTH_DICOM_ENCODINGS: Encoding[] = [
  { bitsAllocated: 16, bitsStored: 12, photometric: "MONOCHROME2", windowCenter: 2048, windowWidth: 4096, store: (y) => Math.round(y * 4095) },
  { bitsAllocated: 16, bitsStored: 16, signed: true, photometric: "MONOCHROME2", rescaleSlope: 2, rescaleIntercept: -1000, store: (y) => Math.round(y * 1500) - 300 },
  { bitsAllocated: 8, photometric: "MONOCHROME1", store: (y) => Math.round((1 - y) * 255) },
  { bitsAllocated: 16, bitsStored: 12, photometric: "MONOCHROME1", windowCenter: 1000, windowWidth: 2000, rescaleSlope: 1, rescaleIntercept: 0, store: (y) => Math.round((1 - y) * 1999) },
];

export function encodeSynthPixels(values: Float32Array, encoding: Encoding): Uint8Array | Uint16Array | Int16Array {
  const out = encoding.bitsAllocated === 8 ? new Uint8Array(values.length) : encoding.signed ? new Int16Array(values.length) : new Uint16Array(values.length);
  for (let i = 0; i < values.length; i++) out[i] = encoding.store(values[i]);
  return out;
}

export function synthDicom(dir: string, options: SynthDicomOptions = {}): { images: number } {
  const seed = options.seed ?? 0;
  const size = options.size ?? 96;
  const counts = options.counts ?? { train: [12, 24], test: [6, 10] };
  let images = 0;
  let firstPatient = 1;
  for (const [splitIndex, [split, perClass]] of Object.entries(counts).entries()) {
    const splitDir = path.join(dir, split);
    fs.mkdirSync(splitDir, { recursive: true });
    const rows = ["file,label,patient"];
    for (const [classIndex, className] of (["NORMAL", "PNEUMONIA"] as const).entries()) {
      const list = synthPatients(className, perClass[classIndex], firstPatient, seededRandom(mixSeed(seed, splitIndex, classIndex, 3)));
      firstPatient += (list.at(-1)?.patientIndex ?? 0) + 1;
      for (const [imageIndex, image] of list.entries()) {
        const anatomy = randomAnatomy(seededRandom(mixSeed(seed, splitIndex, classIndex, image.patientIndex, 4)));
        const values = renderRadiograph(size, anatomy, className === "PNEUMONIA", seededRandom(mixSeed(seed, splitIndex, classIndex, imageIndex, 5)));
        const { store, ...encoding } = SYNTH_DICOM_ENCODINGS[images % SYNTH_DICOM_ENCODINGS.length];
        const file = `${image.stem}.dcm`;
        writeDicom(path.join(splitDir, file), {
          ...encoding,
          rows: size,
          columns: size,
          pixels: encodeSynthPixels(values, { ...encoding, store }),
          patientId: image.patient,
          sopInstanceUid: `1.2.826.0.1.3680043.9.7433.2.${seed}.${splitIndex}.${classIndex}.${imageIndex}`,
        });
        rows.push(`${file},${className},${image.patient}`);
        images++;
      }
    }
    fs.writeFileSync(path.join(splitDir, "labels.csv"), `${rows.join("\n")}\n`);
  }
  return { images };
}
