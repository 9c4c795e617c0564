/**
 * The shape of an experiment: every choice along data → models → training
 * named as plain data, so a notebook cell or `kdlab train --set` can change
 * one value and rerun. Every field is always present (null where "none"), so
 * the override key paths are the same for every experiment.
 */
import type { ScheduleConfig } from "../distill/index";
import type { TaskName } from "../data/task";

export const EXPERIMENT_NAMES = ["cifar10-teacher-student", "cifar10-student-alone", "pneumonia-model1-pretrained", "pneumonia-model2", "pneumonia-final", "pneumonia-student-alone"] as const;
export type ExperimentName = (typeof EXPERIMENT_NAMES)[number];

export const PROFILES = ["quick", "standard", "paper", "full"] as const;
/**
 * quick: tiny images, small subsets of the embedded data, few epochs (seconds, for tests);
 * standard: every real PneumoniaMNIST image at 32 px, trained to convergence with
 * selection on val (the main job: minutes on 2 cores); paper: standard's training
 * with more seeds in the seed studies (profileSeeds), to narrow their intervals;
 * full: the study's settings (224 px).
 */
export type Profile = (typeof PROFILES)[number];

export interface DatasetChoice {
  /** The task (lib/data/task.ts): which embedded data is the default, which formats and models fit. */
  kind: TaskName;
  /** Square side the images are resized to. */
  inputSize: number;
  /** Images used from each split (a seeded random subset); null = all. */
  trainLimit: number | null;
  validationLimit: number | null;
  testLimit: number | null;
  /** Share of the training images held out for validation (chest X-ray: train and val pooled and re-split by patient). */
  valFraction: number;
  /** "balanced": cross-entropy class weights n / (k · n_c) from the training labels. */
  classWeights: "none" | "balanced";
}

export interface ModelChoice {
  /** A name from the models registry (`kdlab models list`), built-in or registered (registerModel). */
  model: string;
  /** Head dropout rate; null = the model's own default. */
  dropout: number | null;
  /** A Keras .h5 file loaded into the backbone before the head (Model 1's ImageNet weights); null = random init. */
  backboneWeights: string | null;
}

export interface OptimizerChoice {
  kind: "sgd" | "adam";
  lr: number;
  /** SGD only. */
  momentum: number;
}

export interface AugmentationChoice {
  enabled: boolean;
  flipProbability: number;
  maxRotationDegrees: number;
  /** Smallest random-crop area (share of the image; the largest is 1). */
  cropAreaMin: number;
  brightness: number;
  contrast: number;
}

export interface DistillationChoice {
  /** A method of lib/distill/methods (kd, dkd, at, rkd, fitnets, …), several joined by "+" (kd+at), or "none" for an experiment without a teacher. */
  method: string;
  /** Every parameter of the method (defaults filled in), each settable as distillation.params.<name>. */
  params: Record<string, number | string>;
  /** Weight of the hard-label cross-entropy beside the method's terms; absent or null: the method's own (kd: alpha, dkd: ceWeight, others 1). */
  hardLabelWeight?: number | null;
  /** Compute the teacher's outputs on the training images once and keep them on disk (only used when augmentation is off). */
  cacheTeacherOutputs: boolean;
}

export interface ExperimentConfig {
  name: ExperimentName;
  profile: Profile;
  description: string;
  seed: number;
  /**
   * The teacher's own seed (initial weights, data order, split); null = seed.
   * Fixing it while varying seed distils students of several seeds from one
   * teacher (trained once: see lib/experiments/model-cache.ts).
   */
  teacherSeed: number | null;
  epochs: number;
  batchSize: number;
  dataset: DatasetChoice;
  /** null: the student is trained alone (cross-entropy; distillation.method "none"). */
  teacher: ModelChoice | null;
  student: ModelChoice;
  optimizer: OptimizerChoice;
  schedule: ScheduleConfig;
  regularisation: { weightDecay: number };
  augmentation: AugmentationChoice;
  distillation: DistillationChoice;
  /**
   * Momentum of every BatchNormalization layer's moving statistics; null = the
   * model's own (Keras: 0.99 DenseNet, 0.999 MobileNetV2). Those need hundreds
   * of steps to settle, so a run of a dozen steps evaluates with near-initial
   * statistics; the quick profile lowers it.
   */
  batchNormMomentum: number | null;
  /** Stop after this many epochs without a better val_loss (best weights restored); null = off. */
  earlyStoppingPatience: number | null;
  /** Keep best/ and last/ checkpoints (weights + optimizer) in the run folder. */
  checkpoints: boolean;
  /** How train steps run: "auto" (compiled TensorFlow graph where the model builds as one, else eager), "compiled" or "eager". */
  trainStep: "auto" | "compiled" | "eager";
}
