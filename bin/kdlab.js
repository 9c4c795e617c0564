#!/usr/bin/env node
// The `kdlab` command: runs lib/cli.ts through tsx, so no build step is needed.
"use strict";
const path = require("node:path");
const { register } = require(require.resolve("tsx/cjs/api", { paths: [path.join(__dirname, "..")] }));
register();
// A sweep's trial (spawned with an IPC channel) ends with its sweep, even one killed by SIGKILL: watch from
// the first moment, before lib/ and TensorFlow load for seconds, while the parent pid is still the owner's.
require(path.join(__dirname, "..", "lib", "runtime", "process-tree.ts")).exitWithOwner(`kdlab ${process.argv[2] ?? ""}`.trim());

// `kdlab ... | head` closes the pipe early; that is not an error.
process.stdout.on("error", (error) => {
  if (error.code === "EPIPE") process.exit(0);
  throw error;
});

/**
 * Exits once stdout and stderr have handed everything to the OS. On a pipe
 * Node writes asynchronously, and a bare process.exit() drops whatever the
 * reader has not taken yet (all but the first 64 KiB of `--json | jq`). An
 * empty write's callback runs after every earlier write has been flushed.
 */
function exitWhenDrained(code) {
  process.exitCode = code;
  let pending = 2;
  const done = () => {
    if (--pending === 0) process.exit(code);
  };
  for (const stream of [process.stdout, process.stderr]) {
    if (stream.destroyed || !stream.writable) done();
    else stream.write("", done);
  }
}

require(path.join(__dirname, "..", "lib", "cli.ts"))
  .main(process.argv.slice(2))
  .then((code) => exitWhenDrained(code))
  .catch((error) => {
    console.error(`kdlab: ${error instanceof Error ? error.message : String(error)}`);
    exitWhenDrained(1);
  });
