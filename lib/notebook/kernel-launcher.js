#!/usr/bin/env node
/**
 * Starts the project's own tslab kernel at the project root. tslab compiles
 * local TypeScript imports only from under its working directory, so the
 * kernel always runs at the root: `./lib/...` and `data/...` mean the same in
 * every notebook, wherever Jupyter was started.
 */
"use strict";
const path = require("node:path");

const root = path.resolve(__dirname, "..", "..");
process.chdir(root);
process.env.KDLAB_ROOT = root;
if (process.env.TF_CPP_MIN_LOG_LEVEL === undefined) process.env.TF_CPP_MIN_LOG_LEVEL = "2";
/*
 * tslab recompiles lib/ when a watched file or folder changes, but its
 * compiler host throws "Unexpected pending rebuildTimer" when two changes
 * arrive between cells — which a run that writes runs/ and data/ under the
 * root triggers. Turn the watchers off: after editing lib/, restart the kernel.
 */
const ts = require(require.resolve("@tslab/typescript-for-tslab", { paths: [path.join(root, "node_modules", "tslab")] }));
const noWatcher = () => ({ close() {} });
ts.sys.watchFile = noWatcher;
ts.sys.watchDirectory = noWatcher;

require(path.join(root, "node_modules", "tslab", "dist", "main.js")).main();
