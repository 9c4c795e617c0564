/**
 * The shape of a fidelity result, as written to
 * bench/results/fidelity-<date>.json: the recipe kdlab ran and its Keras
 * translation, the network both built, per framework one run per seed
 * (test accuracy, ROC AUC, epochs, wall time, per-epoch history) with mean ±
 * sd over seeds, and the comparison. Times are seconds.
 */
import type { Spread } from "../../lib/stats/summary";
import type { MachineInfo } from "../common/machine";
import type { ParamCount } from "../speed/schema";

export type FidelityFramework = "kdlab" | "keras";

/** What kdlab's network is, read off the model it builds: what the Keras network must equal. */
export interface KdlabNetwork {
  model: string;
  params: ParamCount;
  /** The trainable kernels the train step's coupled L2 covers (lib/distill/step.ts isKernel), and their values. */
  decayed: { weights: number; elements: number };
  /** Dropout layers in order, with their rates. */
  dropout: { name: string; rate: number }[];
  batchNormLayers: number;
}

/** One epoch as either framework logged it; valLoss is the validation cross-entropy without the L2 term. */
export interface FidelityEpoch {
  epoch: number;
  lr: number;
  loss: number;
  accuracy: number;
  valLoss: number;
  valAccuracy: number;
  seconds: number;
}

export interface FidelityRun {
  seed: number;
  testAccuracy: number;
  testAuc: number;
  epochsRun: number;
  /** 1-based epoch whose weights were tested (best val loss, restored); null when nothing was restored. */
  bestEpoch: number | null;
  stoppedEarly: boolean;
  trainSeconds: number;
  history: FidelityEpoch[];
}

export interface FrameworkFidelity {
  framework: FidelityFramework;
  /** How it trained, in words. */
  what: string;
  params: ParamCount;
  runs: FidelityRun[];
  accuracy: Spread;
  auc: Spread;
}

export interface FidelityComparison {
  metric: "test accuracy" | "test ROC AUC";
  kdlabMean: number;
  kerasMean: number;
  /** kdlab's mean − Keras's mean. */
  difference: number;
  /** Keras's mean ± 2 sd over seeds. */
  kerasTwoSd: [number, number];
  withinTwoSd: boolean;
  /** Keras's lowest and highest seed. */
  kerasRange: [number, number];
  withinRange: boolean;
}

/** The recipe in Keras's terms (recipe.ts translates kdlab's and says why each value is what it is). */
export interface KerasRecipe {
  epochs: number;
  batchSize: number;
  inputSize: number;
  classes: number;
  optimizer: { kind: "adam"; learningRate: number; beta1: number; beta2: number; epsilon: number } | { kind: "sgd"; learningRate: number; momentum: number };
  /** keras.regularizers.L2 factor on every Conv2D / DepthwiseConv2D / Dense kernel. */
  l2: number;
  /** Every BatchNormalization layer's momentum; null keeps keras.applications' own. */
  batchNormMomentum: number | null;
  /** The head's dropout rate (both of its Dropout layers). */
  dropout: number;
  /** What early stopping and the best weights watch. */
  monitor: string;
  reduceLrOnPlateau: { monitor: string; mode: "min" | "max"; factor: number; patience: number; minDelta: number; minLr: number; cooldown: number } | null;
  earlyStopping: { patience: number; minDelta: number; restoreBestWeights: boolean } | null;
}

export interface FidelityResult {
  date: string;
  startedAt: string;
  totalSeconds: number;
  command: string;
  mode: "full" | "quick";
  machine: MachineInfo;
  versions: Record<string, string>;
  threads: Record<FidelityFramework, { intraOp: number; interOp: number }>;
  experiment: string;
  profile: string;
  /** kdlab overrides applied before each seed (quick mode's shrinking). */
  overrides: string[];
  seeds: number[];
  data: { file: string; description: string; isReal: boolean; counts: { train: number; validation: number; test: number }; size: number; pixels: string };
  /** kdlab's side of the recipe, as its trainer recorded it (run folder trainer.json) plus the config fields the trainer does not see. */
  kdlabRecipe: Record<string, unknown>;
  kerasRecipe: KerasRecipe;
  /** Each translation step, in words. */
  translation: string[];
  network: KdlabNetwork & { keras: { params: ParamCount; decayed: { weights: number; elements: number }; dropout: { name: string; rate: number }[]; batchNormMomenta: number[] } };
  frameworks: [FrameworkFidelity, FrameworkFidelity];
  comparison: FidelityComparison[];
  notes: string[];
}
