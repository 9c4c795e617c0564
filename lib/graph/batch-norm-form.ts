/**
 * Which form a frozen BatchNorm takes in the compiled predictor: oneDNN's
 * inference batch norm (FusedBatchNormV3, which Grappler fuses with its ReLU
 * into _MklNativeFusedBatchNormEx, or into the convolution before it) or the
 * pair x·scale + shift (Mul + AddV2, folded on the host). Timed once per
 * machine and oneDNN setting on small graphs of each form, for a BatchNorm
 * that stands alone (DenseNet121's pre-activation BatchNorm → ReLU) and one
 * right after a convolution (MobileNetV2's), and kept in the per-user cache
 * (batch-norm-form.json), not read from the ISA: on the AMD Zen 5 VM that
 * hides its caches oneDNN's standalone kernel took 72 % of DenseNet121's
 * inference pass at the full ISA, and the pair made the pass 3–4× faster,
 * while on the Zen 4 MobileNetV2's predictor ran 13 % faster with the
 * convolution-fused form.
 */
import { loadGraphBinding, DT, OutputRef } from "./binding";
import { attr, GraphBuilder } from "./graph";
import { float32Value } from "./tensor-value";
import { MACHINE_VARIABLE } from "../runtime/onednn";
import { readCacheRecord, userCacheFile, writeCacheRecord } from "../runtime/user-cache";

export interface FormTiming {
  /** Median ms of one pass of each form over the timing input. */
  fusedMs: number;
  mulAddMs: number;
  /** The pair is used where it is faster. */
  mulAdd: boolean;
}

/** Where the BatchNorm sits: alone (after a concatenation, an input) or right after a convolution. */
export type BatchNormPlace = "standalone" | "afterConvolution";
export type BatchNormTiming = Record<BatchNormPlace, FormTiming>;

interface FormRecord {
  timings: Record<string, BatchNormTiming>;
}

/** The timing input: a mid-network DenseNet121 map at batch 8 (28×28×256). */
const SHAPE = [8, 28, 28, 256];

/** What the verdicts depend on: the machine and this process's oneDNN variables (the key in batch-norm-form.json). */
export function batchNormFormKey(): string {
  const env = process.env;
  return [env[MACHINE_VARIABLE] ?? "unknown machine", `onednn=${env.TF_ENABLE_ONEDNN_OPTS ?? ""}`, `isa=${env.ONEDNN_MAX_CPU_ISA ?? ""}`].join(" | ");
}

/** Median ms of `repeats` runs of one form (BatchNorm then ReLU; after a 1×1 convolution for that place) after two untimed ones. */
function timeForm(place: BatchNormPlace, mulAdd: boolean, repeats = 7): number {
  const binding = loadGraphBinding();
  const g = new GraphBuilder(binding);
  const channels = SHAPE[3];
  const input = g.placeholder(DT.float32, SHAPE, "x");
  const filter = g.constant({ dtype: DT.float32, shape: [1, 1, channels, channels], data: Float32Array.from({ length: channels * channels }, (_, i) => ((i * 104729) % 1000) / 16000 - 1 / 32) });
  const x = place === "standalone" ? input : g.op("Conv2D", [input, filter], [attr.type("T", DT.float32), attr.ints("strides", [1, 1, 1, 1]), attr.string("padding", "SAME"), attr.string("data_format", "NHWC"), attr.ints("dilations", [1, 1, 1, 1])]);
  const vector = (value: number): OutputRef => g.constant({ dtype: DT.float32, shape: [channels], data: new Float32Array(channels).fill(value) });
  const normalised: OutputRef = mulAdd
    ? g.add(g.mul(x, vector(0.9)), vector(0.1))
    : [g.operation("FusedBatchNormV3", [x, vector(1), vector(0.1), vector(0.05), vector(1.2)], [attr.type("T", DT.float32), attr.type("U", DT.float32), attr.float("epsilon", 1e-3), attr.string("data_format", "NHWC"), attr.bool("is_training", false), attr.float("exponential_avg_factor", 1)]), 0];
  const y = g.op("Relu", [normalised], [attr.type("T", DT.float32)]);
  const session = binding.newSession(g.graph, null);
  try {
    const size = SHAPE.reduce((a, b) => a * b, 1);
    const value = float32Value(SHAPE, Float32Array.from({ length: size }, (_, i) => ((i * 7919) % 1000) / 500 - 1));
    const run = (): unknown => binding.sessionRun(session, [[input, value]], [y], []);
    run();
    run();
    const times: number[] = [];
    for (let i = 0; i < repeats; i++) {
      const started = performance.now();
      run();
      times.push(performance.now() - started);
    }
    return times.sort((a, b) => a - b)[repeats >> 1];
  } finally {
    binding.closeSession(session);
  }
}

function timePlace(place: BatchNormPlace): FormTiming {
  // Alternated, so a change in the machine's speed falls on both forms.
  const fused: number[] = [];
  const mulAdd: number[] = [];
  for (let round = 0; round < 2; round++) {
    fused.push(timeForm(place, false));
    mulAdd.push(timeForm(place, true));
  }
  const fusedMs = Math.min(...fused);
  const mulAddMs = Math.min(...mulAdd);
  return { fusedMs, mulAddMs, mulAdd: mulAddMs < fusedMs };
}

/** Times both forms in both places here (no cache). */
export function timeBatchNormForms(): BatchNormTiming {
  return { standalone: timePlace("standalone"), afterConvolution: timePlace("afterConvolution") };
}

let known: BatchNormTiming | undefined;

/** This machine's verdicts under this process's oneDNN setting: timed once, then read from the per-user cache. */
export function batchNormTiming(): BatchNormTiming {
  if (known) return known;
  const file = userCacheFile("batch-norm-form.json");
  const key = batchNormFormKey();
  const record = readCacheRecord<FormRecord>(file);
  const cached = record?.timings?.[key];
  if (typeof cached?.standalone?.mulAdd === "boolean" && typeof cached?.afterConvolution?.mulAdd === "boolean") return (known = cached);
  known = timeBatchNormForms();
  const onDisk = readCacheRecord<FormRecord>(file);
  writeCacheRecord(file, { timings: { ...(onDisk?.timings ?? {}), [key]: known } } satisfies FormRecord);
  return known;
}

/** Forgets this process's verdicts (tests that change the cache under one process). */
export function forgetBatchNormTiming(): void {
  known = undefined;
}
