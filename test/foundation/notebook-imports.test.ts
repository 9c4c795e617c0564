/**
 * tslab loads lib/ inside notebooks with its own module loader, which
 * resolves `./x` to `./x.js` only: an import of a folder (`../distill`) works
 * under tsx and fails in a notebook. Import `../distill/index` instead.
 */
import assert from "node:assert/strict";
import * as fs from "node:fs";
import * as path from "node:path";
import { test } from "node:test";

const LIB = path.resolve(__dirname, "..", "..", "lib");
const SPECIFIER = /(?:from\s+|import\(\s*|require\(\s*)["'](\.{1,2}(?:\/[^"']*)?)["']/g;

function typescriptFiles(dir: string): string[] {
  return fs.readdirSync(dir, { withFileTypes: true }).flatMap((entry) => {
    const full = path.join(dir, entry.name);
    return entry.isDirectory() ? typescriptFiles(full) : entry.name.endsWith(".ts") ? [full] : [];
  });
}

test("lib/ imports files, never folders, so notebooks can load it", () => {
  const folderImports: string[] = [];
  for (const file of typescriptFiles(LIB)) {
    const source = fs.readFileSync(file, "utf8");
    for (const match of source.matchAll(SPECIFIER)) {
      const target = path.resolve(path.dirname(file), match[1]);
      const isFolderOnly = fs.existsSync(target) && fs.statSync(target).isDirectory() && !fs.existsSync(`${target}.ts`);
      if (isFolderOnly) folderImports.push(`${path.relative(LIB, file)}: "${match[1]}"`);
    }
  }
  assert.deepEqual(folderImports, []);
});
