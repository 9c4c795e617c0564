/**
 * TensorBoard event files for a model's training, written in TypeScript in
 * TensorFlow's on-disk format into the model's folder of the run
 * (runs/<experiment>-<timestamp>/<role>/events.out.tfevents.<time>.<host>.kdlab),
 * so `tensorboard --logdir runs` (`kdlab tensorboard`) shows every run's
 * curves. One scalar per epoch and metric.
 *
 * Format: a TFRecord file (per record: uint64 length, uint32 masked CRC-32C
 * of the length, the bytes, uint32 masked CRC-32C of the bytes) of `Event`
 * protocol buffers: wall_time (field 1, double), step (2, int64),
 * file_version (3, "brain.Event:2") in the first record, summary (5) with
 * repeated value (1) {tag (1), simple_value (2, float)}. Written by hand
 * rather than with tf.node.summaryFileWriter, whose writers hold tensors
 * for the life of the process (one per folder, four more leaked per
 * writer), which would grow with every run a notebook session makes.
 */
import * as fs from "node:fs";
import * as os from "node:os";
import * as path from "node:path";
import type { EpochRecord } from "../distill/index";

/** The metrics of an epoch written as scalars (those present: validation ones only with a validation split), then each loss term (loss_ce, loss_kd, …: lib/distill/objective.ts). */
const SCALARS = ["loss", "accuracy", "val_loss", "val_accuracy", "val_auc", "val_sensitivity", "val_specificity", "lr"];
const isLossTerm = (name: string): boolean => name.startsWith("loss_");

const CRC32C_TABLE = (() => {
  const table = new Uint32Array(256);
  for (let n = 0; n < 256; n++) {
    let c = n;
    for (let k = 0; k < 8; k++) c = c & 1 ? 0x82f63b78 ^ (c >>> 1) : c >>> 1;
    table[n] = c >>> 0;
  }
  return table;
})();

export function crc32c(bytes: Uint8Array): number {
  let crc = 0xffffffff;
  for (const byte of bytes) crc = CRC32C_TABLE[(crc ^ byte) & 0xff] ^ (crc >>> 8);
  return (crc ^ 0xffffffff) >>> 0;
}

/** TFRecord's masked CRC: rotate right by 15 bits and add a constant. */
function maskedCrc(bytes: Uint8Array): number {
  const crc = crc32c(bytes);
  return ((((crc >>> 15) | (crc << 17)) >>> 0) + 0xa282ead8) >>> 0;
}

function varint(value: number): number[] {
  const out: number[] = [];
  let rest = BigInt(value);
  while (rest >= 0x80n) {
    out.push(Number(rest & 0x7fn) | 0x80);
    rest >>= 7n;
  }
  out.push(Number(rest));
  return out;
}

const key = (field: number, wireType: number): number[] => varint((field << 3) | wireType);
const lengthDelimited = (field: number, bytes: Uint8Array): number[] => [...key(field, 2), ...varint(bytes.length), ...bytes];

function eventBytes(wallTime: number, step: number, body: { fileVersion: string } | { scalars: [string, number][] }): Uint8Array {
  const wall = Buffer.alloc(8);
  wall.writeDoubleLE(wallTime);
  const fields: number[] = [...key(1, 1), ...wall, ...key(2, 0), ...varint(step)];
  if ("fileVersion" in body) {
    fields.push(...lengthDelimited(3, Buffer.from(body.fileVersion)));
  } else {
    const values = body.scalars.flatMap(([tag, value]) => {
      const float = Buffer.alloc(4);
      float.writeFloatLE(value);
      return lengthDelimited(1, Uint8Array.from([...lengthDelimited(1, Buffer.from(tag)), ...key(2, 5), ...float]));
    });
    fields.push(...lengthDelimited(5, Uint8Array.from(values)));
  }
  return Uint8Array.from(fields);
}

function record(data: Uint8Array): Buffer {
  const length = Buffer.alloc(8);
  length.writeBigUInt64LE(BigInt(data.length));
  const crcs = Buffer.alloc(8);
  crcs.writeUInt32LE(maskedCrc(length), 0);
  crcs.writeUInt32LE(maskedCrc(data), 4);
  return Buffer.concat([length, crcs.subarray(0, 4), data, crcs.subarray(4, 8)]);
}

/** A function that appends one epoch record to an event file in `dir` (created on the first call). */
export function epochLogger(dir: string): (record: EpochRecord) => void {
  let file: string | undefined;
  return (epoch) => {
    if (!file) {
      fs.mkdirSync(dir, { recursive: true });
      const now = Date.now() / 1000;
      file = path.join(dir, `events.out.tfevents.${Math.floor(now)}.${os.hostname()}.kdlab`);
      fs.writeFileSync(file, record(eventBytes(now, 0, { fileVersion: "brain.Event:2" })));
    }
    const scalars = [...SCALARS, ...Object.keys(epoch).filter(isLossTerm)].flatMap((name): [string, number][] => {
      const value = epoch[name];
      return typeof value === "number" && Number.isFinite(value) ? [[name, value]] : [];
    });
    fs.appendFileSync(file, record(eventBytes(Date.now() / 1000, epoch.epoch, { scalars })));
  };
}
