#!/usr/bin/env node
/**
 * kdlab setup: installs everything a fresh clone needs, offline-friendly and
 * idempotent. Plain JavaScript because it runs before node_modules exists.
 *
 *  1. npm packages with install scripts ignored (tfjs-node's script downloads
 *     a libtensorflow these machines cannot reach).
 *  2. The Python side: conda env if one is active, else a project-local .venv.
 *  3. Native TensorFlow: libtensorflow + headers from the tensorflow-cpu wheel
 *     placed in tfjs-node's deps/, the addon built from source.
 *  4. On a machine with an NVIDIA GPU: the same for tfjs-node-gpu against the
 *     CUDA-enabled `tensorflow` wheel.
 *  5. The "TypeScript (kdlab)" Jupyter kernel, pointing at our own tslab.
 *  6. Debian's chromium for the JupyterLab browser test, when missing and root.
 *
 * Each step leaves a stamp; a second run whose stamps match does nothing.
 * Flags: --quiet (one summary line), --force (redo every step), --gpu / --no-gpu, --no-browser.
 */
"use strict";
const { spawnSync } = require("node:child_process");
const crypto = require("node:crypto");
const fs = require("node:fs");
const path = require("node:path");

const ROOT = path.resolve(__dirname, "..");
const args = new Set(process.argv.slice(2));
const QUIET = args.has("--quiet");
const FORCE = args.has("--force");
const TF_VERSION = "2.21.0";
const PIP_FLAGS = ["--retries", "0", "--timeout", "5", "--disable-pip-version-check"];
const started = Date.now();
const done = [];

function log(message) {
  if (!QUIET) console.log(`[setup] ${message}`);
}

function fail(message) {
  console.error(`[setup] error: ${message}`);
  process.exit(1);
}

function run(command, commandArgs, options = {}) {
  if (!options.capture) log(`$ ${command} ${commandArgs.join(" ")}`);
  const result = spawnSync(command, commandArgs, {
    cwd: options.cwd ?? ROOT,
    env: { ...process.env, ...(options.env ?? {}) },
    stdio: options.capture || QUIET ? ["ignore", "pipe", "pipe"] : ["ignore", "inherit", "inherit"],
    encoding: "utf8",
    maxBuffer: 64 * 1024 * 1024,
  });
  if (result.error) fail(`${command} could not start: ${result.error.message}`);
  if (result.status !== 0 && !options.allowFailure) {
    const tail = `${result.stdout ?? ""}${result.stderr ?? ""}`.split("\n").slice(-20).join("\n");
    fail(`${command} ${commandArgs.join(" ")} exited ${result.status}\n${tail}`);
  }
  return result;
}

function hashOf(...parts) {
  const hash = crypto.createHash("sha256");
  for (const part of parts) hash.update(part);
  return hash.digest("hex").slice(0, 20);
}

function readStamp(file) {
  try {
    return fs.readFileSync(file, "utf8").trim();
  } catch {
    return "";
  }
}

function fileText(file) {
  return fs.existsSync(file) ? fs.readFileSync(file, "utf8") : "";
}

// 1. npm packages ----------------------------------------------------------
/** What decides node_modules: the dependency fields (not scripts), the lock and Node's version. */
function npmInputs() {
  const pkg = JSON.parse(fileText(path.join(ROOT, "package.json")));
  const deps = JSON.stringify([pkg.dependencies, pkg.devDependencies, pkg.optionalDependencies, pkg.overrides]);
  return hashOf(deps, fileText(path.join(ROOT, "package-lock.json")), process.version);
}

function setupNpm() {
  const lock = path.join(ROOT, "package-lock.json");
  const stampFile = path.join(ROOT, "node_modules", ".kdlab-npm-stamp");
  const want = npmInputs();
  if (!FORCE && readStamp(stampFile) === want) return;
  const npm = process.platform === "win32" ? "npm.cmd" : "npm";
  const mode = fs.existsSync(lock) ? "ci" : "install";
  run(npm, [mode, "--ignore-scripts", "--no-audit", "--no-fund"]);
  // npm install may have rewritten the lock: stamp what is there now.
  fs.writeFileSync(stampFile, npmInputs());
  done.push(`npm ${mode}`);
}

// 2. Python ----------------------------------------------------------------
function pythonEnv() {
  if (process.env.KDLAB_PYTHON) {
    const python = process.env.KDLAB_PYTHON;
    return { python, prefix: path.resolve(path.dirname(python), ".."), managed: false };
  }
  const conda = process.env.CONDA_PREFIX;
  if (conda && fs.existsSync(path.join(conda, "bin", "jupyter"))) {
    return { python: path.join(conda, "bin", "python"), prefix: conda, managed: false };
  }
  const prefix = path.join(ROOT, ".venv");
  return { python: path.join(prefix, "bin", "python"), prefix, managed: true };
}

function setupPython(env) {
  const requirements = path.join(ROOT, "scripts", "requirements.txt");
  const stampFile = path.join(env.prefix, ".kdlab-requirements-stamp");
  const want = hashOf(fileText(requirements));
  if (!FORCE && fs.existsSync(env.python) && readStamp(stampFile) === want) return;
  if (env.managed && !fs.existsSync(env.python)) {
    const base = process.env.PYTHON ?? "python3";
    run(base, ["-m", "venv", env.prefix]);
    done.push("created .venv");
  }
  run(env.python, ["-m", "pip", "install", ...PIP_FLAGS, "-r", requirements]);
  fs.writeFileSync(stampFile, want);
  done.push(`pip install -r scripts/requirements.txt into ${path.relative(ROOT, env.prefix) || env.prefix}`);
}

function pythonPackageDir(env, name, extraPath) {
  const code = `import importlib.util,os,sys\nspec=importlib.util.find_spec(${JSON.stringify(name)})\nprint(os.path.dirname(spec.origin) if spec and spec.origin else '')`;
  const result = run(env.python, ["-c", code], {
    capture: true,
    allowFailure: true,
    env: extraPath ? { PYTHONPATH: extraPath } : {},
  });
  return (result.stdout ?? "").trim();
}

// 3/4. Native TensorFlow for tfjs-node / tfjs-node-gpu ----------------------
const HEADER_GLOBS = [
  ["tensorflow", "c"],
  ["xla", "tsl", "c"],
];
const HEADER_FILES = [
  ["tensorflow", "core", "platform", /^ctstring.*\.h$/],
  ["tsl", "platform", /^ctstring.*\.h$/],
];

function copyTree(from, to) {
  fs.mkdirSync(to, { recursive: true });
  for (const entry of fs.readdirSync(from, { withFileTypes: true })) {
    const source = path.join(from, entry.name);
    const target = path.join(to, entry.name);
    if (entry.isDirectory()) copyTree(source, target);
    else fs.copyFileSync(source, target);
  }
}

/** Hard link when on the same filesystem (no extra disk), copy otherwise. */
function placeFile(source, target) {
  fs.rmSync(target, { force: true });
  try {
    fs.linkSync(source, target);
  } catch {
    fs.copyFileSync(source, target);
  }
}

function placeTensorFlow(tfDir, packageDir) {
  const deps = path.join(packageDir, "deps");
  fs.rmSync(deps, { recursive: true, force: true });
  const libDir = path.join(deps, "lib");
  const includeDir = path.join(deps, "include");
  fs.mkdirSync(libDir, { recursive: true });
  for (const lib of ["libtensorflow_cc.so.2", "libtensorflow_framework.so.2"]) {
    const source = path.join(tfDir, lib);
    if (!fs.existsSync(source)) fail(`${source} is missing: the tensorflow wheel has no C library`);
    placeFile(source, path.join(libDir, lib));
  }
  // Names the binding links against, and the one tfjs-node's install script checks.
  fs.symlinkSync("libtensorflow_cc.so.2", path.join(libDir, "libtensorflow.so"));
  fs.symlinkSync("libtensorflow_framework.so.2", path.join(libDir, "libtensorflow_framework.so"));
  fs.symlinkSync("libtensorflow_cc.so.2", path.join(libDir, "libtensorflow.so.2.9.1"));
  const headerRoot = path.join(tfDir, "include");
  for (const parts of HEADER_GLOBS) {
    const from = path.join(headerRoot, ...parts);
    if (!fs.existsSync(from)) fail(`${from} is missing: the tensorflow wheel has no C headers`);
    copyTree(from, path.join(includeDir, ...parts));
  }
  for (const spec of HEADER_FILES) {
    const pattern = spec[spec.length - 1];
    const dirParts = spec.slice(0, -1);
    const from = path.join(headerRoot, ...dirParts);
    const to = path.join(includeDir, ...dirParts);
    fs.mkdirSync(to, { recursive: true });
    for (const name of fs.readdirSync(from).filter((n) => pattern.test(n))) fs.copyFileSync(path.join(from, name), path.join(to, name));
  }
}

function builtAddon(packageDir) {
  const libDir = path.join(packageDir, "lib");
  if (!fs.existsSync(libDir)) return undefined;
  for (const dir of fs.readdirSync(libDir)) {
    const candidate = path.join(libDir, dir, "tfjs_binding.node");
    if (fs.existsSync(candidate)) return candidate;
  }
  return undefined;
}

function addonLoads(packageName) {
  const code = `const tf=require(${JSON.stringify(packageName)});process.stdout.write(tf.backend().binding.TF_Version)`;
  const result = spawnSync(process.execPath, ["-e", code], {
    cwd: ROOT,
    env: { ...process.env, TF_CPP_MIN_LOG_LEVEL: "3" },
    encoding: "utf8",
    timeout: 120_000,
  });
  return result.status === 0 ? result.stdout.trim() : "";
}

function buildAddon(packageName, tfDir, extraLinks) {
  const packageDir = path.join(ROOT, "node_modules", ...packageName.split("/"));
  if (!fs.existsSync(packageDir)) fail(`${packageName} is not installed`);
  const libStat = fs.statSync(path.join(tfDir, "libtensorflow_cc.so.2"));
  const stampFile = path.join(packageDir, ".kdlab-addon-stamp");
  const want = hashOf(tfDir, String(libStat.size), String(libStat.mtimeMs), process.version);
  if (!FORCE && readStamp(stampFile) === want && builtAddon(packageDir) && addonLoads(packageName)) return;
  placeTensorFlow(tfDir, packageDir);
  for (const [name, target] of extraLinks) fs.symlinkSync(target, path.join(packageDir, "deps", name));
  const preGyp = require.resolve("@mapbox/node-pre-gyp/bin/node-pre-gyp", { paths: [packageDir] });
  const nodeDir = fs.existsSync(path.join(path.dirname(process.execPath), "..", "include", "node", "node.h"))
    ? path.resolve(path.dirname(process.execPath), "..")
    : undefined;
  const gypArgs = ["install", "--build-from-source"];
  if (nodeDir) gypArgs.push(`--nodedir=${nodeDir}`);
  run(process.execPath, [preGyp, ...gypArgs], { cwd: packageDir });
  const version = addonLoads(packageName);
  if (!version) fail(`${packageName} built but does not load; see the build output above`);
  fs.writeFileSync(stampFile, want);
  done.push(`built ${packageName} addon against TensorFlow ${version}`);
}

function setupNativeCpu(env) {
  const tfDir = pythonPackageDir(env, "tensorflow");
  if (!tfDir) fail(`the tensorflow package is not importable from ${env.python}; run: ${env.python} -m pip install tensorflow-cpu==${TF_VERSION}`);
  buildAddon("@tensorflow/tfjs-node", tfDir, []);
}

// 4b. kdlab's graph binding (the compiled train step) -----------------------------
/**
 * native/graph/graph_binding.cc, compiled with g++ straight against the
 * TensorFlow library and headers placed in tfjs-node/deps above (no gyp:
 * one file, one command). At run time the process already holds the
 * libtensorflow_cc.so.2 tfjs-node (or tfjs-node-gpu) loaded, and the binding
 * binds to that same copy by soname.
 */
function setupGraphBinding() {
  const deps = path.join(ROOT, "node_modules", "@tensorflow", "tfjs-node", "deps");
  const source = path.join(ROOT, "native", "graph", "graph_binding.cc");
  const output = path.join(ROOT, "native", "build", "kdlab_graph.node");
  const stampFile = path.join(ROOT, "native", "build", ".kdlab-graph-stamp");
  const nodeInclude = path.resolve(path.dirname(process.execPath), "..", "include", "node");
  const libStat = fs.statSync(path.join(deps, "lib", "libtensorflow_cc.so.2"));
  const want = hashOf(fileText(source), String(libStat.size), String(libStat.mtimeMs), process.version);
  if (!FORCE && readStamp(stampFile) === want && fs.existsSync(output) && graphBindingLoads(output)) return;
  if (!fs.existsSync(path.join(nodeInclude, "node_api.h"))) fail(`${nodeInclude}/node_api.h is missing: install Node's headers (Debian: nodejs-dev / libnode-dev) to build the graph binding`);
  fs.mkdirSync(path.dirname(output), { recursive: true });
  const rpath = `$ORIGIN/${path.relative(path.dirname(output), path.join(deps, "lib"))}`;
  // Built beside and renamed into place: a running process may have the old file mapped.
  // Keeps the .node extension: require() loads other extensions as JavaScript.
  const fresh = path.join(path.dirname(output), `kdlab_graph.${process.pid}.tmp.node`);
  run("g++", ["-std=c++17", "-O2", "-fPIC", "-shared", "-Wall", "-DNODE_GYP_MODULE_NAME=kdlab_graph", `-I${nodeInclude}`, `-I${path.join(deps, "include")}`, source, `-L${path.join(deps, "lib")}`, "-ltensorflow", `-Wl,-rpath,${rpath}`, "-o", fresh]);
  if (!graphBindingLoads(fresh)) fail(`${path.relative(ROOT, output)} built but does not load; see the output above`);
  fs.renameSync(fresh, output);
  fs.writeFileSync(stampFile, want);
  done.push("built the graph binding (native/build/kdlab_graph.node)");
}

function graphBindingLoads(file) {
  const result = spawnSync(process.execPath, ["-e", `process.stdout.write(require(${JSON.stringify(file)}).version())`], { encoding: "utf8", timeout: 60_000 });
  return result.status === 0 && result.stdout.trim() === TF_VERSION;
}

function gpuPresent() {
  if (args.has("--no-gpu") || process.env.KDLAB_SETUP_GPU === "0") return false;
  if (args.has("--gpu") || process.env.KDLAB_SETUP_GPU === "1") return true;
  const smi = spawnSync("nvidia-smi", ["-L"], { encoding: "utf8" });
  return smi.status === 0 && /GPU \d+:/.test(smi.stdout);
}

/**
 * The CUDA `tensorflow` wheel goes into its own folder (it cannot share a
 * site-packages with tensorflow-cpu). Its library finds the CUDA libraries
 * of the nvidia-* wheels through $ORIGIN/../nvidia/..., so deps/nvidia links
 * to them: deps/lib/../nvidia is the same place for the copied library.
 */
function setupNativeGpu(env) {
  const target = path.join(env.prefix, "tensorflow-gpu");
  const stampFile = path.join(target, ".kdlab-stamp");
  if (FORCE || readStamp(stampFile) !== TF_VERSION) {
    run(env.python, ["-m", "pip", "install", ...PIP_FLAGS, "--upgrade", "--target", target, `tensorflow[and-cuda]==${TF_VERSION}`]);
    fs.writeFileSync(stampFile, TF_VERSION);
    done.push(`pip install tensorflow[and-cuda]==${TF_VERSION} into ${path.relative(ROOT, target)}`);
  }
  const tfDir = path.join(target, "tensorflow");
  const links = fs.existsSync(path.join(target, "nvidia")) ? [["nvidia", path.join(target, "nvidia")]] : [];
  buildAddon("@tensorflow/tfjs-node-gpu", tfDir, links);
}

// 6. Chromium for the JupyterLab browser test ------------------------------------
/** Debian's chromium (playwright-core drives it; no browser download). Installed with apt when we are root. */
function setupBrowser() {
  if (process.env.KDLAB_SETUP_BROWSER === "0" || args.has("--no-browser")) return;
  const candidates = [process.env.KDLAB_CHROMIUM, "/usr/bin/chromium", "/usr/bin/chromium-browser"].filter(Boolean);
  if (candidates.some((c) => fs.existsSync(c))) return;
  const isRoot = typeof process.getuid === "function" && process.getuid() === 0;
  if (!isRoot || !fs.existsSync("/usr/bin/apt-get")) {
    console.warn("[setup] chromium not found: the JupyterLab browser test needs it (apt-get install chromium, or set KDLAB_CHROMIUM)");
    return;
  }
  run("apt-get", ["update", "-qq"]);
  run("apt-get", ["install", "-y", "-qq", "--no-install-recommends", "chromium"], { env: { DEBIAN_FRONTEND: "noninteractive" } });
  done.push("apt-get install chromium");
}

// 5. Jupyter kernel -----------------------------------------------------------
function setupKernel(env) {
  const kernelDir = path.join(env.prefix, "share", "jupyter", "kernels", "kdlab");
  const spec = {
    argv: [process.execPath, path.join(ROOT, "lib", "notebook", "kernel-launcher.js"), "kernel", "--config-path", "{connection_file}"],
    display_name: "TypeScript (kdlab)",
    language: "typescript",
    env: {
      KDLAB_ROOT: ROOT,
      NODE_PATH: path.join(ROOT, "node_modules"),
      TF_CPP_MIN_LOG_LEVEL: "2",
    },
    metadata: { kdlab: { root: ROOT } },
  };
  const text = `${JSON.stringify(spec, null, 2)}\n`;
  const file = path.join(kernelDir, "kernel.json");
  if (!FORCE && fileText(file) === text) return;
  fs.mkdirSync(kernelDir, { recursive: true });
  fs.writeFileSync(file, text);
  done.push(`registered Jupyter kernel "TypeScript (kdlab)" in ${path.relative(ROOT, kernelDir) || kernelDir}`);
}

function main() {
  setupNpm();
  const env = pythonEnv();
  setupPython(env);
  setupNativeCpu(env);
  if (gpuPresent()) setupNativeGpu(env);
  setupGraphBinding();
  setupKernel(env);
  setupBrowser();
  fs.writeFileSync(path.join(ROOT, "node_modules", ".kdlab-python"), env.python);
  const seconds = ((Date.now() - started) / 1000).toFixed(1);
  if (done.length === 0) {
    if (!QUIET) console.log(`[setup] nothing to do (${seconds} s)`);
  } else {
    console.log(`[setup] ${done.join("; ")} (${seconds} s)`);
  }
}

main();
