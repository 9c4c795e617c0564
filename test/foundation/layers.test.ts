/**
 * The layers of lib/: lib/runtime/ (the native runtime: backend, CPU facts,
 * oneDNN and its convolution routing, the per-user cache, the project's
 * paths) imports nothing else of lib/, only itself, node built-ins and npm
 * packages, so everything else can import it without a loop. Read from the
 * sources: every relative specifier of `import … from`, `export … from`,
 * `import "…"`, `import("…")` and `require("…")` in a .ts under lib/runtime/
 * must resolve inside lib/runtime/.
 *
 * lib/graph/ (the TensorFlow graph builder, model graphs, the loss ops)
 * sits on lib/runtime/ and below lib/distill/: it imports only itself and
 * lib/runtime/, so distillation (whose compiled train step is
 * lib/distill/compiled/) builds on it without a loop.
 */
import assert from "node:assert/strict";
import * as fs from "node:fs";
import * as path from "node:path";
import { test } from "node:test";

const ROOT = path.resolve(__dirname, "..", "..");
const LIB = path.join(ROOT, "lib");
const RUNTIME = path.join(LIB, "runtime");
const GRAPH = path.join(LIB, "graph");
const SPECIFIER = /(?:\bfrom\s*|\bimport\s*\(\s*|\bimport\s+|\brequire\(\s*)(["'])([^"']+)\1/g;

function typescriptUnder(dir: string): string[] {
  return fs.readdirSync(dir, { withFileTypes: true }).flatMap((entry) => {
    const full = path.join(dir, entry.name);
    if (entry.isDirectory()) return typescriptUnder(full);
    return entry.name.endsWith(".ts") ? [full] : [];
  });
}

/** Each relative import of `file`: its specifier and the path it names. */
function relativeImports(file: string): { specifier: string; target: string }[] {
  const source = fs.readFileSync(file, "utf8");
  return [...source.matchAll(SPECIFIER)].map((match) => match[2]).filter((specifier) => specifier.startsWith(".")).map((specifier) => ({ specifier, target: path.resolve(path.dirname(file), specifier) }));
}

test("lib/runtime/ imports nothing of lib/ outside lib/runtime/", () => {
  const inRuntime = (file: string): boolean => file.startsWith(RUNTIME + path.sep);
  const imports = typescriptUnder(LIB).flatMap((file) => relativeImports(file).map((found) => ({ file, ...found })));
  const fromRuntime = imports.filter(({ file }) => inRuntime(file));
  assert.ok(fromRuntime.length > 10, `read only ${fromRuntime.length} relative imports under lib/runtime: the parser misses them`);
  const outside = fromRuntime.filter(({ target }) => !inRuntime(target)).map(({ file, specifier, target }) => `${path.relative(ROOT, file)} imports "${specifier}" (${path.relative(ROOT, target)})`);
  assert.deepEqual(outside, [], `lib/runtime/ must not import the rest of lib/:\n${outside.join("\n")}`);
});

test("lib/graph/ imports only lib/graph/ and lib/runtime/ (nothing of distillation)", () => {
  const inside = (dir: string, file: string): boolean => file.startsWith(dir + path.sep);
  const fromGraph = typescriptUnder(GRAPH).flatMap((file) => relativeImports(file).map((found) => ({ file, ...found })));
  assert.ok(fromGraph.length > 10, `read only ${fromGraph.length} relative imports under lib/graph: the parser misses them`);
  const outside = fromGraph.filter(({ target }) => !inside(GRAPH, target) && !inside(RUNTIME, target)).map(({ file, specifier, target }) => `${path.relative(ROOT, file)} imports "${specifier}" (${path.relative(ROOT, target)})`);
  assert.deepEqual(outside, [], `lib/graph/ must import only itself and lib/runtime/:\n${outside.join("\n")}`);
  assert.ok(!fs.existsSync(path.join(LIB, "compiled")), "lib/compiled/ is gone: graph ops live in lib/graph/, the compiled train step in lib/distill/compiled/");
});
