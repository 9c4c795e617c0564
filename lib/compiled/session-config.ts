/**
 * The session's ConfigProto, serialised by hand (two varint fields) so no
 * protobuf library is needed: intra_op_parallelism_threads = 2,
 * inter_op_parallelism_threads = 5. Zero or absent lets TensorFlow choose
 * (all cores, or TF_NUM_INTRAOP_THREADS / TF_NUM_INTEROP_THREADS).
 *
 * XLA is not offered: on CPU it needs TF_XLA_FLAGS=--tf_xla_cpu_global_jit
 * before TensorFlow loads, and measured on the AVX2 EPYC it was 1.4× slower
 * on the CIFAR student and 1.15× faster on the teacher, after a 5 s compile;
 * on the AVX-512 Xeon (2026-12-01, bench/profile-step.ts cifar-teacher) 0.74×
 * on the teacher too. Nor is Grappler's oneDNN bfloat16 rewrite
 * (RewriterConfig.auto_mixed_precision_onednn_bfloat16): on that Xeon
 * (avx512_bf16, no AMX) the CIFAR teacher's step ran at 0.64× and
 * DenseNet121's at 224 px at 0.79× of float32.
 */
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

/** The ConfigProto bytes, or null when TensorFlow's defaults apply. */
export function sessionConfig(threads?: ThreadSettings): Uint8Array | null {
  const bytes: number[] = [];
  for (const [field, value] of [[2, threads?.intraOp], [5, threads?.interOp]] as const) {
    if (value === undefined || value === 0) continue;
    if (!Number.isInteger(value) || value < 0) throw new Error(`thread count must be a non-negative integer, got ${value}`);
    bytes.push((field << 3) | 0, ...varint(value));
  }
  return bytes.length === 0 ? null : Uint8Array.from(bytes);
}
