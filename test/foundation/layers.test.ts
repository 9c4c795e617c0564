/**
 * The layers of lib/, read from the sources (ARCHITECTURE.md draws them):
 * every folder directly under lib/ has a rank, and a file may import only
 * from its own folder or from a folder of lower rank. So a lower layer never
 * imports a higher one and no two folders import each other. "Imports" are
 * every relative specifier of `import … from`, `import type … from`,
 * `export … from`, `import "…"`, `import("…")` and `require("…")`.
 * lib/runtime/ has rank 0: it imports nothing else of lib/; lib/graph/
 * imports only lib/runtime/, nothing of distillation.
 */
import assert from "node:assert/strict";
import * as fs from "node:fs";
import * as path from "node:path";
import { test } from "node:test";

const ROOT = path.resolve(__dirname, "..", "..");
const LIB = path.join(ROOT, "lib");
const SPECIFIER = /(?:\bfrom\s*|\bimport\s*\(\s*|\bimport\s+|\brequire\(\s*)(["'])([^"']+)\1/g;
/** The files directly in lib/ (cli.ts) are the top: the CLI's face. */
const LIB_ROOT = "(lib/)";

/** Bottom to top. Folders of one rank may not import each other. */
const LAYER_RANKS: Readonly<Record<string, number>> = {
  runtime: 0,
  stats: 1,
  notebook: 1,
  graph: 1,
  data: 2,
  models: 3,
  distill: 4,
  experiments: 5,
  report: 6,
  explain: 7,
  sweep: 7,
  export: 8,
  reproduce: 8,
  commands: 9,
  [LIB_ROOT]: 10,
};

interface FolderImport {
  file: string;
  specifier: string;
  from: string;
  to: string;
}

function typescriptUnder(dir: string): string[] {
  return fs.readdirSync(dir, { withFileTypes: true }).flatMap((entry) => {
    const full = path.join(dir, entry.name);
    if (entry.isDirectory()) return typescriptUnder(full);
    return entry.name.endsWith(".ts") ? [full] : [];
  });
}

/** The folder of lib/ a path lies in (a folder named by its index: "../experiments/index"), or LIB_ROOT for lib/'s own files. */
function folderOf(file: string): string {
  const parts = path.relative(LIB, file).split(path.sep);
  if (parts.length > 1) return parts[0];
  return fs.existsSync(file) && fs.statSync(file).isDirectory() ? parts[0] : LIB_ROOT;
}

/** Every relative import in lib/ that lands inside lib/. */
function libImports(): FolderImport[] {
  return typescriptUnder(LIB).flatMap((file) => {
    const source = fs.readFileSync(file, "utf8");
    return [...source.matchAll(SPECIFIER)]
      .map((match) => match[2])
      .filter((specifier) => specifier.startsWith("."))
      .map((specifier) => ({ specifier, target: path.resolve(path.dirname(file), specifier) }))
      .filter(({ target }) => target.startsWith(LIB + path.sep))
      .map(({ specifier, target }) => ({ file: path.relative(ROOT, file), specifier, from: folderOf(file), to: folderOf(target) }));
  });
}

/** The imports that break the layering: upward, sideways within a rank, or from a folder with no rank. */
function layerViolations(imports: readonly FolderImport[], ranks: Readonly<Record<string, number>>): string[] {
  return imports
    .filter(({ from, to }) => from !== to)
    .flatMap(({ file, specifier, from, to }) => {
      const rankFrom = ranks[from];
      const rankTo = ranks[to];
      if (rankFrom === undefined) return [`${file}: lib/${from}/ has no layer: give it a rank in LAYER_RANKS and a line in ARCHITECTURE.md`];
      if (rankTo === undefined) return [`${file} imports "${specifier}": lib/${to}/ has no layer`];
      if (rankTo >= rankFrom) return [`${file} imports "${specifier}": ${from} (layer ${rankFrom}) may not import ${to} (layer ${rankTo})`];
      return [];
    });
}

test("every import in lib/ goes down the layers: nothing imports a higher layer, no two folders import each other", () => {
  const imports = libImports();
  const crossing = imports.filter(({ from, to }) => from !== to);
  assert.ok(crossing.length > 100, `read only ${crossing.length} imports between folders of lib/: the parser misses them`);
  assert.ok(imports.some(({ from }) => from === "runtime"), "read no import of lib/runtime/");
  const folders = new Set(fs.readdirSync(LIB, { withFileTypes: true }).filter((e) => e.isDirectory()).map((e) => e.name));
  const unranked = [...folders].filter((folder) => LAYER_RANKS[folder] === undefined);
  assert.deepEqual(unranked, [], "every folder of lib/ has a layer");
  assert.ok(!fs.existsSync(path.join(LIB, "compiled")), "lib/compiled/ is gone: graph ops live in lib/graph/, the compiled train step in lib/distill/compiled/");
  const violations = layerViolations(imports, LAYER_RANKS);
  assert.deepEqual(violations, [], `layering broken:\n${violations.join("\n")}`);
});

test("the check catches an upward import, a sideways one and a folder-to-folder loop", () => {
  const at = (file: string, from: string, to: string): FolderImport => ({ file, specifier: `../${to}/x`, from, to });
  assert.equal(layerViolations([at("lib/runtime/a.ts", "runtime", "distill")], LAYER_RANKS).length, 1, "runtime importing distill");
  assert.equal(layerViolations([at("lib/explain/a.ts", "explain", "sweep")], LAYER_RANKS).length, 1, "two folders of one rank");
  assert.equal(layerViolations([at("lib/graph/a.ts", "graph", "distill")], LAYER_RANKS).length, 1, "graph ops importing distillation");
  const loop = [at("lib/distill/a.ts", "distill", "graph"), at("lib/graph/b.ts", "graph", "distill")];
  assert.deepEqual(layerViolations(loop, LAYER_RANKS).map((v) => v.split(" ")[0]), ["lib/graph/b.ts"], "a loop is caught at its upward half");
  assert.equal(layerViolations([at("lib/newthing/a.ts", "newthing", "runtime")], LAYER_RANKS).length, 1, "a folder without a layer");
  assert.deepEqual(layerViolations([at("lib/distill/a.ts", "distill", "graph")], LAYER_RANKS), [], "a downward import is fine");
});
