/**
 * The shape of a speed result, as written to bench/results/<date>.json.
 * Every part is optional (`--only` runs a subset); what ran is in `parts`.
 * Times are seconds, rates per second, memory MiB. A peer that crashed has
 * no rows for what crashed and an entry in `crashes`. The rows a worker
 * answers with (kdlab's side) are zod schemas, so its answer is checked
 * against the same shape the result declares.
 */
import { z } from "zod";
import type { Framework } from "../common/framework";
import type { MachineInfo } from "../common/machine";
import { paramCountSchema } from "../common/network";
import type { MemoryResult } from "../memory/schema";

export const PEER_FRAMEWORKS = ["keras", "torch"] as const;
export type PeerFramework = (typeof PEER_FRAMEWORKS)[number];

export const BENCH_PARTS = ["train", "inference", "distill", "pipeline", "memory", "matmul"] as const;
export type BenchPart = (typeof BENCH_PARTS)[number];

export const throughputRowSchema = z.object({
  model: z.string(),
  framework: z.string(),
  /** batch / median seconds of the timed steps. */
  imagesPerSec: z.number(),
  batch: z.number(),
  inputSize: z.number(),
  /** Untimed first steps (the first builds kernels, traces graphs). */
  warmupSeconds: z.array(z.number()),
  /** Every timed step. */
  stepSeconds: z.array(z.number()),
  /** Analytic training FLOPs of one image (3 × forward) × imagesPerSec / 10⁹. */
  achievedGflops: z.number().optional(),
  /** achievedGflops over this framework's attainable matmul rate. */
  shareOfPeak: z.number().optional(),
});
export type ThroughputRow = z.infer<typeof throughputRowSchema>;

export const inferenceRowSchema = z.object({
  model: z.string(),
  framework: z.string(),
  inputSize: z.number(),
  latencyBatch: z.number(),
  /** Median milliseconds per image at latencyBatch. */
  latencyMs: z.number(),
  throughputBatch: z.number(),
  /** throughputBatch / median seconds per batch. */
  imagesPerSec: z.number(),
});
export type InferenceRow = z.infer<typeof inferenceRowSchema>;

export const matmulRowSchema = z.object({
  framework: z.string(),
  /** Square matrix side. */
  n: z.number(),
  /** 2n³ / fastest run / 10⁹: the attainable FP32 rate. */
  bestGflops: z.number(),
  medianGflops: z.number(),
  /** 2n³ / slowest run / 10⁹ (runs before and after the models): how far the machine's speed moved in this framework's window. Absent in older results. */
  slowestGflops: z.number().optional(),
});
export type MatmulRow = z.infer<typeof matmulRowSchema>;

export const modelFlopsSchema = z.object({
  model: z.string(),
  inputSize: z.number(),
  /** Forward FLOPs of one image (2 × multiply-adds of convolutions and dense layers). */
  forwardGflops: z.number(),
  /** ≈ 3 × forward: the backward pass computes gradients for inputs and weights. */
  trainGflops: z.number(),
});
export type ModelFlops = z.infer<typeof modelFlopsSchema>;

/** kdlab's side of a run, as its worker (kdlab-worker.ts) answers: every kdlab measurement the parts asked for. */
export const kdlabSideResultSchema = z.object({
  params: z.array(z.object({ model: z.string() }).extend(paramCountSchema.shape)),
  flops: z.array(modelFlopsSchema),
  throughput: z.array(throughputRowSchema),
  inference: z.array(inferenceRowSchema),
  /** One per variant: each variant's attainable rate on its own path. */
  matmul: z.array(matmulRowSchema),
});
export type KdlabSideResult = z.infer<typeof kdlabSideResultSchema>;

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
