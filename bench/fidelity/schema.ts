/**
 * The shape of a fidelity result, as written to
 * bench/results/fidelity-<date>.json: the recipe kdlab ran and its Keras
 * translation, the network both built, per framework one run per seed
 * (test accuracy, ROC AUC, epochs, wall time, per-epoch history) with mean ±
 * sd over seeds, and the comparison. Times are seconds. What kdlab's worker
 * answers is a zod schema here, checked when the answer comes back.
 */
import { z } from "zod";
import type { OptimizerConfig, ScheduleConfig } from "../../lib/distill/index";
import type { Spread } from "../../lib/stats/summary";
import type { MachineInfo } from "../common/machine";
import { ParamCount, paramCountSchema } from "../common/network";
import { objectOf } from "../common/answer";

export type FidelityFramework = "kdlab" | "keras";

/** What kdlab's network is, read off the model it builds: what the Keras network must equal. */
export const kdlabNetworkSchema = z.object({
  model: z.string(),
  params: paramCountSchema,
  /** The trainable kernels the train step's coupled L2 covers (lib/distill/step.ts isKernel), and their values. */
  decayed: z.object({ weights: z.number(), elements: z.number() }),
  /** Dropout layers in order, with their rates. */
  dropout: z.array(z.object({ name: z.string(), rate: z.number() })),
  batchNormLayers: z.number(),
});
export type KdlabNetwork = z.infer<typeof kdlabNetworkSchema>;

/** A number a worker computed that may be NaN, which JSON carries as null. */
const nanable = z.number().nullable().transform((value) => value ?? NaN);

/** One epoch as either framework logged it; valLoss is the validation cross-entropy without the L2 term (NaN where there was none). */
export const fidelityEpochSchema = z.object({
  epoch: z.number(),
  lr: z.number(),
  loss: z.number(),
  accuracy: z.number(),
  valLoss: nanable,
  valAccuracy: nanable,
  seconds: z.number(),
});
export type FidelityEpoch = z.infer<typeof fidelityEpochSchema>;

export const fidelityRunSchema = z.object({
  seed: z.number(),
  testAccuracy: z.number(),
  testAuc: z.number(),
  epochsRun: z.number(),
  /** 1-based epoch whose weights were tested (best val loss, restored); null when nothing was restored. */
  bestEpoch: z.number().nullable(),
  stoppedEarly: z.boolean(),
  trainSeconds: z.number(),
  history: z.array(fidelityEpochSchema),
});
export type FidelityRun = z.infer<typeof fidelityRunSchema>;

/** What kdlab's trainer ran with, from the run folder's trainer.json (worker.ts reads it). */
export const kdlabTrainerRecordSchema = z.object({
  epochs: z.number(),
  optimizer: objectOf<OptimizerConfig>(),
  schedule: objectOf<ScheduleConfig>(),
  weightDecay: z.number(),
  monitor: z.string(),
  earlyStopping: z.object({ patience: z.number(), minDelta: z.number(), restoreBest: z.boolean() }).nullable(),
  classWeights: z.boolean(),
  distillation: z.boolean(),
});
export type KdlabTrainerRecord = z.infer<typeof kdlabTrainerRecordSchema>;

/** One seed as kdlab's worker answers it: the run, with the trainer's record and the data it trained on. */
export const fidelityKdlabRunSchema = fidelityRunSchema.extend({
  trainer: kdlabTrainerRecordSchema,
  /** The train step the trainer drove (its first output line). */
  step: z.string(),
  counts: z.object({ train: z.number(), validation: z.number(), test: z.number() }),
  isReal: z.boolean(),
  description: z.string(),
  runDir: z.string(),
});
export type FidelityKdlabRun = z.infer<typeof fidelityKdlabRunSchema>;

/** kdlab's side of the fidelity part, as its worker (worker.ts) answers; checked when it comes back (run.ts). */
export const fidelityKdlabAnswerSchema = z.object({
  backend: z.string(),
  tfVersion: z.string(),
  threads: z.number(),
  network: kdlabNetworkSchema,
  /** The optimizer's hyper-parameters as tfjs built it (defaults included). */
  optimizer: z.record(z.string(), z.union([z.number(), z.boolean()])),
  classes: z.number(),
  runs: z.array(fidelityKdlabRunSchema),
});
export type FidelityKdlabAnswer = z.infer<typeof fidelityKdlabAnswerSchema>;

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
