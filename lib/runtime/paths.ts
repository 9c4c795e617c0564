/**
 * The project's own paths, in one place: the checkout's root (two folders up
 * from lib/runtime), the Python environment `npm run setup` makes there, the
 * data folder, and the native graph binding it builds. Everything else in
 * lib/ takes them from here (lib/notebook/kernel-launcher.js, plain JS that
 * Jupyter runs, finds the root itself).
 */
import * as path from "node:path";

export const PROJECT_ROOT = path.resolve(__dirname, "..", "..");

/** The project's Python (.venv), when `npm run setup` made one. */
export const PROJECT_VENV_PYTHON = path.join(PROJECT_ROOT, ".venv", "bin", "python");

/** Where `npm run setup` records the Python it chose (an active conda env's, or the .venv's). */
export const RECORDED_PYTHON_FILE = path.join(PROJECT_ROOT, "node_modules", ".kdlab-python");

/** The shipped and downloaded datasets (KDLAB_DATA_DIR overrides it: lib/data/data-dir.ts). */
export const PROJECT_DATA_DIR = path.join(PROJECT_ROOT, "data");

/** native/graph/graph_binding.cc as `npm run setup` builds it (loaded by lib/graph/binding.ts, probed by onednn.ts). */
export const GRAPH_BINDING_PATH = path.join(PROJECT_ROOT, "native", "build", "kdlab_graph.node");
