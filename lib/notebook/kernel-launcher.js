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
require(path.join(root, "node_modules", "tslab", "dist", "main.js")).main();
