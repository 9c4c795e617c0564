/**
 * The PyTorch peer's packages (bench/requirements.txt), installed into the
 * project's Python environment the first time the bench needs them (see
 * lib/notebook/python-requirements.ts for how and when).
 */
import * as path from "node:path";
import { projectPython } from "../../lib/notebook/python";
import { PROJECT_ROOT } from "../../lib/runtime/paths";
import { ensureRequirements, PythonRequirements } from "../../lib/notebook/python-requirements";

export const BENCH_REQUIREMENTS = path.join(PROJECT_ROOT, "bench", "requirements.txt");

const BENCH: PythonRequirements = { name: "bench", file: BENCH_REQUIREMENTS, packages: "torch, torchvision; the PyTorch peer needs them" };

/** Installs bench/requirements.txt once; returns what it did. */
export function ensureBenchRequirements(log: (line: string) => void = () => undefined, python = projectPython()): "present" | "installed" {
  return ensureRequirements(BENCH, log, python);
}
