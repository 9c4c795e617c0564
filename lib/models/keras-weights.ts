/**
 * Loads Keras `.h5` weight files into kdlab's tfjs models, with h5wasm (no
 * Python at run time).
 *
 * Two layouts are read:
 * - Keras 2 "legacy" (the keras.applications ImageNet files such as
 *   densenet121_weights_tf_dim_ordering_tf_kernels_notop.h5, and Keras 3's
 *   `legacy_h5_format`): root attribute `layer_names`, one group per layer
 *   with attribute `weight_names`. Matched **by layer name**; older
 *   keras-applications wrote some names with "/" (`conv1/conv`) where Keras
 *   now writes "_", so "/" in a file's name also matches "_".
 * - Keras 3 `model.save_weights("x.weights.h5")`: `layers/<key>/vars/<i>`,
 *   where `<key>` is the snake-cased class name plus a per-class counter in
 *   layer order (Keras 3 stores no layer names), so it is matched by class and
 *   position: the model must have Keras's layer order.
 *
 * Every layer of the model that has weights must be found with the same number
 * and shapes of weights; otherwise one error lists every problem and nothing
 * is assigned. Layers in the file that the model lacks (e.g. the ImageNet top
 * when loading into a model without it) are reported, not an error, unless
 * `strict` is set.
 */
import * as tf from "@tensorflow/tfjs";
import { H5Group, H5Module, withH5File } from "./hdf5";

export type KerasLayout = "keras2-legacy" | "keras3";

export interface KerasWeightsOptions {
  /** Also fail when the file holds weighted layers the model does not have. Default false. */
  strict?: boolean;
}

export interface KerasWeightsReport {
  file: string;
  layout: KerasLayout;
  /** Model layers that received weights, in model order. */
  loadedLayers: string[];
  /** Layers of the file with weights that no model layer took. */
  unusedInFile: string[];
}

interface StoredWeight {
  /** Where it sits in the file, for messages. */
  path: string;
  shape: number[];
  values: Float32Array;
}

type Layer = tf.layers.Layer;

/** Leaf layers in model order; nested models contribute their own layers. */
function leafLayers(model: tf.LayersModel): Layer[] {
  const out: Layer[] = [];
  for (const layer of model.layers) {
    if (layer instanceof tf.LayersModel) out.push(...leafLayers(layer));
    else out.push(layer);
  }
  return out;
}

function asStrings(value: unknown): string[] {
  if (value == null) return [];
  if (typeof value === "string") return [value];
  if (Array.isArray(value)) return value.map(String);
  if (ArrayBuffer.isView(value)) return []; // h5py writes an empty list as an empty float array
  throw new Error(`expected a list of names, got ${typeof value}`);
}

/** h5py splits attributes over 64 KiB into `name0`, `name1`, …; read either form. */
function readNameList(group: H5Group, attribute: string): string[] | undefined {
  const attrs = group.attrs;
  if (attribute in attrs) return asStrings(attrs[attribute].value);
  if (!(`${attribute}0` in attrs)) return undefined;
  const names: string[] = [];
  for (let i = 0; `${attribute}${i}` in attrs; i++) names.push(...asStrings(attrs[`${attribute}${i}`].value));
  return names;
}

function readDataset(h5: H5Module, group: H5Group, relative: string, file: string): StoredWeight {
  const entity = group.get(relative);
  const path = `${group.path === "/" ? "" : group.path}/${relative}`;
  if (!(entity instanceof h5.Dataset)) throw new Error(`${file}: ${path} is listed but is not a dataset`);
  const value = entity.value;
  let values: Float32Array;
  if (value instanceof Float32Array) values = value;
  else if (value instanceof Float64Array) values = Float32Array.from(value);
  else throw new Error(`${file}: ${path} has dtype ${JSON.stringify(entity.dtype)}, expected float32 or float64`);
  return { path, shape: entity.shape ?? [], values };
}

function readLegacy(h5: H5Module, root: H5Group, file: string): Map<string, StoredWeight[]> {
  const layerNames = readNameList(root, "layer_names") ?? [];
  const byName = new Map<string, StoredWeight[]>();
  for (const layerName of layerNames) {
    const group = root.get(layerName);
    if (!(group instanceof h5.Group)) throw new Error(`${file}: layer ${layerName} is listed in layer_names but has no group`);
    const weightNames = readNameList(group, "weight_names") ?? [];
    byName.set(layerName, weightNames.map((w) => readDataset(h5, group, w, file)));
  }
  return byName;
}

function readKeras3(h5: H5Module, root: H5Group, file: string): Map<string, StoredWeight[]> {
  const layersGroup = root.get("layers");
  const byKey = new Map<string, StoredWeight[]>();
  if (!(layersGroup instanceof h5.Group)) return byKey;
  for (const key of layersGroup.keys()) {
    const vars = layersGroup.get(`${key}/vars`);
    if (!(vars instanceof h5.Group)) continue;
    const indices = vars.keys().map(Number).sort((a, b) => a - b);
    byKey.set(key, indices.map((i) => readDataset(h5, vars, String(i), file)));
  }
  return byKey;
}

/** Keras's naming.to_snake_case, which names Keras 3's weight groups. */
export function kerasSnakeCase(className: string): string {
  const first = className.replace(/\W+/g, "").replace(/(.)([A-Z][a-z]+)/g, "$1_$2");
  return first.replace(/([a-z])([A-Z])/g, "$1_$2").toLowerCase();
}

/** Keras 3 group key of each layer: class name in snake case, `_k` for the k-th (k ≥ 1) layer of that class. */
function keras3Keys(layers: Layer[]): Map<Layer, string> {
  const seen = new Map<string, number>();
  const keys = new Map<Layer, string>();
  for (const layer of layers) {
    const base = kerasSnakeCase(layer.getClassName());
    const count = seen.get(base) ?? 0;
    seen.set(base, count + 1);
    keys.set(layer, count === 0 ? base : `${base}_${count}`);
  }
  return keys;
}

function detectLayout(h5: H5Module, root: H5Group, file: string): { layout: KerasLayout; group: H5Group } {
  // A whole-model legacy save keeps the weights under model_weights/.
  const modelWeights = root.get("model_weights");
  const group = modelWeights instanceof h5.Group ? modelWeights : root;
  if (readNameList(group, "layer_names") !== undefined) return { layout: "keras2-legacy", group };
  if (root.get("layers") instanceof h5.Group) return { layout: "keras3", group: root };
  throw new Error(`${file}: not a Keras weights file (no layer_names attribute and no layers/ group)`);
}

const sameShape = (a: readonly (number | null)[], b: readonly number[]): boolean => a.length === b.length && a.every((n, i) => n === b[i]);

/**
 * Loads a Keras `.h5` weights file into `model` (see the module comment for
 * the matching rules). Throws, assigning nothing, when any weighted layer is
 * missing or any shape differs.
 */
export async function loadKerasWeights(model: tf.LayersModel, file: string, options: KerasWeightsOptions = {}): Promise<KerasWeightsReport> {
  const { layout, stored } = await withH5File(file, (handle, h5) => {
    const detected = detectLayout(h5, handle, file);
    const read = detected.layout === "keras2-legacy" ? readLegacy(h5, detected.group, file) : readKeras3(h5, detected.group, file);
    return { layout: detected.layout, stored: read };
  });

  const layers = leafLayers(model).filter((layer) => layer.weights.length > 0);
  const keys = layout === "keras3" ? keras3Keys(leafLayers(model)) : undefined;
  const aliases = new Map<string, string>();
  if (layout === "keras2-legacy") for (const name of stored.keys()) if (name.includes("/")) aliases.set(name.replace(/\//g, "_"), name);

  const problems: string[] = [];
  const used = new Set<string>();
  const assignments: Array<{ layer: Layer; values: StoredWeight[] }> = [];
  for (const layer of layers) {
    const key = keys ? (keys.get(layer) as string) : stored.has(layer.name) ? layer.name : aliases.get(layer.name) ?? layer.name;
    const label = keys ? `${layer.name} (Keras 3 key layers/${key})` : layer.name;
    const values = stored.get(key);
    if (!values || values.length === 0) {
      problems.push(`missing: ${label} (${layer.weights.length} weights) is not in the file`);
      continue;
    }
    used.add(key);
    if (values.length !== layer.weights.length) {
      problems.push(`count: ${label} has ${layer.weights.length} weights, the file has ${values.length}`);
      continue;
    }
    let ok = true;
    layer.weights.forEach((weight, i) => {
      if (!sameShape(weight.shape, values[i].shape)) {
        ok = false;
        problems.push(`shape: ${weight.originalName} is [${weight.shape.join(", ")}], file ${values[i].path} is [${values[i].shape.join(", ")}]`);
      }
    });
    if (ok) assignments.push({ layer, values });
  }
  const unusedInFile = [...stored.entries()].filter(([key, values]) => values.length > 0 && !used.has(key)).map(([key]) => key);
  if (options.strict && unusedInFile.length > 0) problems.push(`unused: the model has no layer for ${unusedInFile.join(", ")}`);
  if (problems.length > 0) {
    const shown = problems.slice(0, 50);
    const more = problems.length > shown.length ? `\n  … and ${problems.length - shown.length} more` : "";
    throw new Error(`${file}: cannot load ${layout} weights into model "${model.name}", nothing was loaded; ${problems.length} problem(s):\n  ${shown.join("\n  ")}${more}`);
  }

  for (const { layer, values } of assignments) {
    const tensors = values.map((v) => tf.tensor(v.values, v.shape, "float32"));
    layer.setWeights(tensors);
    tf.dispose(tensors);
  }
  return { file, layout, loadedLayers: assignments.map((a) => a.layer.name), unusedInFile };
}
