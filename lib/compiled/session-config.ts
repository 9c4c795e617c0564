/**
 * The session's ConfigProto, serialised by hand (a few varint fields) so no
 * protobuf library is needed: intra_op_parallelism_threads = 2,
 * inter_op_parallelism_threads = 5, graph_options (10) → optimizer_options
 * (3) → global_jit_level (5) for XLA. Zero or absent lets TensorFlow choose
 * (all cores, or TF_NUM_INTRAOP_THREADS / TF_NUM_INTEROP_THREADS; no XLA).
 */
export interface ThreadSettings {
  intraOp?: number;
  interOp?: number;
  /** Compile clusters of the graph with XLA (global_jit_level ON_1). */
  xla?: boolean;
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
  if (threads?.xla) {
    const optimizerOptions = [(5 << 3) | 0, 1];
    const graphOptions = [(3 << 3) | 2, optimizerOptions.length, ...optimizerOptions];
    bytes.push((10 << 3) | 2, graphOptions.length, ...graphOptions);
  }
  return bytes.length === 0 ? null : Uint8Array.from(bytes);
}
