/**
 * kdlab's recipe, read at run time, and its translation into Keras's terms.
 * kdlab's side is what its trainer recorded for the run (trainer.json in the
 * run folder: optimizer, schedule, weight decay, monitor, early stopping) plus
 * the config fields the trainer does not see (batch, input size, BatchNorm
 * momentum) and the network it built (dropout, decayed kernels). Where the
 * two libraries define a knob differently, the value is converted and the
 * reason is one line of `translation`:
 *
 * - weight decay: kdlab adds (wd / 2)·Σ‖W‖² over every trainable kernel
 *   (lib/distill/step.ts l2Penalty); keras.regularizers.L2(x) adds x·Σw², so
 *   x = wd / 2 on each Conv2D, DepthwiseConv2D and Dense kernel;
 * - reduce-on-plateau: kdlab cuts the rate once more than `patience` epochs
 *   failed to improve (PyTorch's rule), Keras once `patience` epochs did, so
 *   Keras's patience is kdlab's + 1; Keras's default min_delta 1e-4 becomes
 *   kdlab's (0 unless set);
 * - the monitored val_loss: kdlab's is the validation cross-entropy alone,
 *   Keras's adds the L2 term, so Keras watches a cross-entropy metric (val_ce).
 */
import { defaultMode, OptimizerConfig } from "../../lib/distill/index";
import { createOptimizer, disposeOptimizer } from "../../lib/distill/optimizers";
import { getExperiment } from "../../lib/experiments/catalog";
import type { ExperimentConfig } from "../../lib/experiments/config";
import { applyOverrides } from "../../lib/experiments/overrides";
import type { FidelitySettings } from "./settings";
import type { KdlabNetwork, KdlabTrainerRecord, KerasRecipe } from "./schema";

/** The experiment config one seed trains: the profile's, the settings' overrides, the seed; checkpoints on so the trainer records its config. */
export function fidelityConfig(settings: FidelitySettings, seed: number): ExperimentConfig {
  return applyOverrides(getExperiment(settings.experiment, settings.profile), [...settings.overrides, `seed=${seed}`, "checkpoints=true"]);
}

/** The optimizer's full hyper-parameters as tfjs built them (defaults included), e.g. Adam's betas and epsilon. */
export function optimizerHyperParameters(config: OptimizerConfig): Record<string, number | boolean> {
  const optimizer = createOptimizer(config);
  try {
    const out: Record<string, number | boolean> = {};
    for (const [key, value] of Object.entries(optimizer.getConfig())) if (typeof value === "number" || typeof value === "boolean") out[key] = value;
    return out;
  } finally {
    disposeOptimizer(optimizer);
  }
}

/** A kdlab metric name as the Keras side logs it. */
function kerasMetric(metric: string): string {
  const names: Record<string, string> = { val_loss: "val_ce", val_accuracy: "val_accuracy", loss: "loss", accuracy: "accuracy" };
  const name = names[metric];
  if (!name) throw new Error(`fidelity: kdlab monitors ${metric}, which the Keras side does not log (it logs ${Object.keys(names).join(", ")})`);
  return name;
}

function hyper(values: Record<string, number | boolean>, key: string): number {
  const value = values[key];
  if (typeof value !== "number") throw new Error(`fidelity: kdlab's optimizer has no numeric ${key} (${JSON.stringify(values)})`);
  return value;
}

export interface Translation {
  recipe: KerasRecipe;
  /** One line per value that needed converting, and why. */
  translation: string[];
}

/** kdlab's recipe in Keras's terms; refuses a recipe the Keras side cannot mirror (a teacher, augmentation, class weights, other schedules). */
export function kerasRecipe(config: ExperimentConfig, trainer: KdlabTrainerRecord, optimizer: Record<string, number | boolean>, network: KdlabNetwork, classes: number): Translation {
  const refuse = (why: string): never => {
    throw new Error(`fidelity: ${config.name} (${config.profile}) ${why}; the Keras side mirrors a student trained alone on fixed images`);
  };
  if (config.teacher || trainer.distillation) refuse("has a teacher");
  if (config.augmentation.enabled) refuse("augments its training images");
  if (trainer.classWeights) refuse("weights its classes");
  const rates = [...new Set(network.dropout.map((d) => d.rate))];
  if (rates.length > 1) refuse(`has dropout layers of different rates (${network.dropout.map((d) => `${d.name} ${d.rate}`).join(", ")})`);
  const translation: string[] = [];

  const o = trainer.optimizer;
  let kerasOptimizer: KerasRecipe["optimizer"];
  if (o.kind === "adam") {
    const epsilon = hyper(optimizer, "epsilon");
    kerasOptimizer = { kind: "adam", learningRate: o.lr, beta1: hyper(optimizer, "beta1"), beta2: hyper(optimizer, "beta2"), epsilon };
    translation.push(`Adam ε ${epsilon}: kdlab (as tfjs) adds it to √v̂, Keras to √v, which is ε/√(1 − β₂ᵗ) on √v̂ (≈ 32 ε at the first step, ε later); passed as is.`);
  } else {
    kerasOptimizer = { kind: "sgd", learningRate: o.lr, momentum: o.momentum ?? 0 };
    if (trainer.schedule.kind !== "constant") translation.push("SGD momentum: kdlab's buffer sums gradients (PyTorch's form), Keras's sums lr-scaled steps; the two agree while the rate is constant and differ slightly after a cut.");
  }

  const l2 = trainer.weightDecay / 2;
  translation.push(`weight decay ${trainer.weightDecay}: kdlab adds (wd/2)·Σ‖W‖² over every trainable kernel (${network.decayed.weights} kernels, depthwise ones included); Keras's L2(x) adds x·Σw², so L2(${l2}) on each Conv2D, DepthwiseConv2D and Dense kernel.`);

  const monitor = kerasMetric(trainer.monitor);
  if (trainer.monitor === "val_loss") translation.push("val_loss: kdlab's is the validation cross-entropy alone; Keras's val_loss adds the L2 term, so Keras monitors a SparseCategoricalCrossentropy metric, val_ce.");

  let reduceLrOnPlateau: KerasRecipe["reduceLrOnPlateau"] = null;
  const s = trainer.schedule;
  if (s.kind === "plateau") {
    reduceLrOnPlateau = { monitor: kerasMetric(s.monitor), mode: s.mode ?? defaultMode(s.monitor), factor: s.factor, patience: s.patience + 1, minDelta: s.minDelta ?? 0, minLr: s.minLr ?? 0, cooldown: s.cooldown ?? 0 };
    translation.push(`reduce-on-plateau patience ${s.patience}: kdlab cuts the rate after more than ${s.patience} epochs without improvement, Keras's ReduceLROnPlateau after ${s.patience + 1} (patience=${s.patience + 1}); min_delta ${reduceLrOnPlateau.minDelta} (Keras's default is 1e-4).`);
  } else if (s.kind !== "constant") {
    refuse(`uses a ${s.kind} schedule`);
  }

  const e = trainer.earlyStopping;
  const earlyStopping = e ? { patience: e.patience, minDelta: e.minDelta, restoreBestWeights: e.restoreBest } : null;
  if (e?.restoreBest) translation.push("best weights: kdlab restores the best epoch's weights at the end whether or not it stopped early; so does Keras 3's EarlyStopping(restore_best_weights=True).");
  if (config.batchNormMomentum !== null) translation.push(`BatchNorm momentum ${config.batchNormMomentum} on every layer (moving = m·moving + (1 − m)·batch in both; keras.applications' MobileNetV2 has 0.999).`);
  translation.push("pixels: the uint8 arrays kdlab's pipeline produced (sharp's resize), then /255, gray to RGB, ×2 − 1 as kdlab's MobileNetV2 preprocessing.");

  return {
    recipe: {
      epochs: trainer.epochs,
      batchSize: config.batchSize,
      inputSize: config.dataset.inputSize,
      classes,
      optimizer: kerasOptimizer,
      l2,
      batchNormMomentum: config.batchNormMomentum,
      dropout: rates[0] ?? 0,
      monitor,
      reduceLrOnPlateau,
      earlyStopping,
    },
    translation,
  };
}
