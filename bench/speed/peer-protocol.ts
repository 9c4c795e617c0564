/**
 * What kdlab sends a Python peer (bench/peers/*_peer.py) and what it prints
 * back: one JSON request as the only argument, one JSON object on stdout.
 * The answer is checked field by field here, so a peer that changes shape
 * fails with the field's name, not deep inside the report.
 */
import { Json, Reader } from "../common/json-reader";
import { ParamCount, PeerFramework } from "./schema";
import { StepPlan } from "./settings";
import { Timing } from "../common/timing";

export interface PeerModelRequest {
  model: string;
  inputSize: number;
  batch: number;
  classes: number;
  seed: number;
  /** kdlab's counts: the peer refuses to time a network whose counts differ. */
  expectParams?: ParamCount;
  train?: StepPlan & { learningRate: number; momentum: number };
  inference?: StepPlan & { latencyBatch: number; throughputBatch: number };
}

export interface PeerRequest {
  threads: number;
  /** "bf16": train, infer and multiply in the peer's bf16 mixed precision (peer-configs.ts); absent: float32. */
  precision?: "bf16";
  models: PeerModelRequest[];
  matmul?: StepPlan & { n: number };
}

export interface PeerModelResult {
  model: string;
  params: ParamCount;
  jitCompile?: boolean;
  /** The peer process's peak RSS once this model was done (models run in order, so it includes earlier ones). */
  peakRssMiB?: number;
  train?: Timing & { batch: number };
  inference?: { latency: Timing & { batch: number }; throughput: Timing & { batch: number } };
}

export interface PeerResult {
  framework: PeerFramework;
  versions: Record<string, string>;
  threads: { intraOp: number; interOp: number };
  settings: Record<string, string | number | boolean>;
  models: PeerModelResult[];
  matmul?: { n: number; seconds: number[]; bestGflops: number; medianGflops: number };
}

function timing(r: Reader): Timing & { batch: number } {
  return { batch: r.number("batch"), warmupSeconds: r.numbers("warmupSeconds"), seconds: r.numbers("seconds") };
}

function modelResult(r: Reader): PeerModelResult {
  const params = r.child("params");
  const result: PeerModelResult = { model: r.string("model"), params: { trainable: params.number("trainable"), total: params.number("total") } };
  if (r.has("jitCompile")) result.jitCompile = r.boolean("jitCompile");
  if (r.has("peakRssMiB")) result.peakRssMiB = r.number("peakRssMiB");
  if (r.has("train")) result.train = timing(r.child("train"));
  if (r.has("inference")) {
    const inference = r.child("inference");
    result.inference = { latency: timing(inference.child("latency")), throughput: timing(inference.child("throughput")) };
  }
  return result;
}

/** Checks a peer's parsed answer; `framework` is the one that was asked. */
export function parsePeerResult(json: Json, framework: PeerFramework): PeerResult {
  const r = new Reader(json, `${framework} peer`);
  if (r.string("framework") !== framework) throw new Error(`${framework} peer answered as ${r.string("framework")}`);
  const versions = r.scalars("versions");
  const threads = r.child("threads");
  const result: PeerResult = {
    framework,
    versions: Object.fromEntries(Object.entries(versions).map(([k, v]) => [k, String(v)])),
    threads: { intraOp: threads.number("intraOp"), interOp: threads.number("interOp") },
    settings: r.scalars("settings"),
    models: r.list("models").map(modelResult),
  };
  if (r.has("matmul")) {
    const m = r.child("matmul");
    result.matmul = { n: m.number("n"), seconds: m.numbers("seconds"), bestGflops: m.number("bestGflops"), medianGflops: m.number("medianGflops") };
  }
  return result;
}
