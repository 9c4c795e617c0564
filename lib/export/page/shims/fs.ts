/**
 * `node:fs` in the page bundle, for lib/data/dicom.ts, the DICOM loader
 * training uses: readDicomImage(name) reads the bytes of a file the user
 * dropped, put here under that name, so the page windows DICOM exactly as
 * kdlab does in Node. Nothing else of fs exists in the browser.
 */
const files = new Map<string, Uint8Array>();

/** Makes `bytes` readable as `name` until it is taken back with removeFile. */
export function putFile(name: string, bytes: Uint8Array): void {
  files.set(name, bytes);
}

export function removeFile(name: string): void {
  files.delete(name);
}

export function readFileSync(name: string): Uint8Array {
  const bytes = files.get(name);
  if (!bytes) throw new Error(`${name}: not a file the page was given`);
  return bytes;
}

export function existsSync(name: string): boolean {
  return files.has(name);
}
