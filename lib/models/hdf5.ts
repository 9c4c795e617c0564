/**
 * h5wasm (HDF5 compiled to WebAssembly) for Node, loaded from CommonJS.
 *
 * h5wasm ships only as an ES module (`h5wasm/node`, host filesystem through
 * Emscripten's NODERAWFS). kdlab compiles to CommonJS (tsx, tslab), where a
 * plain `import()` is rewritten to `require()` and fails, so we locate the
 * module file and import it by URL through a real dynamic import.
 */
import * as fs from "node:fs";
import * as path from "node:path";
import { pathToFileURL } from "node:url";
import type * as H5 from "h5wasm";

export type H5Module = typeof H5;
export type H5File = H5.File;
export type H5Group = H5.Group;

const importEsm = new Function("url", "return import(url)") as (url: string) => Promise<unknown>;

let loading: Promise<H5Module> | undefined;

function moduleFile(): string {
  const candidates = require.resolve.paths("h5wasm") ?? [];
  for (const dir of candidates) {
    const file = path.join(dir, "h5wasm", "dist", "node", "hdf5_hl.js");
    if (fs.existsSync(file)) return file;
  }
  throw new Error(`h5wasm is not installed (looked in ${candidates.join(", ")}); run npm install`);
}

/** The h5wasm module, initialised once per process. */
export function loadH5wasm(): Promise<H5Module> {
  loading ??= (async () => {
    const h5 = (await importEsm(pathToFileURL(moduleFile()).href)) as H5Module;
    await h5.ready;
    return h5;
  })();
  return loading;
}

const HDF5_SIGNATURE = Buffer.from([0x89, 0x48, 0x44, 0x46, 0x0d, 0x0a, 0x1a, 0x0a]);

/** HDF5's superblock signature sits at 0 or, after a user block, at 512, 1024, 2048, …; h5wasm only logs a bad file. */
function looksLikeHdf5(file: string): boolean {
  const fd = fs.openSync(file, "r");
  try {
    const size = fs.fstatSync(fd).size;
    const probe = Buffer.alloc(HDF5_SIGNATURE.length);
    for (let offset = 0; offset + probe.length <= size; offset = offset === 0 ? 512 : offset * 2) {
      fs.readSync(fd, probe, 0, probe.length, offset);
      if (probe.equals(HDF5_SIGNATURE)) return true;
    }
    return false;
  } finally {
    fs.closeSync(fd);
  }
}

/** Opens an HDF5 file read-only, runs `use`, and always closes it. */
export async function withH5File<T>(file: string, use: (h5: H5File, module: H5Module) => T): Promise<T> {
  if (!fs.existsSync(file)) throw new Error(`${file}: no such file`);
  if (!looksLikeHdf5(file)) throw new Error(`${file}: not an HDF5 file (no HDF5 signature)`);
  const h5 = await loadH5wasm();
  let handle: H5File;
  try {
    handle = new h5.File(file, "r");
  } catch (error) {
    throw new Error(`${file}: not a readable HDF5 file (${(error as Error).message})`);
  }
  try {
    return use(handle, h5);
  } finally {
    handle.close();
  }
}
