/**
 * Which convolutions run as MatMul on this machine. Under the routing
 * setting (onednn.ts) every convolution shape a model uses is probed
 * once per machine at the full ISA, in a child process, and the verdict kept
 * in ~/.cache/kdlab/onednn-shapes.json: a shape that crashes is routed (a
 * 1×1 stride-1 convolution becomes a MatMul, in the compiled graph and in
 * the eager kernels alike); one that crashes and has no route moves the
 * machine to the AVX cap from the next start, and this run stops with an
 * error that says so. Elsewhere (no routing) nothing is probed or routed.
 */
import * as tf from "@tensorflow/tfjs";
import { GRAPH_BINDING_PATH } from "./paths";
import { capFromNextStart, MACHINE_VARIABLE, routingActive } from "./onednn";
import { modelConvShapes } from "./conv-model-shapes";
import { ProbeShape, runProbeChild } from "./conv-probe-child";
import { readCacheRecord, userCacheFile, writeCacheRecord } from "./user-cache";
import { ConvShape, convShapeKey, routableAsMatMul } from "./conv-shape";

/**
 * Batch sizes each shape is probed at: oneDNN picks its blocking, and so the
 * code path that can crash, per primitive, from the whole problem, batch
 * included, while the compiled graph leaves the batch open. So batch 1
 * (inference), 16 (the 224-px studies) and 64 (the 32-px ones) — 64 only for
 * maps up to 28×28, where it is cheap; a larger map already has a large
 * working set at 16.
 */
export function probeBatches(shape: ConvShape): number[] {
  return shape.height * shape.width <= 28 * 28 ? [1, 16, 64] : [1, 16];
}

type Verdict = "ok" | `crash ${string}`;

interface ShapeRecord {
  fingerprint: string;
  verdicts: Record<string, Verdict>;
}

function recordFile(): string {
  return userCacheFile("onednn-shapes.json");
}

function fingerprint(): string {
  return process.env[MACHINE_VARIABLE] ?? "unknown machine";
}

/** This process's view of the record (read once, then kept current). */
let verdicts: Map<string, Verdict> | undefined;

function loadVerdicts(): Map<string, Verdict> {
  if (verdicts) return verdicts;
  verdicts = new Map();
  const record = readCacheRecord<ShapeRecord>(recordFile());
  if (record?.fingerprint === fingerprint()) for (const [key, verdict] of Object.entries(record.verdicts)) verdicts.set(key, verdict);
  return verdicts;
}

/** Merges our verdicts into the file (another process may have added its own), atomically. */
function saveVerdicts(known: Map<string, Verdict>): void {
  const onDisk = readCacheRecord<ShapeRecord>(recordFile());
  const merged = onDisk?.fingerprint === fingerprint() ? onDisk.verdicts : {};
  const record: ShapeRecord = { fingerprint: fingerprint(), verdicts: { ...merged, ...Object.fromEntries(known) } };
  writeCacheRecord(recordFile(), record);
}

/** Probes the shapes not yet known, one child per crash (a crash ends its child), and records the verdicts. */
function probeUnknown(shapes: readonly ConvShape[]): void {
  const known = loadVerdicts();
  const pending: ProbeShape[] = [];
  for (const shape of shapes) {
    const key = convShapeKey(shape);
    if (!known.has(key) && !pending.some((p) => p.key === key)) pending.push({ key, shape, batches: probeBatches(shape) });
  }
  if (pending.length === 0) return;
  const entry = require.resolve("@tensorflow/tfjs-node");
  let rest = pending;
  while (rest.length > 0) {
    const run = runProbeChild(entry, GRAPH_BINDING_PATH, rest, "conv");
    for (const index of run.passed) known.set(rest[index].key, "ok");
    if (run.complete) break;
    if (!run.crashed) throw new Error(`the convolution probe failed without a crash (${run.failure}); shapes: ${rest.map((p) => p.key).join("; ")}`);
    known.set(rest[run.crashed.index].key, `crash ${run.crashed.detail}`);
    rest = rest.slice(run.crashed.index + 1);
  }
  saveVerdicts(known);
}

/** A convolution that crashes at the full ISA here and is not one kdlab can run as a MatMul. */
export class UnroutableConvolutionError extends Error {}

/**
 * Probes every convolution shape of `model` not yet known here, in one go
 * (before the model first runs), and checks that each crashing one has a
 * route; no-op (the layers are not even read) when routing is off. `where`
 * names the model for the error about a shape with no route. Whoever runs a
 * model calls it (the experiment runner, the compiled graphs, export's
 * evaluation, Grad-CAM); building one (lib/models) probes nothing.
 */
export function prepareModelConvolutions(model: tf.LayersModel, where: string): void {
  if (!routingActive()) return;
  const shapes = modelConvShapes(model);
  probeUnknown(shapes);
  for (const shape of shapes) mustRoute(shape, where);
}

/** Whether this convolution must run as MatMul here (probing it if new); false when routing is off. */
export function mustRoute(shape: ConvShape, where: string): boolean {
  if (!routingActive()) return false;
  const key = convShapeKey(shape);
  if (!loadVerdicts().has(key)) probeUnknown([shape]);
  const verdict = loadVerdicts().get(key) ?? "ok";
  if (verdict === "ok") return false;
  if (!routableAsMatMul(shape)) {
    const file = capFromNextStart(`${key} crashes at the full ISA and has no route`);
    throw new UnroutableConvolutionError(
      `${where}: the convolution ${key} crashes native TensorFlow's oneDNN at the full ISA on this machine (${verdict}) and only 1×1 stride-1 convolutions can run as a MatMul; oneDNN is capped at AVX from the next start (recorded in ${file}): run again`,
    );
  }
  return true;
}

/** The shapes this machine's record says crash here, probed by any model so far (for `kdlab doctor`). */
export function routedShapeKeys(): string[] {
  return [...loadVerdicts()].filter(([, verdict]) => verdict !== "ok").map(([key]) => key);
}
