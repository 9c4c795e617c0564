/**
 * The run folder an export reads (lib/experiments/run.ts writes it):
 * config.json (the config, the dataset, provenance), result.json, and the
 * finished model of each role in <role>/final/ (a ModelCache entry:
 * model.json + weights.bin + run.json + content.sha256). `latest` is the newest run folder
 * under the runs root. Anything missing is an error that names the folder.
 */
import * as fs from "node:fs";
import * as path from "node:path";
import type { ExperimentConfig, ModelRun, Role } from "../experiments/index";
import { readLosslessJson } from "../runtime/lossless-json";

export interface RunDataset {
  path: string;
  format: string;
  isDefault: boolean;
  isReal: boolean;
  description: string;
  classNames: string[];
  counts: { train: number; validation: number; test: number };
}

export interface RunFolder {
  dir: string;
  config: ExperimentConfig;
  dataset: RunDataset;
  provenance: Record<string, unknown>;
}

/** The newest folder under `runsRoot` holding a config.json (by the <name>-YYYYMMDD-HHMMSS[-n] stamp, then modification time). */
export function latestRun(runsRoot: string): string {
  const root = path.resolve(runsRoot);
  if (!fs.existsSync(root)) throw new Error(`${root}: no runs folder (train one first: kdlab train <experiment>)`);
  const stamp = (name: string): string => {
    const match = /-(\d{8}-\d{6})(?:-(\d+))?$/.exec(name);
    return match ? `${match[1]}-${(match[2] ?? "1").padStart(6, "0")}` : "";
  };
  const runs = fs
    .readdirSync(root, { withFileTypes: true })
    .filter((entry) => entry.isDirectory() && fs.existsSync(path.join(root, entry.name, "config.json")))
    .map((entry) => ({ dir: path.join(root, entry.name), stamp: stamp(entry.name), mtime: fs.statSync(path.join(root, entry.name, "config.json")).mtimeMs }))
    .sort((a, b) => a.stamp.localeCompare(b.stamp) || a.mtime - b.mtime);
  if (runs.length === 0) throw new Error(`${root}: no run folders in it (a run folder holds config.json; train one first: kdlab train <experiment>)`);
  return runs[runs.length - 1].dir;
}

/** Reads a run folder's config.json; a folder that is not a run is an error naming it. */
export function readRunFolder(dir: string): RunFolder {
  const full = path.resolve(dir);
  if (!fs.existsSync(full)) throw new Error(`${full}: no such folder`);
  if (!fs.statSync(full).isDirectory()) throw new Error(`${full}: not a folder (give a run folder, runs/<experiment>-<timestamp>/, or "latest")`);
  const file = path.join(full, "config.json");
  if (!fs.existsSync(file)) throw new Error(`${full}: not a run folder (no config.json; a run folder is what kdlab train writes, runs/<experiment>-<timestamp>/)`);
  let parsed: Partial<RunFolder>;
  try {
    parsed = JSON.parse(fs.readFileSync(file, "utf8")) as Partial<RunFolder>;
  } catch (error) {
    throw new Error(`${file}: not valid JSON (${(error as Error).message})`);
  }
  if (!parsed.config?.student || !parsed.dataset?.classNames) throw new Error(`${file}: not a kdlab run config (config.student or dataset.classNames missing)`);
  return { dir: full, config: parsed.config, dataset: parsed.dataset, provenance: parsed.provenance ?? {} };
}

/** <run>/<role>/final/, checked to hold a finished model. */
export function finishedModelDir(run: RunFolder, role: Role): string {
  if (role === "teacher" && !run.config.teacher) throw new Error(`${run.dir}: ${run.config.name} trains no teacher (its student trains alone); export --model student`);
  const dir = path.join(run.dir, role, "final");
  if (!fs.existsSync(path.join(dir, "model.json")) || !fs.existsSync(path.join(dir, "run.json"))) {
    const unfinished = fs.existsSync(path.join(run.dir, role, "last"));
    throw new Error(
      `${run.dir}: no finished ${role} model (${path.join(role, "final")}/ is missing${unfinished ? "; the run stopped part-way: resume it with kdlab train --resume" : "; runs written before every profile saved its model have none: train it again"})`,
    );
  }
  return dir;
}

/** The role's ModelRun (history, test report) stored beside its weights. */
export function readModelRun(run: RunFolder, role: Role): ModelRun {
  return readLosslessJson<ModelRun>(path.join(finishedModelDir(run, role), "run.json"));
}
