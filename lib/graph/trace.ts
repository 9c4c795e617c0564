/**
 * Where a compiled step's time goes, op by op: runs it once with
 * RunOptions.trace_level = FULL_TRACE and reads the StepStats TensorFlow
 * returns (a few fields of RunMetadata, decoded by hand from the protobuf
 * wire format, so no protobuf library is needed).
 */

export interface OpTiming {
  node: string;
  /** The kernel that ran, e.g. "_MklNativeFusedConv2D", from the timeline label. */
  opType: string;
  device: string;
  micros: number;
}

/** RunOptions { trace_level: FULL_TRACE (3) }. */
export const FULL_TRACE_RUN_OPTIONS = Uint8Array.of(0x08, 0x03);

interface Field {
  number: number;
  wire: number;
  value: bigint | Uint8Array;
}

function* fields(bytes: Uint8Array): Generator<Field> {
  let position = 0;
  const varint = (): bigint => {
    let result = 0n;
    let shift = 0n;
    for (;;) {
      if (position >= bytes.length) throw new Error("trace: truncated varint in RunMetadata");
      const byte = bytes[position++];
      result |= BigInt(byte & 0x7f) << shift;
      if ((byte & 0x80) === 0) return result;
      shift += 7n;
    }
  };
  while (position < bytes.length) {
    const key = Number(varint());
    const number = key >>> 3;
    const wire = key & 7;
    if (wire === 0) yield { number, wire, value: varint() };
    else if (wire === 2) {
      const length = Number(varint());
      yield { number, wire, value: bytes.subarray(position, position + length) };
      position += length;
    } else if (wire === 1) position += 8;
    else if (wire === 5) position += 4;
    else throw new Error(`trace: unexpected wire type ${wire} in RunMetadata`);
  }
}

const text = (value: bigint | Uint8Array): string => (value instanceof Uint8Array ? new TextDecoder().decode(value) : "");
const bytesOf = (value: bigint | Uint8Array): Uint8Array => (value instanceof Uint8Array ? value : new Uint8Array());

/** Every op execution recorded in a serialized RunMetadata. */
export function decodeStepStats(runMetadata: Uint8Array): OpTiming[] {
  const timings: OpTiming[] = [];
  for (const meta of fields(runMetadata)) {
    if (meta.number !== 1) continue; // step_stats
    for (const step of fields(bytesOf(meta.value))) {
      if (step.number !== 1) continue; // dev_stats
      let device = "";
      const nodes: Uint8Array[] = [];
      for (const dev of fields(bytesOf(step.value))) {
        if (dev.number === 1) device = text(dev.value);
        if (dev.number === 2) nodes.push(bytesOf(dev.value));
      }
      for (const node of nodes) {
        let name = "";
        let label = "";
        let micros = 0;
        for (const f of fields(node)) {
          if (f.number === 1) name = text(f.value);
          else if (f.number === 8) label = text(f.value);
          else if (f.number === 5 && typeof f.value === "bigint") micros = Number(f.value); // all_end_rel_micros
        }
        const opType = /= ([A-Za-z0-9_]+)\(/.exec(label)?.[1] ?? name;
        timings.push({ node: name, opType, device, micros });
      }
    }
  }
  return timings;
}

/** Total time per op type, largest first, with its share of the summed op time. */
export function timeByOpType(timings: readonly OpTiming[]): { opType: string; count: number; ms: number; share: number }[] {
  const totals = new Map<string, { count: number; micros: number }>();
  for (const t of timings) {
    const entry = totals.get(t.opType) ?? { count: 0, micros: 0 };
    entry.count += 1;
    entry.micros += t.micros;
    totals.set(t.opType, entry);
  }
  const sum = [...totals.values()].reduce((a, e) => a + e.micros, 0) || 1;
  return [...totals.entries()].map(([opType, e]) => ({ opType, count: e.count, ms: e.micros / 1000, share: e.micros / sum })).sort((a, b) => b.ms - a.ms);
}
