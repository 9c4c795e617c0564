#!/usr/bin/env node
// The `kdlab` command: runs lib/cli.ts through tsx, so no build step is needed.
"use strict";
const path = require("node:path");
const { register } = require(require.resolve("tsx/cjs/api", { paths: [path.join(__dirname, "..")] }));
register();
// A sweep's trial (spawned with an IPC channel) ends with its sweep, even one killed by SIGKILL: watch from
// the first moment, before lib/ and TensorFlow load for seconds, while the parent pid is still the owner's.
require(path.join(__dirname, "..", "lib", "process-tree.ts")).exitWithOwner(`kdlab ${process.argv[2] ?? ""}`.trim());
// `kdlab ... | head` closes the pipe early; that is not an error.
process.stdout.on("error", (error) => {
  if (error.code === "EPIPE") process.exit(0);
  throw error;
});
require(path.join(__dirname, "..", "lib", "cli.ts"))
  .main(process.argv.slice(2))
  .then((code) => process.exit(code))
  .catch((error) => {
    console.error(`kdlab: ${error instanceof Error ? error.message : String(error)}`);
    process.exit(1);
  });
