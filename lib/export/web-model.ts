/**
 * A LayersModel written as a tfjs web model: model.json (topology + weights
 * manifest) and weight shards of at most 4 MiB (group1-shard<i>of<n>.bin, the
 * tfjs converter's layout), optionally with weight quantization in tfjs's own
 * scheme, so tf.loadLayersModel dequantizes on load with no kdlab code:
 *
 *   float16  each float32 value rounded to the nearest half (ties to even);
 *            manifest entry `quantization: { dtype: "float16" }`.
 *   uint8    per tensor, affine: value ≈ q · scale + min, q ∈ 0…255, with
 *            scale = (max − min) / 255 and, when the range spans 0, min nudged
 *            so that 0 is exactly representable (as tensorflowjs_converter's
 *            --quantize_uint8 does); `quantization: { dtype: "uint8", scale, min }`.
 *
 * Every float32 weight is quantized, BatchNorm statistics and biases
 * included, as the converter does; int32 weights are left as they are.
 */
import * as fs from "node:fs";
import * as path from "node:path";
import * as tf from "@tensorflow/tfjs";

export const QUANTIZATIONS = ["none", "float16", "uint8"] as const;
export type Quantization = (typeof QUANTIZATIONS)[number];

/** The tfjs converter's shard size. */
export const SHARD_BYTES = 4 * 1024 * 1024;

export interface WebModelFiles {
  /** Files written, relative to the folder: model.json first, then the shards. */
  files: string[];
  /** Bytes of model.json and of the shards. */
  bytes: { manifest: number; weights: number; total: number };
  weights: number;
  quantization: Quantization;
}

const FLOAT32 = new Float32Array(1);
const BITS = new Uint32Array(FLOAT32.buffer);

/** IEEE 754 half-precision bits of a float32 value, rounded to nearest, ties to even. */
export function toFloat16Bits(value: number): number {
  FLOAT32[0] = value;
  const x = BITS[0];
  const sign = (x >>> 16) & 0x8000;
  const exponent = (x >>> 23) & 0xff;
  let mantissa = x & 0x7fffff;
  if (exponent === 0xff) return sign | 0x7c00 | (mantissa ? 0x200 : 0);
  const e = exponent - 127 + 15;
  if (e >= 0x1f) return sign | 0x7c00;
  if (e <= 0) {
    // A subnormal half, or zero.
    if (e < -10) return sign;
    mantissa |= 0x800000;
    const shift = 14 - e;
    const half = mantissa >>> shift;
    const rest = mantissa & ((1 << shift) - 1);
    const midpoint = 1 << (shift - 1);
    return sign | (rest > midpoint || (rest === midpoint && half & 1) ? half + 1 : half);
  }
  const half = (e << 10) | (mantissa >>> 13);
  const rest = mantissa & 0x1fff;
  // A carry out of the mantissa correctly bumps the exponent (up to infinity).
  return sign | (rest > 0x1000 || (rest === 0x1000 && half & 1) ? half + 1 : half);
}

export interface Uint8Quantization {
  scale: number;
  min: number;
  values: Uint8Array;
}

/** Affine uint8 quantization of one tensor's values (the converter's range, zero kept exact). */
export function quantizeUint8(values: Float32Array): Uint8Quantization {
  let lo = Infinity;
  let hi = -Infinity;
  for (const v of values) {
    if (v < lo) lo = v;
    if (v > hi) hi = v;
  }
  if (values.length === 0) return { scale: 1, min: 0, values: new Uint8Array(0) };
  let scale = (hi - lo) / 255;
  let min = lo;
  if (scale === 0) {
    // A constant tensor: q = 0 stands for its value.
    scale = 1;
  } else if (lo <= 0 && hi >= 0) {
    min = -Math.round(-lo / scale) * scale;
  }
  const out = new Uint8Array(values.length);
  for (let i = 0; i < values.length; i++) out[i] = Math.min(255, Math.max(0, Math.round((values[i] - min) / scale)));
  return { scale, min, values: out };
}

function quantized(spec: tf.io.WeightsManifestEntry, bytes: Uint8Array, quantization: Quantization): { spec: tf.io.WeightsManifestEntry; bytes: Uint8Array } {
  if (quantization === "none" || spec.dtype !== "float32") return { spec, bytes };
  const values = new Float32Array(bytes.buffer.slice(bytes.byteOffset, bytes.byteOffset + bytes.byteLength));
  if (quantization === "float16") {
    const halves = new Uint16Array(values.length);
    for (let i = 0; i < values.length; i++) halves[i] = toFloat16Bits(values[i]);
    return { spec: { ...spec, quantization: { dtype: "float16" } }, bytes: new Uint8Array(halves.buffer) };
  }
  const q = quantizeUint8(values);
  return { spec: { ...spec, quantization: { dtype: "uint8", scale: q.scale, min: q.min } }, bytes: q.values };
}

function byteSize(spec: tf.io.WeightsManifestEntry): number {
  const count = spec.shape.reduce((a, b) => a * b, 1);
  if (spec.dtype === "float32" || spec.dtype === "int32") return count * 4;
  throw new Error(`weight ${spec.name}: dtype ${spec.dtype} cannot be exported (float32 and int32 only)`);
}

/** The model's topology, weight specs and weight bytes, as model.save hands them to a save handler. */
export async function modelArtifacts(model: tf.LayersModel): Promise<tf.io.ModelArtifacts> {
  let saved: tf.io.ModelArtifacts | undefined;
  await model.save(
    tf.io.withSaveHandler(async (artifacts) => {
      saved = artifacts;
      return { modelArtifactsInfo: { dateSaved: new Date(), modelTopologyType: "JSON" } };
    }),
  );
  if (!saved) throw new Error(`${model.name}: model.save handed nothing to save`);
  return saved;
}

/** Writes the model into `dir` (created) as model.json + shards, quantized as asked. */
export async function writeWebModel(model: tf.LayersModel, dir: string, quantization: Quantization): Promise<WebModelFiles> {
  if (!(QUANTIZATIONS as readonly string[]).includes(quantization)) throw new Error(`unknown quantization "${quantization}"; known: ${QUANTIZATIONS.join(", ")}`);
  const artifacts = await modelArtifacts(model);
  const data = artifacts.weightData;
  const all = new Uint8Array(data === undefined ? new ArrayBuffer(0) : Array.isArray(data) ? tf.io.CompositeArrayBuffer.join(data) : data);
  const specs: tf.io.WeightsManifestEntry[] = [];
  const chunks: Uint8Array[] = [];
  let offset = 0;
  for (const spec of artifacts.weightSpecs ?? []) {
    const size = byteSize(spec);
    if (offset + size > all.byteLength) throw new Error(`${model.name}: weight data ends before ${spec.name}`);
    const out = quantized(spec, all.subarray(offset, offset + size), quantization);
    specs.push(out.spec);
    chunks.push(out.bytes);
    offset += size;
  }
  if (offset !== all.byteLength) throw new Error(`${model.name}: ${all.byteLength - offset} bytes of weight data left over`);
  const weights = Buffer.concat(chunks);
  const shardCount = Math.max(1, Math.ceil(weights.byteLength / SHARD_BYTES));
  const shards = Array.from({ length: shardCount }, (_, i) => `group1-shard${i + 1}of${shardCount}.bin`);
  fs.mkdirSync(dir, { recursive: true });
  shards.forEach((name, i) => fs.writeFileSync(path.join(dir, name), weights.subarray(i * SHARD_BYTES, (i + 1) * SHARD_BYTES)));
  const manifest = {
    format: artifacts.format ?? "layers-model",
    generatedBy: artifacts.generatedBy,
    convertedBy: `kdlab export${quantization === "none" ? "" : ` (${quantization} weights)`}`,
    modelTopology: artifacts.modelTopology,
    weightsManifest: [{ paths: shards, weights: specs }],
  };
  const manifestText = JSON.stringify(manifest);
  fs.writeFileSync(path.join(dir, "model.json"), manifestText);
  const manifestBytes = Buffer.byteLength(manifestText);
  return {
    files: ["model.json", ...shards],
    bytes: { manifest: manifestBytes, weights: weights.byteLength, total: manifestBytes + weights.byteLength },
    weights: specs.length,
    quantization,
  };
}

/** An IOHandler that reads a web model folder from disk (model.json + the shards it names), for tf.loadLayersModel in Node. */
export function webModelFromDisk(dir: string): tf.io.IOHandler {
  return {
    async load(): Promise<tf.io.ModelArtifacts> {
      const file = path.join(dir, "model.json");
      if (!fs.existsSync(file)) throw new Error(`${file}: missing`);
      const manifest = JSON.parse(fs.readFileSync(file, "utf8")) as { modelTopology: object; format?: string; generatedBy?: string; convertedBy?: string; weightsManifest: tf.io.WeightsManifestConfig };
      const weightSpecs = manifest.weightsManifest.flatMap((group) => group.weights);
      const bytes = Buffer.concat(manifest.weightsManifest.flatMap((group) => group.paths.map((p) => fs.readFileSync(path.join(dir, p)))));
      const weightData = bytes.buffer.slice(bytes.byteOffset, bytes.byteOffset + bytes.byteLength);
      return { modelTopology: manifest.modelTopology, format: manifest.format, generatedBy: manifest.generatedBy, convertedBy: manifest.convertedBy, weightSpecs, weightData };
    },
  };
}
