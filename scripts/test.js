#!/usr/bin/env node
/**
 * Runs every test/**\/*.test.ts on node's built-in test runner (TypeScript via
 * tsx), with native TensorFlow required: a fallback to pure JS is an error.
 * Extra arguments filter test files by substring: `npm test -- notebook`.
 */
"use strict";
const { spawnSync } = require("node:child_process");
const fs = require("node:fs");
const path = require("node:path");

const ROOT = path.resolve(__dirname, "..");
const filters = process.argv.slice(2).filter((a) => !a.startsWith("-"));

function findTests(dir) {
  const found = [];
  for (const entry of fs.readdirSync(dir, { withFileTypes: true })) {
    if (entry.name === "node_modules" || entry.name === "artifacts" || entry.name === "fixtures") continue;
    const full = path.join(dir, entry.name);
    if (entry.isDirectory()) found.push(...findTests(full));
    else if (entry.name.endsWith(".test.ts")) found.push(full);
  }
  return found;
}

const files = findTests(path.join(ROOT, "test"))
  .filter((f) => filters.length === 0 || filters.some((flt) => f.includes(flt)))
  .sort()
  .map((f) => path.relative(ROOT, f));
if (files.length === 0) {
  console.error(`no test files match ${filters.join(", ")}`);
  process.exit(1);
}
const result = spawnSync(process.execPath, ["--import", "tsx", "--test", "--test-concurrency=1", ...files], {
  cwd: ROOT,
  stdio: "inherit",
  env: { ...process.env, KDLAB_REQUIRE_NATIVE: "1", TF_CPP_MIN_LOG_LEVEL: process.env.TF_CPP_MIN_LOG_LEVEL ?? "2" },
});
process.exit(result.status ?? 1);
