/**
 * The bench's rooms (bench/README.md): common/ is shared, so it imports no
 * other room; and no two rooms import each other, so each can be read (and
 * changed) from its own side. Read from the sources: the relative import
 * specifiers of every .ts under bench/.
 */
import assert from "node:assert/strict";
import * as fs from "node:fs";
import * as path from "node:path";
import { test } from "node:test";

const BENCH = path.resolve(__dirname, "..", "..", "bench");
const ROOMS = fs.readdirSync(BENCH, { withFileTypes: true }).filter((e) => e.isDirectory() && e.name !== "results" && e.name !== "peers").map((e) => e.name);
const IMPORT = /(?:\bfrom|\bimport)\s*\(?\s*"(\.[^"]+)"/g;

/** Room → the other rooms its files import. */
function roomImports(): Map<string, Set<string>> {
  const edges = new Map<string, Set<string>>(ROOMS.map((room) => [room, new Set<string>()]));
  for (const room of ROOMS) {
    for (const file of fs.readdirSync(path.join(BENCH, room), { recursive: true, encoding: "utf8" }).filter((f) => f.endsWith(".ts"))) {
      const full = path.join(BENCH, room, file);
      for (const [, specifier] of fs.readFileSync(full, "utf8").matchAll(IMPORT)) {
        const [target] = path.relative(BENCH, path.resolve(path.dirname(full), specifier)).split(path.sep);
        if (target !== room && ROOMS.includes(target)) edges.get(room)?.add(target);
      }
    }
  }
  return edges;
}

test("bench/common/ imports no other room, and no two rooms import each other", () => {
  assert.deepEqual([...ROOMS].sort(), ["common", "fidelity", "memory", "speed"]);
  const edges = roomImports();
  assert.ok((edges.get("speed")?.size ?? 0) > 0, "read no imports between rooms: the parser misses them");
  assert.deepEqual([...(edges.get("common") ?? [])], [], "bench/common/ must not import a room");
  const mutual = ROOMS.flatMap((a) => [...(edges.get(a) ?? [])].filter((b) => a < b && edges.get(b)?.has(a)).map((b) => `${a} <-> ${b}`));
  assert.deepEqual(mutual, []);
});
