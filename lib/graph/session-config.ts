/**
 * The session's ConfigProto, serialised by hand so no protobuf library is
 * needed: intra_op_parallelism_threads = 2, inter_op_parallelism_threads = 5
 * (zero or absent lets TensorFlow choose: all cores, or
 * TF_NUM_INTRAOP_THREADS / TF_NUM_INTEROP_THREADS), and for bf16 mixed
 * precision (given, or KDLAB_BF16=1) the graph options of the bf16 rewrite
 * (lib/runtime/precision.ts).
 *
 * XLA is not offered: on CPU it needs TF_XLA_FLAGS=--tf_xla_cpu_global_jit
 * before TensorFlow loads, and measured on the AVX2 EPYC it was 1.4× slower
 * on the CIFAR student and 1.15× faster on the teacher, after a 5 s compile;
 * on the AVX-512 Xeon (2026-12-01, bench/speed/profile-step.ts cifar-teacher) 0.74×
 * on the teacher too.
 */
import { BF16_REWRITE_CONFIG, checkPrecisionAvailable, ComputePrecision, computePrecision } from "../runtime/precision";

export interface ThreadSettings {
  intraOp?: number;
  interOp?: number;
}

function varint(value: number): number[] {
  const bytes: number[] = [];
  let rest = value;
  while (rest >= 0x80) {
    bytes.push((rest & 0x7f) | 0x80);
    rest = Math.floor(rest / 128);
  }
  bytes.push(rest);
  return bytes;
}

/** The ConfigProto bytes, or null when TensorFlow's defaults apply; bf16 where oneDNN has no bf16 kernels throws. */
export function sessionConfig(threads?: ThreadSettings, precision: ComputePrecision = computePrecision()): Uint8Array | null {
  checkPrecisionAvailable(precision);
  const bytes: number[] = [];
  for (const [field, value] of [[2, threads?.intraOp], [5, threads?.interOp]] as const) {
    if (value === undefined || value === 0) continue;
    if (!Number.isInteger(value) || value < 0) throw new Error(`thread count must be a non-negative integer, got ${value}`);
    bytes.push((field << 3) | 0, ...varint(value));
  }
  if (precision === "bf16 mixed") bytes.push(...BF16_REWRITE_CONFIG);
  return bytes.length === 0 ? null : Uint8Array.from(bytes);
}
