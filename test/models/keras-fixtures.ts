/**
 * Keras reference fixtures for the backbone tests: written on demand by
 * test/fixtures/keras/make_backbones.py (keras from pip's index, in .venv)
 * into test/artifacts/keras/ (git-ignored), and rewritten when the script
 * changes (written aside and renamed into place: test files run side by
 * side). The layer-name lists are committed beside the script.
 */
import { spawnSync } from "node:child_process";
import * as fs from "node:fs";
import * as path from "node:path";
import * as tf from "@tensorflow/tfjs";
import { withH5File } from "../../lib/models/hdf5";
import { renameFolderIntoPlace, stagingPath } from "../../lib/runtime/staging";

const ROOT = path.resolve(__dirname, "..", "..");
export const FIXTURE_SCRIPT = path.join(ROOT, "test", "fixtures", "keras", "make_backbones.py");
export const KERAS_ARTIFACTS = path.join(ROOT, "test", "artifacts", "keras");
const PYTHON = path.join(ROOT, ".venv", "bin", "python");

/** Weight cases the script writes (name, input side, with top, layout). */
export const WEIGHT_CASES = [
  { name: "densenet121-notop-64-legacy", model: "densenet121", size: 64, includeTop: false },
  { name: "mobilenetv2-notop-67-legacy", model: "mobilenetv2", size: 67, includeTop: false },
  { name: "mobilenetv2-top-96-keras3", model: "mobilenetv2", size: 96, includeTop: true },
] as const;

export interface KerasLayerListing {
  model: string;
  keras: string;
  params: { total: number; trainable: number; nonTrainable: number };
  layers: Array<{ name: string; class: string; weights: number[][]; params: number }>;
}

export function kerasLayerListing(model: "densenet121" | "mobilenetv2"): KerasLayerListing {
  return JSON.parse(fs.readFileSync(path.join(path.dirname(FIXTURE_SCRIPT), `${model}-layers.json`), "utf8")) as KerasLayerListing;
}

function fixturesFresh(): boolean {
  const stamp = path.join(KERAS_ARTIFACTS, "stamp");
  return fs.existsSync(stamp) && fs.statSync(stamp).mtimeMs >= fs.statSync(FIXTURE_SCRIPT).mtimeMs;
}

/**
 * Writes the weight fixtures unless they exist and are newer than the script
 * (about 25 s). They are written beside their place and renamed into it, so
 * test files running side by side never read a half-written set: a process
 * that finds a fresh set in place when it finishes drops its own.
 */
export function ensureKerasWeightFixtures(): string {
  if (fixturesFresh()) return KERAS_ARTIFACTS;
  if (!fs.existsSync(PYTHON)) throw new Error(`${PYTHON} is missing: the Keras fixtures need the project's Python venv (npm run setup)`);
  const staging = stagingPath(KERAS_ARTIFACTS);
  fs.rmSync(staging, { recursive: true, force: true });
  const run = spawnSync(PYTHON, [FIXTURE_SCRIPT, staging, "--weights-only"], { encoding: "utf8", env: { ...process.env, TF_CPP_MIN_LOG_LEVEL: "2" } });
  if (run.status !== 0) {
    fs.rmSync(staging, { recursive: true, force: true });
    throw new Error(`${FIXTURE_SCRIPT} failed (exit ${run.status}):\n${run.stderr}`);
  }
  fs.writeFileSync(path.join(staging, "stamp"), new Date().toISOString());
  if (fixturesFresh()) {
    fs.rmSync(staging, { recursive: true, force: true });
    return KERAS_ARTIFACTS;
  }
  fs.rmSync(KERAS_ARTIFACTS, { recursive: true, force: true });
  renameFolderIntoPlace(staging, KERAS_ARTIFACTS);
  return KERAS_ARTIFACTS;
}

/** The fixed input (NHWC in [0, 1]) and Keras's output for one case; caller disposes. */
export async function kerasInputOutput(caseName: string): Promise<{ input: tf.Tensor4D; output: tf.Tensor }> {
  const file = path.join(KERAS_ARTIFACTS, `${caseName}-io.h5`);
  const raw = await withH5File(file, (h5, module) => {
    const read = (key: string): { values: Float32Array; shape: number[] } => {
      const dataset = h5.get(key);
      if (!(dataset instanceof module.Dataset) || !(dataset.value instanceof Float32Array)) throw new Error(`${file}: ${key} is not a float32 dataset`);
      return { values: dataset.value, shape: dataset.shape ?? [] };
    };
    return { input: read("input"), output: read("output") };
  });
  return { input: tf.tensor4d(raw.input.values, raw.input.shape as [number, number, number, number]), output: tf.tensor(raw.output.values, raw.output.shape) };
}
