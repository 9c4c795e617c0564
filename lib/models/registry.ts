/**
 * The models by name, so an experiment config can name them as data and
 * `kdlab models` can list and describe them: the registry of
 * model-entry.ts with the study's models (study-models.ts) registered, and
 * buildModel, which builds one by name, loading Keras backbone weights
 * between backbone and head when asked. Building is pure: nothing is probed
 * or written (whoever runs the model calls prepareModelConvolutions).
 */
import * as tf from "@tensorflow/tfjs";
import { loadKerasWeights } from "./keras-weights";
import { ModelBuildOptions, modelEntry } from "./model-entry";
import "./study-models";

export { isModelName, modelEntries, modelEntry, modelNames, registerModel } from "./model-entry";
export type { ModelBuildOptions, ModelEntry, ModelHead } from "./model-entry";

/**
 * Builds a model by name. With `backboneWeights` (models with a head), the
 * Keras file is loaded into the backbone before the head is added, so the
 * head's fresh layers are not expected in the file.
 */
export async function buildModel(name: string, options: ModelBuildOptions = {}): Promise<tf.LayersModel> {
  const entry = modelEntry(name);
  if (options.backboneWeights === undefined) return entry.build(options);
  if (!entry.head) throw new Error(`${name} has no separate backbone; load its weights with loadKerasWeights(model, file)`);
  const backbone = entry.head.buildBackbone(options);
  await loadKerasWeights(backbone, options.backboneWeights);
  return entry.head.addHead(backbone, options);
}
