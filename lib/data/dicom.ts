/**
 * DICOM radiographs (DX/CR) read with dicom-parser. Pixel values go through
 * the modality LUT (rescale slope/intercept), then the VOI window (window
 * centre/width, DICOM's linear function) or, without one, the image's own
 * min–max; MONOCHROME1 is inverted so bone is always bright. 8- and 16-bit,
 * signed and unsigned, little- and big-endian uncompressed data are read;
 * compressed transfer syntaxes get an error naming the syntax.
 */
import * as fs from "node:fs";
import * as dicomParser from "dicom-parser";
import sharp from "sharp";
import { ImageDecodeOptions } from "./chest-xray";

export const UNCOMPRESSED_TRANSFER_SYNTAXES: Record<string, string> = {
  "1.2.840.10008.1.2": "Implicit VR Little Endian",
  "1.2.840.10008.1.2.1": "Explicit VR Little Endian",
  "1.2.840.10008.1.2.2": "Explicit VR Big Endian",
};

const KNOWN_COMPRESSED: Record<string, string> = {
  "1.2.840.10008.1.2.1.99": "Deflated Explicit VR Little Endian",
  "1.2.840.10008.1.2.4.50": "JPEG Baseline (Process 1)",
  "1.2.840.10008.1.2.4.51": "JPEG Extended (Process 2 & 4)",
  "1.2.840.10008.1.2.4.57": "JPEG Lossless (Process 14)",
  "1.2.840.10008.1.2.4.70": "JPEG Lossless SV1 (Process 14, Selection Value 1)",
  "1.2.840.10008.1.2.4.80": "JPEG-LS Lossless",
  "1.2.840.10008.1.2.4.81": "JPEG-LS Near-Lossless",
  "1.2.840.10008.1.2.4.90": "JPEG 2000 (Lossless Only)",
  "1.2.840.10008.1.2.4.91": "JPEG 2000",
  "1.2.840.10008.1.2.4.201": "HTJ2K (Lossless Only)",
  "1.2.840.10008.1.2.4.203": "HTJ2K",
  "1.2.840.10008.1.2.5": "RLE Lossless",
};

export interface DicomImage {
  file: string;
  width: number;
  height: number;
  /** Display values in [0, 1], row-major, bright = dense. */
  pixels: Float32Array;
  bitsAllocated: number;
  photometric: string;
  transferSyntax: string;
  patientId?: string;
}

function transferSyntaxName(uid: string): string {
  return UNCOMPRESSED_TRANSFER_SYNTAXES[uid] ?? KNOWN_COMPRESSED[uid] ?? "unknown transfer syntax";
}

function parse(file: string, bytes: Uint8Array): dicomParser.DataSet {
  let header: dicomParser.DataSet;
  try {
    header = dicomParser.readPart10Header(bytes);
  } catch (error) {
    throw new Error(`${file}: not a DICOM Part-10 file (${String((error as Error).message ?? error)})`);
  }
  const syntax = header.string("x00020010") ?? "";
  if (!(syntax in UNCOMPRESSED_TRANSFER_SYNTAXES)) {
    throw new Error(`${file}: transfer syntax ${syntax || "(missing)"} (${transferSyntaxName(syntax)}) is compressed or unsupported; kdlab reads uncompressed DICOM only — convert first, e.g. \`gdcmconv --raw in.dcm out.dcm\` or \`dcmdjpeg\``);
  }
  try {
    return dicomParser.parseDicom(bytes);
  } catch (error) {
    throw new Error(`${file}: cannot parse DICOM: ${String((error as Error).message ?? error)}`);
  }
}

function numberOr(dataSet: dicomParser.DataSet, tag: string, fallback: number): number {
  const value = dataSet.floatString(tag, 0);
  return value === undefined || Number.isNaN(value) ? fallback : value;
}

/** Raw stored values of the first frame, masked/sign-extended to Bits Stored. */
function storedValues(file: string, dataSet: dicomParser.DataSet, count: number, bitsAllocated: number, bitsStored: number, signed: boolean, bigEndian: boolean): Float32Array {
  const element = dataSet.elements.x7fe00010;
  if (!element) throw new Error(`${file}: no Pixel Data element (7FE0,0010)`);
  if (element.encapsulatedPixelData) throw new Error(`${file}: pixel data is encapsulated (compressed)`);
  const bytesPer = bitsAllocated / 8;
  if (element.length < count * bytesPer) throw new Error(`${file}: pixel data holds ${element.length} bytes, the ${Math.sqrt(count) | 0}-ish image needs ${count * bytesPer}`);
  const view = new DataView(dataSet.byteArray.buffer, dataSet.byteArray.byteOffset + element.dataOffset, count * bytesPer);
  const out = new Float32Array(count);
  const mask = bitsStored >= 32 ? 0xffffffff : (1 << bitsStored) - 1;
  const signBit = 1 << (bitsStored - 1);
  for (let i = 0; i < count; i++) {
    let v = bytesPer === 1 ? view.getUint8(i) : view.getUint16(i * 2, !bigEndian);
    v &= mask;
    if (signed && v & signBit) v -= 1 << bitsStored;
    out[i] = v;
  }
  return out;
}

/** Reads one DICOM file into display values in [0, 1]. */
export function readDicomImage(file: string): DicomImage {
  const bytes = fs.readFileSync(file);
  const dataSet = parse(file, bytes);
  const transferSyntax = dataSet.string("x00020010") ?? "";
  const rows = dataSet.uint16("x00280010");
  const columns = dataSet.uint16("x00280011");
  const bitsAllocated = dataSet.uint16("x00280100");
  if (!rows || !columns || !bitsAllocated) throw new Error(`${file}: missing Rows, Columns or Bits Allocated`);
  if (bitsAllocated !== 8 && bitsAllocated !== 16) throw new Error(`${file}: Bits Allocated ${bitsAllocated} not supported (8 or 16)`);
  const samplesPerPixel = dataSet.uint16("x00280002") ?? 1;
  if (samplesPerPixel !== 1) throw new Error(`${file}: ${samplesPerPixel} samples per pixel; expected a grayscale radiograph (1)`);
  const bitsStored = dataSet.uint16("x00280101") ?? bitsAllocated;
  const signed = dataSet.uint16("x00280103") === 1;
  const photometric = (dataSet.string("x00280004") ?? "MONOCHROME2").trim();
  if (photometric !== "MONOCHROME1" && photometric !== "MONOCHROME2") throw new Error(`${file}: photometric interpretation ${photometric} not supported`);
  const count = rows * columns;
  const values = storedValues(file, dataSet, count, bitsAllocated, bitsStored, signed, transferSyntax === "1.2.840.10008.1.2.2");

  const slope = numberOr(dataSet, "x00281053", 1);
  const intercept = numberOr(dataSet, "x00281052", 0);
  const center = dataSet.floatString("x00281050", 0);
  const width = dataSet.floatString("x00281051", 0);
  let lo = Infinity;
  let hi = -Infinity;
  for (let i = 0; i < count; i++) {
    const v = values[i] * slope + intercept;
    values[i] = v;
    if (v < lo) lo = v;
    if (v > hi) hi = v;
  }
  const pixels = new Float32Array(count);
  const hasWindow = center !== undefined && width !== undefined && !Number.isNaN(center) && !Number.isNaN(width) && width >= 1;
  for (let i = 0; i < count; i++) {
    let y: number;
    if (hasWindow) {
      // DICOM PS3.3 C.11.2.1.2.1, linear VOI function.
      y = (values[i] - (center - 0.5)) / (width - 1) + 0.5;
    } else {
      y = hi > lo ? (values[i] - lo) / (hi - lo) : 0;
    }
    y = Math.min(1, Math.max(0, y));
    pixels[i] = photometric === "MONOCHROME1" ? 1 - y : y;
  }
  return { file, width: columns, height: rows, pixels, bitsAllocated, photometric, transferSyntax, patientId: dataSet.string("x00100020") };
}

/** Reads and resizes a DICOM image to size·size grayscale uint8, like decodeGrayImage for JPEGs. */
export async function decodeDicomImage(file: string, options: ImageDecodeOptions = {}): Promise<Uint8Array> {
  const size = options.size ?? 224;
  const image = readDicomImage(file);
  const bytes = Buffer.alloc(image.pixels.length);
  for (let i = 0; i < bytes.length; i++) bytes[i] = Math.round(image.pixels[i] * 255);
  const data = await sharp(bytes, { raw: { width: image.width, height: image.height, channels: 1 } })
    .resize(size, size, { fit: options.fit ?? "fill" })
    .extractChannel(0)
    .raw()
    .toBuffer();
  return new Uint8Array(data.buffer, data.byteOffset, data.length);
}
