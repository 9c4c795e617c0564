/**
 * Writes DICOM Part-10 files: 128-byte preamble, "DICM", the File Meta group
 * in Explicit VR Little Endian, then the data set (Explicit VR Little Endian
 * by default). Enough of the standard for synthetic DX radiographs and for
 * tests of the reader; a compressed transfer syntax is written encapsulated.
 */
import * as fs from "node:fs";

type Vr = "CS" | "DA" | "DS" | "LO" | "OB" | "OW" | "PN" | "SH" | "UI" | "UL" | "US";

interface DicomElement {
  group: number;
  element: number;
  vr: Vr;
  value: Uint8Array;
}

const LONG_LENGTH_VRS = new Set<Vr>(["OB", "OW"]);
export const EXPLICIT_VR_LITTLE_ENDIAN = "1.2.840.10008.1.2.1";
export const DX_FOR_PRESENTATION = "1.2.840.10008.5.1.4.1.1.1.1";
const IMPLEMENTATION_CLASS_UID = "1.2.826.0.1.3680043.9.7433.1.1";

function text(value: string, vr: Vr): Uint8Array {
  const bytes = Buffer.from(value, "latin1");
  if (bytes.length % 2 === 0) return bytes;
  // Odd lengths are padded: UIDs with NUL, other strings with a space.
  return Buffer.concat([bytes, Buffer.from([vr === "UI" ? 0 : 0x20])]);
}

function us(value: number): Uint8Array {
  const out = Buffer.alloc(2);
  out.writeUInt16LE(value);
  return out;
}

function ul(value: number): Uint8Array {
  const out = Buffer.alloc(4);
  out.writeUInt32LE(value);
  return out;
}

function encodeElement(el: DicomElement, undefinedLength = false): Buffer {
  const long = LONG_LENGTH_VRS.has(el.vr);
  const header = Buffer.alloc(long ? 12 : 8);
  header.writeUInt16LE(el.group, 0);
  header.writeUInt16LE(el.element, 2);
  header.write(el.vr, 4, "latin1");
  if (long) header.writeUInt32LE(undefinedLength ? 0xffffffff : el.value.length, 8);
  else header.writeUInt16LE(el.value.length, 6);
  return Buffer.concat([header, el.value]);
}

/** Pixel data as one encapsulated fragment: empty basic offset table, the fragment, a sequence delimiter. */
function encapsulated(fragment: Uint8Array): Uint8Array {
  const item = (data: Uint8Array): Buffer => {
    const head = Buffer.alloc(8);
    head.writeUInt16LE(0xfffe, 0);
    head.writeUInt16LE(0xe000, 2);
    head.writeUInt32LE(data.length, 4);
    return Buffer.concat([head, data]);
  };
  const padded = fragment.length % 2 === 0 ? fragment : Buffer.concat([fragment, Buffer.from([0])]);
  const delimiter = Buffer.from([0xfe, 0xff, 0xdd, 0xe0, 0, 0, 0, 0]);
  return Buffer.concat([item(new Uint8Array(0)), item(padded), delimiter]);
}

export interface DicomImageSpec {
  rows: number;
  columns: number;
  bitsAllocated: 8 | 16;
  /** Defaults to bitsAllocated. */
  bitsStored?: number;
  signed?: boolean;
  photometric?: "MONOCHROME1" | "MONOCHROME2";
  /** Stored values, row-major; length rows·columns. */
  pixels: Uint8Array | Uint16Array | Int16Array;
  rescaleSlope?: number;
  rescaleIntercept?: number;
  windowCenter?: number;
  windowWidth?: number;
  patientId?: string;
  patientName?: string;
  sopInstanceUid: string;
  studyInstanceUid?: string;
  seriesInstanceUid?: string;
  modality?: "DX" | "CR";
  /** Defaults to Explicit VR Little Endian; any other UID writes `pixels`' bytes as one encapsulated fragment. */
  transferSyntax?: string;
}

function ds(value: number): string {
  // DS is at most 16 characters.
  return Number(value.toPrecision(10)).toString();
}

export function encodeDicom(spec: DicomImageSpec): Buffer {
  const syntax = spec.transferSyntax ?? EXPLICIT_VR_LITTLE_ENDIAN;
  const sopClass = DX_FOR_PRESENTATION;
  const bitsStored = spec.bitsStored ?? spec.bitsAllocated;
  const pixelBytes = Buffer.from(spec.pixels.buffer, spec.pixels.byteOffset, spec.pixels.byteLength);
  const meta: DicomElement[] = [
    { group: 2, element: 0x0001, vr: "OB", value: Buffer.from([0, 1]) },
    { group: 2, element: 0x0002, vr: "UI", value: text(sopClass, "UI") },
    { group: 2, element: 0x0003, vr: "UI", value: text(spec.sopInstanceUid, "UI") },
    { group: 2, element: 0x0010, vr: "UI", value: text(syntax, "UI") },
    { group: 2, element: 0x0012, vr: "UI", value: text(IMPLEMENTATION_CLASS_UID, "UI") },
    { group: 2, element: 0x0013, vr: "SH", value: text("KDLAB_SYNTH", "SH") },
  ];
  const metaBody = Buffer.concat(meta.map((el) => encodeElement(el)));
  const groupLength = encodeElement({ group: 2, element: 0, vr: "UL", value: ul(metaBody.length) });

  const optional: DicomElement[] = [];
  if (spec.windowCenter !== undefined && spec.windowWidth !== undefined) {
    optional.push({ group: 0x28, element: 0x1050, vr: "DS", value: text(ds(spec.windowCenter), "DS") });
    optional.push({ group: 0x28, element: 0x1051, vr: "DS", value: text(ds(spec.windowWidth), "DS") });
  }
  if (spec.rescaleSlope !== undefined || spec.rescaleIntercept !== undefined) {
    optional.push({ group: 0x28, element: 0x1052, vr: "DS", value: text(ds(spec.rescaleIntercept ?? 0), "DS") });
    optional.push({ group: 0x28, element: 0x1053, vr: "DS", value: text(ds(spec.rescaleSlope ?? 1), "DS") });
  }
  const dataset: DicomElement[] = [
    { group: 0x08, element: 0x0016, vr: "UI", value: text(sopClass, "UI") },
    { group: 0x08, element: 0x0018, vr: "UI", value: text(spec.sopInstanceUid, "UI") },
    { group: 0x08, element: 0x0060, vr: "CS", value: text(spec.modality ?? "DX", "CS") },
    { group: 0x10, element: 0x0010, vr: "PN", value: text(spec.patientName ?? "SYNTHETIC^PATIENT", "PN") },
    { group: 0x10, element: 0x0020, vr: "LO", value: text(spec.patientId ?? "", "LO") },
    { group: 0x20, element: 0x000d, vr: "UI", value: text(spec.studyInstanceUid ?? `${spec.sopInstanceUid}.1`, "UI") },
    { group: 0x20, element: 0x000e, vr: "UI", value: text(spec.seriesInstanceUid ?? `${spec.sopInstanceUid}.2`, "UI") },
    { group: 0x28, element: 0x0002, vr: "US", value: us(1) },
    { group: 0x28, element: 0x0004, vr: "CS", value: text(spec.photometric ?? "MONOCHROME2", "CS") },
    { group: 0x28, element: 0x0010, vr: "US", value: us(spec.rows) },
    { group: 0x28, element: 0x0011, vr: "US", value: us(spec.columns) },
    { group: 0x28, element: 0x0100, vr: "US", value: us(spec.bitsAllocated) },
    { group: 0x28, element: 0x0101, vr: "US", value: us(bitsStored) },
    { group: 0x28, element: 0x0102, vr: "US", value: us(bitsStored - 1) },
    { group: 0x28, element: 0x0103, vr: "US", value: us(spec.signed ? 1 : 0) },
    ...optional,
  ];
  const compressed = syntax !== EXPLICIT_VR_LITTLE_ENDIAN;
  const pixelValue = compressed ? encapsulated(pixelBytes) : pixelBytes.length % 2 === 0 ? pixelBytes : Buffer.concat([pixelBytes, Buffer.from([0])]);
  const pixelElement = encodeElement({ group: 0x7fe0, element: 0x0010, vr: spec.bitsAllocated === 8 || compressed ? "OB" : "OW", value: pixelValue }, compressed);
  const body = Buffer.concat([...dataset.map((el) => encodeElement(el)), pixelElement]);
  return Buffer.concat([Buffer.alloc(128), Buffer.from("DICM", "latin1"), groupLength, metaBody, body]);
}

export function writeDicom(file: string, spec: DicomImageSpec): void {
  fs.writeFileSync(file, encodeDicom(spec));
}
