/**
 * The page of an export: index.html, app.js (lib/export/page/main.ts and
 * everything it imports — tfjs with its WebGL, WASM and CPU backends,
 * lib/models/preprocessing.ts, lib/explain/gradcam.ts, lib/data/dicom.ts
 * with dicom-parser — bundled by esbuild into one minified script) and the
 * WASM backend's .wasm files. lib/data/dicom.ts's Node imports are swapped
 * for the page's shims (page/shims/): fs reads the dropped file's bytes,
 * sharp is never called.
 */
import * as fs from "node:fs";
import * as path from "node:path";
import { build, Plugin } from "esbuild";

const PAGE = path.join(__dirname, "page");

/** The WASM backend's binaries; the page picks one by the browser's SIMD and thread support. */
export const WASM_FILES = ["tfjs-backend-wasm.wasm", "tfjs-backend-wasm-simd.wasm", "tfjs-backend-wasm-threaded-simd.wasm"];

const SHIMS: Record<string, string> = {
  "node:fs": path.join(PAGE, "shims", "fs.ts"),
  fs: path.join(PAGE, "shims", "fs.ts"),
  sharp: path.join(PAGE, "shims", "sharp.ts"),
};

const nodeShims: Plugin = {
  name: "kdlab-node-shims",
  setup(b) {
    b.onResolve({ filter: /^(node:fs|fs|sharp)$/ }, (args) => ({ path: SHIMS[args.path] }));
  },
};

function wasmDir(): string {
  return path.join(path.dirname(require.resolve("@tensorflow/tfjs-backend-wasm/package.json")), "dist");
}

export interface PageFiles {
  files: string[];
  bytes: { script: number; wasm: number; html: number };
}

/** Writes index.html, app.js and the .wasm files into `dir`. */
export async function writePage(dir: string): Promise<PageFiles> {
  fs.mkdirSync(dir, { recursive: true });
  const result = await build({
    entryPoints: [path.join(PAGE, "main.ts")],
    bundle: true,
    format: "iife",
    platform: "browser",
    target: ["es2020"],
    minify: true,
    legalComments: "none",
    write: false,
    logLevel: "silent",
    plugins: [nodeShims],
    define: { "process.env.NODE_ENV": '"production"' },
    outfile: path.join(dir, "app.js"),
  });
  const script = result.outputFiles.find((f) => f.path.endsWith("app.js"));
  if (!script) throw new Error("esbuild wrote no app.js");
  fs.writeFileSync(path.join(dir, "app.js"), script.contents);
  fs.copyFileSync(path.join(PAGE, "index.html"), path.join(dir, "index.html"));
  let wasm = 0;
  for (const name of WASM_FILES) {
    const from = path.join(wasmDir(), name);
    if (!fs.existsSync(from)) throw new Error(`${from}: missing (npm install @tensorflow/tfjs-backend-wasm)`);
    fs.copyFileSync(from, path.join(dir, name));
    wasm += fs.statSync(from).size;
  }
  return { files: ["index.html", "app.js", ...WASM_FILES], bytes: { script: script.contents.byteLength, wasm, html: fs.statSync(path.join(dir, "index.html")).size } };
}
