/** Finds the Python environment `npm run setup` prepared (project .venv, an active conda env, or KDLAB_PYTHON). */
import * as fs from "node:fs";
import * as path from "node:path";
import { PROJECT_VENV_PYTHON, RECORDED_PYTHON_FILE } from "../runtime/paths";

export function projectPython(): string {
  if (process.env.KDLAB_PYTHON) return process.env.KDLAB_PYTHON;
  const recorded = RECORDED_PYTHON_FILE;
  if (fs.existsSync(recorded)) {
    const python = fs.readFileSync(recorded, "utf8").trim();
    if (fs.existsSync(python)) return python;
  }
  const venv = PROJECT_VENV_PYTHON;
  if (fs.existsSync(venv)) return venv;
  throw new Error("no Python environment for Jupyter: run `npm run setup` (or set KDLAB_PYTHON)");
}

/** A command installed beside that Python (jupyter, …). */
export function pythonTool(name: string): string {
  return path.join(path.dirname(projectPython()), name);
}
