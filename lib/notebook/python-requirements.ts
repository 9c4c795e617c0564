/**
 * Python packages a command needs only when it runs (the bench's PyTorch,
 * `kdlab tensorboard`'s TensorBoard), installed into the project's Python
 * environment on first use. pip runs against the configured index with
 * `--retries 0 --timeout 5` (an unreachable default index then costs
 * nothing); a stamp beside the environment holds the requirements file's
 * hash, so a second call does nothing.
 */
import { spawnSync } from "node:child_process";
import { createHash } from "node:crypto";
import * as fs from "node:fs";
import * as path from "node:path";
import { projectPython } from "./python";
import { PROJECT_ROOT } from "../runtime/paths";

const PIP_FLAGS = ["--retries", "0", "--timeout", "5", "--disable-pip-version-check"];

export interface PythonRequirements {
  /** Who needs them, for messages and the stamp's name ("bench", "tensorboard"). */
  name: string;
  /** The requirements file. */
  file: string;
  /** What they are, for the messages ("torch, torchvision"). */
  packages: string;
}

function stampFile(requirements: PythonRequirements, python: string): string {
  // <prefix>/bin/python → <prefix>/.kdlab-<name>-requirements-stamp (a venv or a conda env).
  return path.join(path.dirname(path.dirname(python)), `.kdlab-${requirements.name}-requirements-stamp`);
}

function requirementsHash(requirements: PythonRequirements): string {
  return createHash("sha256").update(fs.readFileSync(requirements.file)).digest("hex");
}

/** True when the stamp says the requirements file, as it is now, was installed into `python`'s environment. */
export function requirementsInstalled(requirements: PythonRequirements, python = projectPython()): boolean {
  try {
    return fs.readFileSync(stampFile(requirements, python), "utf8").trim() === requirementsHash(requirements);
  } catch {
    return false;
  }
}

/** Installs the requirements once; returns what it did. Throws, naming the packages and pip's last words, when pip cannot. */
export function ensureRequirements(requirements: PythonRequirements, log: (line: string) => void = () => undefined, python = projectPython()): "present" | "installed" {
  if (requirementsInstalled(requirements, python)) return "present";
  const relative = path.relative(PROJECT_ROOT, requirements.file);
  log(`kdlab ${requirements.name}: installing ${relative} (${requirements.packages}) into ${python}'s environment (once)`);
  const result = spawnSync(python, ["-m", "pip", "install", ...PIP_FLAGS, "-r", requirements.file], { encoding: "utf8", maxBuffer: 64 * 2 ** 20 });
  if (result.status !== 0) {
    const tail = `${result.stdout ?? ""}${result.stderr ?? ""}`.trim().split("\n").slice(-6).join("\n");
    throw new Error(
      `kdlab ${requirements.name}: pip could not install ${relative} into ${python} (${result.error?.message ?? `exit ${result.status}`}); ` +
        `it needs ${requirements.packages} from pip's configured index. pip said:\n${tail}`,
    );
  }
  fs.writeFileSync(stampFile(requirements, python), requirementsHash(requirements));
  return "installed";
}
