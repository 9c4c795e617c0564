/**
 * The shape of a bench result, as written to bench/results/<date>.json.
 * Every part is optional (`--only` runs a subset); what ran is in `parts`.
 * Times are seconds, rates per second, memory MiB. A peer that crashed has
 * no rows for what crashed and an entry in `crashes`.
 */

import type { MachineInfo } from "../common/machine";

/** "kdlab" (eager), other kdlab variants ("kdlab-compiled"), or a peer's configuration ("keras", "keras (kdlab's oneDNN)": peer-configs.ts). */
export type Framework = string;

/**
 * Rows in bf16 mixed precision carry this after the framework's name
 * ("kdlab-compiled (bf16)", "keras (bf16)"): ratios compare bf16 only with
 * bf16 and float32 only with float32, since bf16 changes the numbers.
 */
export const BF16_SUFFIX = " (bf16)";

export function isBf16Framework(framework: Framework): boolean {
  return framework.endsWith(BF16_SUFFIX);
}

export const PEER_FRAMEWORKS = ["keras", "torch"] as const;
export type PeerFramework = (typeof PEER_FRAMEWORKS)[number];

export const BENCH_PARTS = ["train", "inference", "distill", "pipeline", "memory", "matmul"] as const;
export type BenchPart = (typeof BENCH_PARTS)[number];

export interface ParamCount {
  trainable: number;
  /** Trainable + non-trainable weights + BatchNorm moving statistics. */
  total: number;
}

export interface ThroughputRow {
  model: string;
  framework: Framework;
  /** batch / median seconds of the timed steps. */
  imagesPerSec: number;
  batch: number;
  inputSize: number;
  /** Untimed first steps (the first builds kernels, traces graphs). */
  warmupSeconds: number[];
  /** Every timed step. */
  stepSeconds: number[];
  /** Analytic training FLOPs of one image (3 × forward) × imagesPerSec / 10⁹. */
  achievedGflops?: number;
  /** achievedGflops over this framework's attainable matmul rate. */
  shareOfPeak?: number;
}

export interface InferenceRow {
  model: string;
  framework: Framework;
  inputSize: number;
  latencyBatch: number;
  /** Median milliseconds per image at latencyBatch. */
  latencyMs: number;
  throughputBatch: number;
  /** throughputBatch / median seconds per batch. */
  imagesPerSec: number;
}

export interface MatmulRow {
  framework: Framework;
  /** Square matrix side. */
  n: number;
  /** 2n³ / fastest run / 10⁹: the attainable FP32 rate. */
  bestGflops: number;
  medianGflops: number;
  /** 2n³ / slowest run / 10⁹ (runs before and after the models): how far the machine's speed moved in this framework's window. Absent in older results. */
  slowestGflops?: number;
}

export interface ModelFlops {
  model: string;
  inputSize: number;
  /** Forward FLOPs of one image (2 × multiply-adds of convolutions and dense layers). */
  forwardGflops: number;
  /** ≈ 3 × forward: the backward pass computes gradients for inputs and weights. */
  trainGflops: number;
}

export interface DistillOverhead {
  model: string;
  images: number;
  batch: number;
  rounds: number;
  /** Minimum over rounds of one epoch's seconds, per mode. */
  studentAloneSeconds: number;
  liveTeacherSeconds: number;
  cachedLogitsSeconds: number;
  /** The one-time teacher pass that fills the cache, not in the cached epoch. */
  cacheFillSeconds: number;
  liveRatio: number;
  cachedRatio: number;
}

export interface PipelineRate {
  images: number;
  sourceSize: number;
  size: number;
  batch: number;
  prefetch: number;
  what: string;
  imagesPerSec: number;
  /** The DenseNet121 head's kdlab training rate it is compared against. */
  trainingModel: string;
  trainingImagesPerSec?: number;
  /** imagesPerSec / trainingImagesPerSec; ≥ 1 means the pipeline keeps up. */
  headroom?: number;
  inputBound?: boolean;
}

export interface MemoryResult {
  model: string;
  framework: Framework;
  /** Images streamed through the pipeline (decode + resize + augment). */
  imagesStreamed: number;
  size: number;
  batch: number;
  trainSteps: number;
  /** Exactly what ran, in words. */
  what: string;
  peakRssMiB: number;
  rssAfterSetupMiB: number;
  rssEndMiB: number;
  /** RSS after each trained step: a steady rise would be a leak. */
  rssAfterStepsMiB: number[];
  /** Seconds in train steps, of `seconds` in all. */
  trainSeconds: number;
  seconds: number;
  /** For scale: each peer process's peak RSS once it had trained this model on one in-memory batch (no pipeline; includes the models before it). */
  peers?: { framework: Framework; peakRssMiB: number }[];
}

/** A peer process that died by a crash signal: reported, not a failed bench. */
export interface PeerCrash {
  framework: Framework;
  /** The model it was running alone when it crashed; absent when no one model is to blame. */
  model?: string;
  /** "SIGFPE", "SIGSEGV", … */
  signal: string;
  /** What ran and the child's last output line. */
  detail: string;
}

export interface BenchSettingsRecord {
  mode: "full" | "quick";
  threads: { intraOp: number; interOp: number };
  optimizer: string;
  seed: number;
  models: { model: string; label: string; inputSize: number; batch: number; warmupSteps: number; timedSteps: number }[];
}

export interface BenchResult {
  date: string;
  startedAt: string;
  totalSeconds: number;
  command: string;
  parts: BenchPart[];
  machine: MachineInfo;
  versions: Record<string, string>;
  backend: string;
  /** Per framework, the thread pools it ran with. */
  threads: Record<Framework, { intraOp: number; interOp: number }>;
  settings: BenchSettingsRecord;
  params: { model: string; framework: Framework; trainable: number; total: number }[];
  flops: ModelFlops[];
  throughput: ThroughputRow[];
  inference: InferenceRow[];
  matmul: MatmulRow[];
  distillation?: DistillOverhead;
  pipeline?: PipelineRate;
  memory?: MemoryResult;
  /** Peer crashes; the models that ran still have their rows. */
  crashes?: PeerCrash[];
  notes: string[];
}
