/**
 * NumPy's `.npz` archives (a zip of `.npy` files, stored or deflated), read
 * in TypeScript. `.npy` layout (NEP 1): the magic `\x93NUMPY`, a version
 * byte pair, a little-endian header length (2 bytes in v1, 4 in v2/v3), then
 * a Python dict literal `{'descr': '|u1', 'fortran_order': False, 'shape':
 * (N, H, W), }`, then the C-order data. Only integer dtypes are decoded
 * (what MedMNIST stores); anything else is an error naming file and key.
 */

/** The part of adm-zip (a direct dependency, untyped) this reader uses. */
interface ZipEntry {
  entryName: string;
  isDirectory: boolean;
  getData(): Buffer;
}
interface ZipReader {
  getEntries(): ZipEntry[];
}
// eslint-disable-next-line @typescript-eslint/no-require-imports
const AdmZip = require("adm-zip") as new (file: string) => ZipReader;

export type NpyDtype = "u1" | "i1" | "u2" | "i2" | "u4" | "i4" | "u8" | "i8";

export interface NpyArray {
  dtype: NpyDtype;
  shape: number[];
  /** The elements in C order; 64-bit integers are converted to Number (exact below 2^53). */
  data: Uint8Array | Int8Array | Uint16Array | Int16Array | Uint32Array | Int32Array | Float64Array;
}

const MAGIC = [0x93, 0x4e, 0x55, 0x4d, 0x50, 0x59];
const ITEM_BYTES: Record<NpyDtype, number> = { u1: 1, i1: 1, u2: 2, i2: 2, u4: 4, i4: 4, u8: 8, i8: 8 };

/** The `descr` string as a dtype we decode, or undefined (big-endian and non-integer types are not decoded). */
function parseDescr(descr: string): NpyDtype | undefined {
  const match = /^([<|=]?)([ui])([1248])$/.exec(descr);
  if (!match) return undefined;
  const dtype = `${match[2]}${match[3]}` as NpyDtype;
  // Single bytes have no byte order ('|'); wider ones must be little-endian ('<', or '=' on x86).
  if (ITEM_BYTES[dtype] > 1 && match[1] === "|") return undefined;
  return dtype;
}

/** Parses one `.npy` file's bytes; `where` names it in errors ("file.npz: train_images"). */
export function parseNpy(bytes: Uint8Array, where: string): NpyArray {
  if (bytes.length < 10 || MAGIC.some((b, i) => bytes[i] !== b)) throw new Error(`${where}: not a .npy array (no \\x93NUMPY magic)`);
  const major = bytes[6];
  if (major < 1 || major > 3) throw new Error(`${where}: .npy format version ${major}.${bytes[7]} is not supported`);
  const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  const headerLength = major === 1 ? view.getUint16(8, true) : view.getUint32(8, true);
  const headerStart = major === 1 ? 10 : 12;
  const dataStart = headerStart + headerLength;
  if (dataStart > bytes.length) throw new Error(`${where}: .npy header runs past the end of the array`);
  const header = Buffer.from(bytes.subarray(headerStart, dataStart)).toString("latin1");
  const descr = /'descr'\s*:\s*'([^']*)'/.exec(header)?.[1];
  const fortran = /'fortran_order'\s*:\s*(True|False)/.exec(header)?.[1];
  const shapeText = /'shape'\s*:\s*\(([^)]*)\)/.exec(header)?.[1];
  if (descr === undefined || fortran === undefined || shapeText === undefined) throw new Error(`${where}: unreadable .npy header ${JSON.stringify(header.trim())}`);
  const dtype = parseDescr(descr);
  if (!dtype) throw new Error(`${where}: dtype '${descr}' is not an integer type (MedMNIST stores uint8)`);
  if (fortran === "True") throw new Error(`${where}: Fortran-order arrays are not supported (save with C order)`);
  const shape = shapeText
    .split(",")
    .map((s) => s.trim())
    .filter((s) => s.length > 0)
    .map(Number);
  if (shape.some((n) => !Number.isInteger(n) || n < 0)) throw new Error(`${where}: bad shape (${shapeText})`);
  const count = shape.reduce((a, b) => a * b, 1);
  const byteCount = count * ITEM_BYTES[dtype];
  if (bytes.length - dataStart !== byteCount) {
    throw new Error(`${where}: shape (${shape.join(", ")}) of ${descr} needs ${byteCount} bytes, the array holds ${bytes.length - dataStart}`);
  }
  // Copy into a fresh buffer so the typed array is aligned and starts at the data
  // (a Buffer's slice is a view into a larger pool, whose .buffer starts elsewhere).
  const raw = new Uint8Array(byteCount);
  raw.set(bytes.subarray(dataStart, dataStart + byteCount));
  const buffer = raw.buffer;
  let data: NpyArray["data"];
  switch (dtype) {
    case "u1": data = raw; break;
    case "i1": data = new Int8Array(buffer); break;
    case "u2": data = new Uint16Array(buffer); break;
    case "i2": data = new Int16Array(buffer); break;
    case "u4": data = new Uint32Array(buffer); break;
    case "i4": data = new Int32Array(buffer); break;
    case "u8": data = Float64Array.from(new BigUint64Array(buffer), Number); break;
    case "i8": data = Float64Array.from(new BigInt64Array(buffer), Number); break;
  }
  return { dtype, shape, data };
}

/** The `.npy` entries of an `.npz` archive by key (the entry name without `.npy`), decoded lazily. */
export class NpzFile {
  private readonly entries = new Map<string, ZipEntry>();

  constructor(readonly file: string) {
    let zip: ZipReader;
    try {
      zip = new AdmZip(file);
    } catch (error) {
      throw new Error(`${file}: not a .npz archive (not a readable zip file: ${(error as Error).message})`);
    }
    for (const entry of zip.getEntries()) {
      if (!entry.isDirectory && entry.entryName.endsWith(".npy")) this.entries.set(entry.entryName.slice(0, -4), entry);
    }
  }

  get keys(): string[] {
    return [...this.entries.keys()].sort();
  }

  has(key: string): boolean {
    return this.entries.has(key);
  }

  read(key: string): NpyArray {
    const entry = this.entries.get(key);
    if (!entry) throw new Error(`${this.file}: no array "${key}" (the archive holds ${this.keys.join(", ") || "no .npy arrays"})`);
    let bytes: Buffer;
    try {
      bytes = entry.getData();
    } catch (error) {
      throw new Error(`${this.file}: ${key}: cannot decompress (${(error as Error).message})`);
    }
    return parseNpy(new Uint8Array(bytes.buffer, bytes.byteOffset, bytes.length), `${this.file}: ${key}`);
  }
}
