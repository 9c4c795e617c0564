/**
 * What a model is to kdlab, all in its one entry: its name, the task it is
 * built for (lib/data/task.ts: an experiment's models must match its task),
 * its study input size, the preprocessing that turns [0, 1] images into its
 * input, a pure builder (no probing, no files: whoever runs the model asks
 * for convolution probing, lib/runtime/conv-routing.ts), and, for a model of
 * a backbone plus a head, the two builders apart so Keras weights can be
 * loaded into the backbone before the head is added. registerModel adds one;
 * the study's are registered in study-models.ts, and registry.ts (which
 * loads them) is where callers look models up and build them.
 */
import * as tf from "@tensorflow/tfjs";
import type { TaskName } from "../data/task";
import type { Preprocess } from "./preprocessing";

export interface ModelBuildOptions {
  /** Base seed of the initial weights; same seed → same weights. */
  seed?: number;
  /** Square input side; the entry's inputSize by default. */
  inputSize?: number;
  /** Output classes; the task's by default (10 for CIFAR, 2 for pneumonia, 1000 for the ImageNet tops). */
  classes?: number;
  /** Dropout rate of the head, where it has one. */
  dropout?: number;
  /** PyTorch-style weight decay (see weightDecayRegularizer). */
  weightDecay?: number;
  /** A Keras `.h5` file (e.g. the ImageNet notop weights) loaded into the backbone before the head is added; models with a head only. */
  backboneWeights?: string;
}

/** A model built as a backbone and a head, kept apart so weights can be loaded into the backbone first. */
export interface ModelHead {
  /** The backbone's name (for messages and Keras weight files). */
  backbone: string;
  buildBackbone(options: ModelBuildOptions): tf.LayersModel;
  /** The backbone with the head on its output, one flat model whose output is logits. */
  addHead(backbone: tf.LayersModel, options: ModelBuildOptions): tf.LayersModel;
}

export interface ModelEntry {
  name: string;
  description: string;
  /** The task it is built for; an experiment of another task refuses it. */
  task: TaskName;
  /** The side of the square input the study uses. */
  inputSize: number;
  /** What turns [0, 1] images into this model's input. */
  preprocess: Preprocess;
  /** Absent for a model with no separate backbone (backboneWeights then does not apply). */
  head?: ModelHead;
  /** Builds a fresh model: pure (same options, same weights; nothing probed or written). */
  build(options?: ModelBuildOptions): tf.LayersModel;
}

const registered = new Map<string, ModelEntry>();

/** Adds a model to the registry (a name registered twice is an error); returns the entry. */
export function registerModel(entry: ModelEntry): ModelEntry {
  if (registered.has(entry.name)) throw new Error(`model "${entry.name}" is registered twice`);
  registered.set(entry.name, entry);
  return entry;
}

/** Every registered model's name, in registration order. */
export function modelNames(): string[] {
  return [...registered.keys()];
}

/** Every registered model, in registration order. */
export function modelEntries(): ModelEntry[] {
  return [...registered.values()];
}

export function isModelName(name: string): boolean {
  return registered.has(name);
}

export function modelEntry(name: string): ModelEntry {
  const entry = registered.get(name);
  if (!entry) throw new Error(`unknown model "${name}"; known: ${modelNames().join(", ")}`);
  return entry;
}
