/**
 * Optimizers the study uses, with a learning rate that can change every step
 * (schedules) and state that can be saved and restored (checkpoints).
 *
 * SGD with momentum follows PyTorch's (and tfjs's) form: v ← m·v + g, w ← w − lr·v.
 * Weight decay is not an optimizer option here: the train step adds it to the
 * loss (coupled L2), see step.ts.
 */
import * as tf from "@tensorflow/tfjs";

export type OptimizerConfig =
  | { kind: "sgd"; lr: number; momentum?: number; nesterov?: boolean }
  | { kind: "adam"; lr: number; beta1?: number; beta2?: number; epsilon?: number };

/** The study's Model 2 setting. */
export const STUDY_SGD: OptimizerConfig = { kind: "sgd", lr: 1e-4, momentum: 0.8 };

export function validateOptimizerConfig(config: OptimizerConfig): void {
  if (!(config.lr > 0) || !Number.isFinite(config.lr)) throw new Error(`optimizer.lr must be a positive number, got ${config.lr}`);
  if (config.kind === "sgd") {
    const m = config.momentum ?? 0;
    if (!(m >= 0 && m < 1)) throw new Error(`optimizer.momentum must be in [0, 1), got ${m}`);
  } else if (config.kind === "adam") {
    for (const [key, value] of [["beta1", config.beta1], ["beta2", config.beta2]] as const) {
      if (value !== undefined && !(value >= 0 && value < 1)) throw new Error(`optimizer.${key} must be in [0, 1), got ${value}`);
    }
  } else {
    throw new Error(`optimizer.kind must be "sgd" or "adam", got ${JSON.stringify((config as { kind: unknown }).kind)}`);
  }
}

export function createOptimizer(config: OptimizerConfig): tf.Optimizer {
  validateOptimizerConfig(config);
  if (config.kind === "adam") return tf.train.adam(config.lr, config.beta1 ?? 0.9, config.beta2 ?? 0.999, config.epsilon ?? 1e-7);
  const momentum = config.momentum ?? 0;
  // Plain SGD is momentum 0 with the same update, so both share one state layout.
  return tf.train.momentum(config.lr, momentum, config.nesterov ?? false);
}

interface LearningRateHolder {
  learningRate: number;
  setLearningRate?: (lr: number) => void;
}

/** Sets the step size used by the next applyGradients call. */
export function setLearningRate(optimizer: tf.Optimizer, lr: number): void {
  if (!(lr >= 0) || !Number.isFinite(lr)) throw new Error(`learning rate must be a non-negative number, got ${lr}`);
  const holder = optimizer as unknown as LearningRateHolder;
  // SGD/momentum cache −lr in a tensor (setLearningRate refreshes it); Adam reads the field each step.
  if (typeof holder.setLearningRate === "function") holder.setLearningRate(lr);
  else holder.learningRate = lr;
}

export function getLearningRate(optimizer: tf.Optimizer): number {
  return (optimizer as unknown as LearningRateHolder).learningRate;
}

/** Frees the optimizer's variables, including the −lr scalar that tfjs's momentum optimizer leaves behind. */
export function disposeOptimizer(optimizer: tf.Optimizer): void {
  const sgdScalar = (optimizer as unknown as { c?: tf.Tensor }).c;
  optimizer.dispose();
  if (sgdScalar && !sgdScalar.isDisposed) sgdScalar.dispose();
}

/** Optimizer slots as plain arrays, in the order the optimizer keeps them (first entry: iteration count). */
export interface OptimizerState {
  className: string;
  slots: { name: string; shape: number[]; dtype: "float32" | "int32"; values: Float32Array | Int32Array }[];
}

export async function optimizerState(optimizer: tf.Optimizer): Promise<OptimizerState> {
  const named = await optimizer.getWeights();
  const slots: OptimizerState["slots"] = [];
  for (const { name, tensor } of named) {
    const dtype = tensor.dtype === "int32" ? "int32" : "float32";
    const values = dtype === "int32" ? Int32Array.from(await tensor.data()) : Float32Array.from(await tensor.data());
    slots.push({ name, shape: tensor.shape.slice(), dtype, values });
  }
  // The first entry (iterations) is a fresh tensor; the rest are the optimizer's own variables.
  if (named.length > 0) named[0].tensor.dispose();
  return { className: optimizer.getClassName(), slots };
}

/** Restores slots saved by optimizerState into a fresh optimizer of the same kind, checked against the variables it will update. */
export async function restoreOptimizerState(optimizer: tf.Optimizer, state: OptimizerState, variableShapes: number[][], where: string): Promise<void> {
  if (state.className !== optimizer.getClassName()) {
    throw new Error(`${where}: optimizer state is for ${state.className}, the run uses ${optimizer.getClassName()}`);
  }
  if (state.slots.length === 0) return;
  const perVariable = state.slots.length - 1;
  const copies = state.className === "Adam" ? 2 : 1;
  if (perVariable !== 0 && perVariable !== copies * variableShapes.length) {
    throw new Error(`${where}: optimizer state has ${perVariable} slots, expected ${copies * variableShapes.length} for ${variableShapes.length} trainable variables`);
  }
  state.slots.slice(1).forEach((slot, i) => {
    const expected = variableShapes[i % variableShapes.length];
    if (slot.shape.join(",") !== expected.join(",")) {
      throw new Error(`${where}: optimizer slot ${slot.name} has shape [${slot.shape}], variable ${i % variableShapes.length} has [${expected}]`);
    }
  });
  const tensors = state.slots.map((slot) => ({ name: slot.name, tensor: tf.tensor(slot.values, slot.shape, slot.dtype) }));
  await optimizer.setWeights(tensors);
  // setWeights copies each tensor into a new variable.
  tf.dispose(tensors.map((t) => t.tensor));
}

/** Replaces the optimizer's slots and iteration count with `state`, freeing the slot variables it held (setWeights alone would leak them). */
export async function replaceOptimizerState(optimizer: tf.Optimizer, state: OptimizerState, variableShapes: number[][], where: string): Promise<void> {
  const current = await optimizer.getWeights();
  tf.dispose(current.map((w) => w.tensor));
  await restoreOptimizerState(optimizer, state, variableShapes, where);
}
