/**
 * Where a run came from, recorded in its config.json: kdlab's version, the
 * git commit (and whether the tree had uncommitted changes), Node, tfjs and
 * TensorFlow versions, the backend line and oneDNN setting, the machine
 * (CPU model and vector extensions, cores, memory, OS) and the seeds.
 */
import { spawnSync } from "node:child_process";
import * as fs from "node:fs";
import * as os from "node:os";
import * as path from "node:path";
import { currentBackend } from "../runtime/backend";
import { PROJECT_ROOT } from "../runtime/paths";
import { ExperimentConfig } from "./config";

export interface Provenance {
  kdlab: string;
  git: { commit: string; dirty: boolean } | null;
  node: string;
  tfjs: string | null;
  tensorflow: string | null;
  backend: string | null;
  oneDnn: string | null;
  machine: { cpu: string; cores: number; memoryGiB: number; vectorExtensions: string[]; os: string };
  seed: number;
  teacherSeed: number | null;
  startedAt: string;
}

function gitState(): Provenance["git"] {
  const git = (args: string[]): string | undefined => {
    const result = spawnSync("git", args, { cwd: PROJECT_ROOT, encoding: "utf8" });
    return result.status === 0 ? result.stdout.trim() : undefined;
  };
  const commit = git(["rev-parse", "HEAD"]);
  if (!commit) return null;
  return { commit, dirty: (git(["status", "--porcelain", "--untracked-files=no"]) ?? "") !== "" };
}

/** The CPU's SIMD extensions as /proc/cpuinfo lists them (avx, avx2, avx512f, …), which decide TensorFlow's kernels. */
function vectorExtensions(): string[] {
  try {
    const flags = /^flags\s*:\s*(.*)$/m.exec(fs.readFileSync("/proc/cpuinfo", "utf8"))?.[1] ?? "";
    return flags.split(/\s+/).filter((f) => /^(avx|fma|amx)/.test(f)).sort();
  } catch {
    return [];
  }
}

export function runProvenance(config: ExperimentConfig, now = new Date()): Provenance {
  const backend = currentBackend();
  const pkg = JSON.parse(fs.readFileSync(path.join(PROJECT_ROOT, "package.json"), "utf8")) as { version: string };
  return {
    kdlab: pkg.version,
    git: gitState(),
    node: process.version,
    tfjs: backend?.tfjsVersion ?? null,
    tensorflow: backend?.tfVersion ?? null,
    backend: backend?.line ?? null,
    oneDnn: backend?.oneDnn ?? null,
    machine: { cpu: os.cpus()[0]?.model ?? "unknown", cores: os.cpus().length, memoryGiB: Math.round(os.totalmem() / 2 ** 30), vectorExtensions: vectorExtensions(), os: `${os.type()} ${os.release()} ${os.arch()}` },
    seed: config.seed,
    teacherSeed: config.teacherSeed,
    startedAt: now.toISOString(),
  };
}
