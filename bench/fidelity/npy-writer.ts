/**
 * Writes one NumPy `.npy` array (format 1.0, NEP 1): the counterpart of
 * lib/data/npz.ts's parseNpy, for handing arrays to a Python child
 * (`np.load`). Only the two dtypes the bench hands over: uint8 pixels and
 * int32 labels, little-endian, C order.
 */
import * as fs from "node:fs";

const MAGIC = Buffer.from([0x93, 0x4e, 0x55, 0x4d, 0x50, 0x59, 0x01, 0x00]);

/** The array's bytes with its header; the header is space-padded so the data starts on a 64-byte boundary, as NumPy writes it. */
export function npyBytes(data: Uint8Array | Int32Array, shape: readonly number[]): Buffer {
  const count = shape.reduce((a, b) => a * b, 1);
  if (count !== data.length) throw new Error(`npy: shape (${shape.join(", ")}) holds ${count} elements, the data ${data.length}`);
  const descr = data instanceof Uint8Array ? "|u1" : "<i4";
  const dims = shape.length === 1 ? `${shape[0]},` : shape.join(", ");
  const dict = `{'descr': '${descr}', 'fortran_order': False, 'shape': (${dims}), }`;
  const unpadded = MAGIC.length + 2 + dict.length + 1;
  const header = `${dict}${" ".repeat((64 - (unpadded % 64)) % 64)}\n`;
  const length = Buffer.alloc(2);
  length.writeUInt16LE(header.length);
  // Int32Array's bytes are little-endian on every platform Node runs kdlab on (x86-64, arm64).
  return Buffer.concat([MAGIC, length, Buffer.from(header, "latin1"), Buffer.from(data.buffer, data.byteOffset, data.byteLength)]);
}

export function writeNpy(file: string, data: Uint8Array | Int32Array, shape: readonly number[]): void {
  fs.writeFileSync(file, npyBytes(data, shape));
}
