/**
 * What the bench measures and how long: the four models with their batch,
 * input size and step counts, and each part's size, for the full run and for
 * `--quick`. Every framework gets the same model settings.
 *
 * Step counts are chosen to fit the time budget on a 2-core machine (full
 * run < 15 min, quick < 3 min): kdlab's eager DenseNet121 step at 224 takes
 * ~15–30 s there, Keras's first DenseNet121 step (tracing the train
 * function) ~40–70 s. Quick mode trains the 224 models at 96×96 instead
 * (the heads' parameter counts are the same at any size up to 224).
 */
import { CHEST_TRAIN_IMAGES } from "../common/chest-set";
import { StepPlan } from "../common/timing";
import { BenchSettingsRecord } from "./schema";

export type BenchMode = "full" | "quick";

export interface BenchModel {
  /** kdlab registry name (lib/models/registry.ts); the peers know the same names. */
  model: string;
  label: string;
  inputSize: number;
  batch: number;
  classes: number;
  train: StepPlan;
  inference: StepPlan;
}

export interface BenchSettings {
  mode: BenchMode;
  threads: number;
  seed: number;
  optimizer: { learningRate: number; momentum: number };
  models: BenchModel[];
  /** `peers`: whether Keras and PyTorch are timed too (kdlab always is). */
  inference: { latencyBatch: number; throughputBatch: number; peers: boolean };
  distill: { images: number; batch: number; rounds: number };
  /** `size`: output side, the DenseNet121 head's training size, so the two rates compare. */
  pipeline: { images: number; sourceSize: number; size: number; batch: number; prefetch: number };
  memory: { images: number; trainSteps: number; batch: number; size: number };
  matmul: { n: number } & StepPlan;
}

/** The study's Model 2 optimizer: SGD, lr 1e-4, momentum 0.8. */
const STUDY_SGD = { learningRate: 1e-4, momentum: 0.8 };

function models(mode: BenchMode): BenchModel[] {
  const quick = mode === "quick";
  const size224 = quick ? 96 : 224;
  return [
    { model: "cifar-student", label: "CIFAR student", inputSize: 32, batch: 64, classes: 10, train: quick ? { warmup: 2, timed: 5 } : { warmup: 3, timed: 15 }, inference: quick ? { warmup: 2, timed: 5 } : { warmup: 3, timed: 10 } },
    { model: "cifar-teacher", label: "CIFAR teacher", inputSize: 32, batch: 64, classes: 10, train: quick ? { warmup: 1, timed: 3 } : { warmup: 2, timed: 8 }, inference: quick ? { warmup: 1, timed: 3 } : { warmup: 2, timed: 8 } },
    { model: "pneumonia-student-model2", label: "MobileNetV2 student", inputSize: size224, batch: 16, classes: 2, train: quick ? { warmup: 1, timed: 2 } : { warmup: 1, timed: 3 }, inference: quick ? { warmup: 1, timed: 2 } : { warmup: 1, timed: 3 } },
    { model: "pneumonia-teacher-model2", label: "DenseNet121 teacher", inputSize: size224, batch: 16, classes: 2, train: quick ? { warmup: 1, timed: 2 } : { warmup: 1, timed: 3 }, inference: quick ? { warmup: 1, timed: 2 } : { warmup: 1, timed: 3 } },
  ];
}

export function benchSettings(mode: BenchMode, threads: number): BenchSettings {
  if (!(Number.isInteger(threads) && threads >= 1)) throw new Error(`bench threads must be a positive integer, got ${threads}`);
  const quick = mode === "quick";
  return {
    mode,
    threads,
    seed: 1,
    optimizer: STUDY_SGD,
    models: models(mode),
    // Quick runs time inference on kdlab only: Keras's predict tracing alone would take a fifth of the budget.
    inference: { latencyBatch: 1, throughputBatch: 32, peers: !quick },
    distill: quick ? { images: 256, batch: 64, rounds: 1 } : { images: 1024, batch: 64, rounds: 3 },
    pipeline: { images: quick ? 256 : 2048, sourceSize: 512, size: quick ? 96 : 224, batch: 32, prefetch: 4 },
    memory: quick ? { images: 256, trainSteps: 2, batch: 16, size: 96 } : { images: CHEST_TRAIN_IMAGES, trainSteps: 6, batch: 16, size: 224 },
    // ~0.2 s a run here: enough runs that the best one is not slowed by other work on the machine.
    matmul: { n: 2048, warmup: quick ? 2 : 3, timed: quick ? 4 : 10 },
  };
}

export function settingsRecord(settings: BenchSettings): BenchSettingsRecord {
  return {
    mode: settings.mode,
    threads: { intraOp: settings.threads, interOp: settings.threads },
    optimizer: `SGD lr ${settings.optimizer.learningRate} momentum ${settings.optimizer.momentum}, cross-entropy on logits, random inputs`,
    seed: settings.seed,
    models: settings.models.map((m) => ({ model: m.model, label: m.label, inputSize: m.inputSize, batch: m.batch, warmupSteps: m.train.warmup, timedSteps: m.train.timed })),
  };
}
