#!/usr/bin/env node
/**
 * Runs every test/**\/*.test.ts on node's built-in test runner (TypeScript via
 * tsx), with native TensorFlow required: a fallback to pure JS is an error.
 * Extra arguments filter test files by substring: `npm test -- notebook`.
 *
 * Two test files run side by side (KDLAB_TEST_CONCURRENCY overrides; 1 on a
 * one-core machine): a single file leaves about 40 % of 2 cores idle while it
 * waits on Python, Jupyter, Chromium and child processes. Files that share
 * the checkout's folders (runs/, test/artifacts/) are safe side by side: run
 * folders, model-cache entries and fixtures are claimed or renamed into place.
 * The slowest files start first, so the run does not end on one of them alone.
 * The few files in RUN_ALONE run afterwards, one at a time, for the reason given.
 */
"use strict";
const { spawnSync } = require("node:child_process");
const fs = require("node:fs");
const path = require("node:path");

const ROOT = path.resolve(__dirname, "..");

/**
 * Files that take a minute or more (clean-clone run on 2 cores of the Zen 5
 * VM, 2026-12-06, one file at a time), slowest first; the rest follow in
 * path order. Only the order depends on this list.
 */
const SLOWEST_FIRST = [
  "test/notebooks/study-notebooks.test.ts", // 380 s
  "test/models/keras-weights.test.ts", // 120 s with an empty convolution-probe cache
  "test/experiments/resume.test.ts", // 86 s
  "test/experiments/run.test.ts", // 85 s
  "test/bench/end-to-end.test.ts", // 84 s
  "test/browser/export.test.ts", // 84 s
  "test/bench/same-networks.test.ts", // 70 s
  "test/conv-route/routing.test.ts", // 64 s
  "test/compiled/equivalence.test.ts", // 64 s
  "test/browser/jupyterlab.test.ts", // 46 s
  "test/experiments/model-cache.test.ts", // 45 s
  "test/sweep/sweep-kill.test.ts", // 43 s
  "test/explain/pair.test.ts", // 37 s
  "test/explain/gradcam.test.ts", // 37 s
];
/** Files that need the machine to themselves, and why. */
const RUN_ALONE = {
  // Ray 2.58's raylet gives its dashboard agent a fixed 15 s to write its port file (ray-project/ray#65983);
  // beside another test file the agent's start-up took longer, the raylet exited and `ray start` failed.
  "test/sweep/sweep.test.ts": "Ray's head node starts within Ray's fixed 15 s only on an unloaded machine",
};
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
const rank = (f) => (SLOWEST_FIRST.includes(f) ? SLOWEST_FIRST.indexOf(f) : SLOWEST_FIRST.length);
files.sort((a, b) => rank(a) - rank(b) || (a < b ? -1 : a > b ? 1 : 0));
const concurrency = Number(process.env.KDLAB_TEST_CONCURRENCY ?? Math.min(2, require("node:os").availableParallelism()));
if (!(Number.isInteger(concurrency) && concurrency >= 1)) {
  console.error(`KDLAB_TEST_CONCURRENCY must be a whole number ≥ 1, got ${process.env.KDLAB_TEST_CONCURRENCY}`);
  process.exit(1);
}
const environment = { ...process.env, KDLAB_REQUIRE_NATIVE: "1", TF_CPP_MIN_LOG_LEVEL: process.env.TF_CPP_MIN_LOG_LEVEL ?? "2" };
const runFiles = (list, filesAtOnce) =>
  list.length === 0 ? 0 : (spawnSync(process.execPath, ["--import", "tsx", "--test", `--test-concurrency=${filesAtOnce}`, ...list], { cwd: ROOT, stdio: "inherit", env: environment }).status ?? 1);
const sideBySide = files.filter((f) => !(f in RUN_ALONE));
const alone = files.filter((f) => f in RUN_ALONE);
const sideBySideStatus = runFiles(sideBySide, concurrency);
if (alone.length > 0) console.log(`# alone, one at a time: ${alone.map((f) => `${f} (${RUN_ALONE[f]})`).join("; ")}`);
const aloneStatus = runFiles(alone, 1);
process.exit(sideBySideStatus !== 0 ? sideBySideStatus : aloneStatus);
