/**
 * The memory part's shapes: what its worker (worker.ts) answers, checked
 * with zod when it comes back, and the MemoryResult a speed result holds
 * (speed/schema.ts). Memory is MiB, times seconds.
 */
import { z } from "zod";
import type { Framework } from "../common/framework";

/** The worker's measurements of one streamed epoch with a few train steps. */
export const memoryWorkerAnswerSchema = z.object({
  imagesStreamed: z.number(),
  trainSteps: z.number(),
  batches: z.number(),
  peakRssMiB: z.number(),
  rssAfterSetupMiB: z.number(),
  rssEndMiB: z.number(),
  rssAfterStepsMiB: z.array(z.number()),
  trainSeconds: z.number(),
  seconds: z.number(),
  backend: z.string(),
});
export type MemoryWorkerAnswer = z.infer<typeof memoryWorkerAnswerSchema>;

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
