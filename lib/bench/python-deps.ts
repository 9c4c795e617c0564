/**
 * The PyTorch peer's packages (bench/requirements.txt), installed into the
 * project's Python environment the first time the bench needs them. pip runs
 * against the configured index with `--retries 0 --timeout 5` (an unreachable
 * default index then costs nothing); a stamp beside the environment holds the
 * requirements' hash, so a second call does nothing.
 */
import { spawnSync } from "node:child_process";
import { createHash } from "node:crypto";
import * as fs from "node:fs";
import * as path from "node:path";
import { PROJECT_ROOT, projectPython } from "../notebook/python";

export const BENCH_REQUIREMENTS = path.join(PROJECT_ROOT, "bench", "requirements.txt");

const PIP_FLAGS = ["--retries", "0", "--timeout", "5", "--disable-pip-version-check"];

function stampFile(python: string): string {
  // <prefix>/bin/python → <prefix>/.kdlab-bench-requirements-stamp (a venv or a conda env).
  return path.join(path.dirname(path.dirname(python)), ".kdlab-bench-requirements-stamp");
}

function requirementsHash(): string {
  return createHash("sha256").update(fs.readFileSync(BENCH_REQUIREMENTS)).digest("hex");
}

/** True when the stamp says bench/requirements.txt, as it is now, was installed into `python`'s environment. */
export function benchRequirementsInstalled(python = projectPython()): boolean {
  try {
    return fs.readFileSync(stampFile(python), "utf8").trim() === requirementsHash();
  } catch {
    return false;
  }
}

/** Installs bench/requirements.txt once; returns what it did. Throws, naming the packages and pip's last words, when pip cannot. */
export function ensureBenchRequirements(log: (line: string) => void = () => undefined, python = projectPython()): "present" | "installed" {
  if (benchRequirementsInstalled(python)) return "present";
  log(`kdlab bench: installing ${path.relative(PROJECT_ROOT, BENCH_REQUIREMENTS)} (torch, torchvision) into ${python}'s environment (once)`);
  const result = spawnSync(python, ["-m", "pip", "install", ...PIP_FLAGS, "-r", BENCH_REQUIREMENTS], { encoding: "utf8", maxBuffer: 64 * 2 ** 20 });
  if (result.status !== 0) {
    const tail = `${result.stdout ?? ""}${result.stderr ?? ""}`.trim().split("\n").slice(-6).join("\n");
    throw new Error(
      `kdlab bench: pip could not install ${path.relative(PROJECT_ROOT, BENCH_REQUIREMENTS)} into ${python} (${result.error?.message ?? `exit ${result.status}`}); ` +
        `the PyTorch peer needs torch and torchvision from pip's configured index. pip said:\n${tail}`,
    );
  }
  fs.writeFileSync(stampFile(python), requirementsHash());
  return "installed";
}
