/**
 * A model's weights in tfjs's own format, the one `model.save("file://dir")`
 * writes: `dir/model.json` (topology + weightsManifest) and `dir/weights.bin`.
 * Written with plain `fs`, so it works on every backend (the file:// handler
 * exists only when tfjs-node is loaded), and readable by
 * `tf.loadLayersModel("file://dir/model.json")`.
 *
 * Loading goes into an existing model built by the same builder: weights are
 * matched by name, and every name and shape is checked before anything is
 * assigned, so a wrong directory never half-loads.
 */
import * as fs from "node:fs";
import * as path from "node:path";
import * as tf from "@tensorflow/tfjs";

export const MODEL_JSON = "model.json";
export const WEIGHTS_BIN = "weights.bin";

function joinWeightData(data: tf.io.WeightData | undefined): Buffer {
  if (data === undefined) return Buffer.alloc(0);
  const parts = Array.isArray(data) ? data : [data];
  return Buffer.concat(parts.map((part) => Buffer.from(part)));
}

/** Saves `model` (topology and weights) to `dir` in tfjs's file:// layout; returns the model.json path. */
export async function saveModelWeights(model: tf.LayersModel, dir: string): Promise<string> {
  fs.mkdirSync(dir, { recursive: true });
  const jsonPath = path.join(dir, MODEL_JSON);
  await model.save(
    tf.io.withSaveHandler(async (artifacts) => {
      const weights = joinWeightData(artifacts.weightData);
      const modelJson = {
        modelTopology: artifacts.modelTopology,
        format: artifacts.format,
        generatedBy: artifacts.generatedBy,
        convertedBy: artifacts.convertedBy,
        ...(artifacts.trainingConfig ? { trainingConfig: artifacts.trainingConfig } : {}),
        weightsManifest: [{ paths: [`./${WEIGHTS_BIN}`], weights: artifacts.weightSpecs ?? [] }],
      };
      // Write the weights first and the manifest last, each through a temporary name, so a reader never sees a half-written pair.
      for (const [file, content] of [[WEIGHTS_BIN, weights], [MODEL_JSON, JSON.stringify(modelJson)]] as const) {
        const target = path.join(dir, file);
        fs.writeFileSync(`${target}.tmp`, content);
        fs.renameSync(`${target}.tmp`, target);
      }
      return { modelArtifactsInfo: { dateSaved: new Date(), modelTopologyType: "JSON", weightDataBytes: weights.byteLength } };
    }),
  );
  return jsonPath;
}

interface ManifestGroup {
  paths: string[];
  weights: tf.io.WeightsManifestEntry[];
}

/** Reads the named weight tensors of a tfjs file:// save (caller disposes them). */
export function readModelWeights(dir: string): tf.NamedTensorMap {
  const jsonPath = path.join(dir, MODEL_JSON);
  if (!fs.existsSync(jsonPath)) throw new Error(`${jsonPath}: no such file (not a tfjs model directory)`);
  let manifest: ManifestGroup[];
  try {
    manifest = (JSON.parse(fs.readFileSync(jsonPath, "utf8")) as { weightsManifest?: ManifestGroup[] }).weightsManifest ?? [];
  } catch (error) {
    throw new Error(`${jsonPath}: not valid JSON (${(error as Error).message})`);
  }
  if (manifest.length === 0) throw new Error(`${jsonPath}: has no weightsManifest`);
  const specs = manifest.flatMap((group) => group.weights);
  const buffers = manifest.flatMap((group) =>
    group.paths.map((p) => {
      const file = path.join(dir, p);
      if (!fs.existsSync(file)) throw new Error(`${jsonPath}: weights file ${file} is missing`);
      return fs.readFileSync(file);
    }),
  );
  const joined = Buffer.concat(buffers);
  const expected = specs.reduce((sum, spec) => sum + spec.shape.reduce((a, b) => a * b, 1) * bytesPerElement(spec.dtype, jsonPath), 0);
  if (joined.byteLength !== expected) throw new Error(`${jsonPath}: the manifest describes ${expected} bytes of weights, the files hold ${joined.byteLength}`);
  const data = joined.buffer.slice(joined.byteOffset, joined.byteOffset + joined.byteLength);
  return tf.io.decodeWeights(data, specs);
}

function bytesPerElement(dtype: string, file: string): number {
  if (dtype === "float32" || dtype === "int32") return 4;
  if (dtype === "bool") return 1;
  throw new Error(`${file}: weight dtype ${dtype} is not supported`);
}

/**
 * Loads weights saved by saveModelWeights (or tfjs-node's file:// save) into
 * `model`. Every model weight must be present with its shape, and every saved
 * weight must belong to the model; otherwise one error lists the problems and
 * nothing is assigned.
 */
export function loadModelWeights(model: tf.LayersModel, dir: string): void {
  const saved = readModelWeights(dir);
  try {
    const problems: string[] = [];
    const wanted = new Set<string>();
    for (const weight of model.weights) {
      wanted.add(weight.originalName);
      const value = saved[weight.originalName];
      if (!value) problems.push(`missing: ${weight.originalName} [${weight.shape.join(", ")}]`);
      else if (value.shape.join(",") !== weight.shape.join(",")) problems.push(`shape: ${weight.originalName} is [${weight.shape.join(", ")}], saved [${value.shape.join(", ")}]`);
    }
    for (const name of Object.keys(saved)) if (!wanted.has(name)) problems.push(`unused: ${name} is not a weight of model "${model.name}"`);
    if (problems.length > 0) {
      throw new Error(`${path.join(dir, MODEL_JSON)}: cannot load into model "${model.name}", nothing was loaded; ${problems.length} problem(s):\n  ${problems.slice(0, 50).join("\n  ")}`);
    }
    model.loadWeights(saved, true);
  } finally {
    tf.dispose(Object.values(saved));
  }
}
