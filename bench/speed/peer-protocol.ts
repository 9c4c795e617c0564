/**
 * What kdlab sends a Python peer (bench/peers/*_peer.py) and what it prints
 * back: one JSON request as the only argument, one JSON object on stdout.
 * The answer is checked against a zod schema here, so a peer that changes
 * shape fails with the field's name, not deep inside the report.
 */
import { z } from "zod";
import { ParamCount, paramCountSchema } from "../common/network";
import { StepPlan } from "../common/timing";
import { omittable, scalarsSchema, threadsSchema, versionsSchema } from "../common/answer";
import { checkAnswer } from "../common/worker";
import { PEER_FRAMEWORKS, PeerFramework } from "./schema";

export interface PeerModelRequest {
  model: string;
  inputSize: number;
  batch: number;
  classes: number;
  seed: number;
  /** kdlab's counts: the peer refuses to time a network whose counts differ. */
  expectParams?: ParamCount;
  train?: StepPlan & { learningRate: number; momentum: number };
  /** With `train`: trace this many more train steps with the framework's own profiler and answer each kernel's time (step-profile.ts). */
  profile?: { tracedSteps: number };
  inference?: StepPlan & { latencyBatch: number; throughputBatch: number };
}

export interface PeerRequest {
  threads: number;
  /** "bf16": train, infer and multiply in the peer's bf16 mixed precision (peer-configs.ts); absent: float32. */
  precision?: "bf16";
  models: PeerModelRequest[];
  matmul?: StepPlan & { n: number };
}

/** One timed measurement as a peer reports it: every call's seconds, at this batch. */
const timingSchema = z.object({ batch: z.number(), warmupSeconds: z.array(z.number()), seconds: z.array(z.number()) });

/** One kernel's time per traced step: `op` is the kernel (a TensorFlow op type, a PyTorch aten op), `node` what it ran for (TensorFlow's graph node; PyTorch's outermost profiler scope). */
export const kernelTimeSchema = z.object({ node: z.string(), op: z.string(), ms: z.number() });
export type KernelTime = z.infer<typeof kernelTimeSchema>;

export const kernelProfileSchema = z.object({ tracedSteps: z.number(), kernels: z.array(kernelTimeSchema) });
export type KernelProfile = z.infer<typeof kernelProfileSchema>;

const peerModelResultSchema = z.object({
  model: z.string(),
  params: paramCountSchema,
  jitCompile: omittable(z.boolean()),
  /** The peer process's peak RSS once this model was done (models run in order, so it includes earlier ones). */
  peakRssMiB: omittable(z.number()),
  train: omittable(timingSchema),
  profile: omittable(kernelProfileSchema),
  inference: omittable(z.object({ latency: timingSchema, throughput: timingSchema })),
});
export type PeerModelResult = z.infer<typeof peerModelResultSchema>;

/** A peer's answer; checked when it comes back (checkAnswer), so a peer that changes shape fails naming the field. */
export const peerResultSchema = z.object({
  framework: z.enum(PEER_FRAMEWORKS),
  versions: versionsSchema,
  threads: threadsSchema,
  settings: scalarsSchema,
  models: z.array(peerModelResultSchema),
  matmul: omittable(z.object({ n: z.number(), seconds: z.array(z.number()), bestGflops: z.number(), medianGflops: z.number() })),
});
export type PeerResult = z.infer<typeof peerResultSchema>;

/** Checks a peer's parsed answer; `framework` is the one that was asked. */
export function parsePeerResult(json: unknown, framework: PeerFramework): PeerResult {
  const result = checkAnswer(json, peerResultSchema, `${framework} peer`);
  if (result.framework !== framework) throw new Error(`${framework} peer answered as ${result.framework}`);
  return result;
}
