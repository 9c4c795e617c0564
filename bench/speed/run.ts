/**
 * One bench run: kdlab's side, then each Python peer in each of its
 * configurations (peer-runs.ts), each in its own child process, all with the
 * same models, batch sizes, input sizes and thread counts; then the
 * distillation and data-pipeline parts (in this process) and the memory part
 * (a child again). Where oneDNN has bf16 kernels here, kdlab-compiled and
 * each peer are timed in bf16 mixed precision too (unless `bf16: false`).
 * Returns the result (schema.ts); files.ts writes it.
 */
import * as path from "node:path";
import * as tf from "@tensorflow/tfjs";
import { initBackend } from "../../lib/runtime/backend";
import { measureDistillOverhead } from "./distill-overhead";
import { ensureChestSet } from "../common/chest-set";
import { loadAverage, loadNote, machineInfo } from "../common/machine";
import { speedDriftNote } from "./drift";
import { measureTrainingMemory } from "../memory/measure";
import { benchPeers } from "./peer-runs";
import { compareWithTraining, measurePipelineRate } from "./pipeline-rate";
import { ParamCount } from "../common/network";
import { runWorker, threadEnv } from "../common/worker";
import type { KdlabWorkerRequest } from "./kdlab-worker";
import { BenchPart, BenchResult, kdlabSideResultSchema, PEER_FRAMEWORKS, PeerFramework } from "./schema";
import { BenchSettings, settingsRecord } from "./settings";
import { bf16Unavailable } from "../../lib/runtime/precision";
import { isKdlabFramework } from "../common/framework";
import { benchVariants, KdlabVariant } from "../common/variants";

export interface BenchRunOptions {
  settings: BenchSettings;
  parts: readonly BenchPart[];
  /** kdlab train steps to time (default benchVariants: float32, and bf16 where it runs here). */
  variants?: readonly KdlabVariant[];
  /** Time the bf16 rows where oneDNN has bf16 kernels (default true); ignored when `variants` is given. */
  bf16?: boolean;
  /** Peers to run (default keras and torch). */
  peers?: readonly PeerFramework[];
  /** The command line, recorded in the result. */
  command: string;
  log?: (line: string) => void;
}

/** kdlab's side runs in its own process, as each peer does. */
const KDLAB_WORKER = path.join(__dirname, "kdlab-worker.ts");

/** The model the pipeline's rate is compared against: the DenseNet121 head. */
const PIPELINE_REFERENCE_MODEL = "pneumonia-teacher-model2";
/** The model the memory part trains: the MobileNetV2 student. */
const MEMORY_MODEL = "pneumonia-student-model2";

/** Achieved training GFLOP/s and its share of the framework's attainable matmul rate (each kdlab variant's on its own path). */
function addFlopShares(result: BenchResult): void {
  for (const row of result.throughput) {
    const flops = result.flops.find((f) => f.model === row.model);
    if (!flops) continue;
    row.achievedGflops = flops.trainGflops * row.imagesPerSec;
    const peak = result.matmul.find((m) => m.framework === row.framework);
    if (peak) row.shareOfPeak = row.achievedGflops / peak.bestGflops;
  }
}

export async function runBench(options: BenchRunOptions): Promise<BenchResult> {
  const { settings, parts } = options;
  const peers = options.peers ?? PEER_FRAMEWORKS;
  const log = options.log ?? (() => undefined);
  const started = performance.now();
  const startedAt = new Date();
  const loadAtStart = loadAverage();
  const backend = await initBackend();
  // After the backend is up: kdlab's oneDNN setting (an AVX cap) can remove the bf16 kernels a CPU has.
  const variants = options.variants ?? benchVariants(options.bf16 ?? true);
  const bf16 = variants.some((v) => v.precision !== "float32");
  if (backend.kind === "js") throw new Error("bench: native TensorFlow is not available (pure-JS fallback); run `npm run setup`");
  if (backend.threads !== settings.threads) {
    throw new Error(`bench: TensorFlow in this process already runs ${backend.threads} intra-op threads, the bench wants ${settings.threads}; set TF_NUM_INTRAOP_THREADS before TensorFlow loads`);
  }
  log(backend.line);
  const result: BenchResult = {
    date: startedAt.toISOString().slice(0, 10),
    startedAt: startedAt.toISOString(),
    totalSeconds: 0,
    command: options.command,
    parts: [...parts],
    machine: machineInfo(),
    versions: { node: process.version, tfjs: tf.version.tfjs, "tensorflow (tfjs-node)": backend.tfVersion },
    backend: backend.line,
    // The kdlab worker and the memory worker get these thread counts (threadEnv) and check them when TensorFlow loads.
    threads: Object.fromEntries(variants.map((v) => [v.framework, { intraOp: settings.threads, interOp: settings.threads }])),
    settings: settingsRecord(settings),
    params: [],
    flops: [],
    throughput: [],
    inference: [],
    matmul: [],
    notes: [],
  };

  const workerEnv = threadEnv(settings.threads);
  const counts = new Map<string, ParamCount>();
  const timesModels = parts.some((p) => p === "train" || p === "inference" || p === "matmul");
  if (timesModels) {
    log(`kdlab: starting kdlab's side (bench/speed/kdlab-worker.ts, its own process)`);
    const request: KdlabWorkerRequest = { settings, parts: [...parts], variants: variants.map((v) => v.framework) };
    const kdlab = await runWorker(KDLAB_WORKER, request, kdlabSideResultSchema, { env: workerEnv, log, logPrefix: "kdlab: ", label: "kdlab worker" });
    for (const { model, ...params } of kdlab.params) {
      counts.set(model, params);
      result.params.push({ model, framework: "kdlab", ...params });
    }
    result.flops.push(...kdlab.flops);
    result.throughput.push(...kdlab.throughput);
    result.inference.push(...kdlab.inference);
    result.matmul.push(...kdlab.matmul);
  }

  const peerPeaks = timesModels
    ? await benchPeers(result, { settings, parts, counts, peers, env: process.env, kdlabOneDnn: backend.oneDnn, peakModel: MEMORY_MODEL, bf16, log })
    : [];
  const noBf16 = bf16Unavailable();
  if (timesModels && !options.variants && noBf16) result.notes.push(`No bf16 rows: ${noBf16}.`);
  addFlopShares(result);

  if (parts.includes("distill")) {
    log(`kdlab: distillation overhead (${settings.distill.images} CIFAR images, ${settings.distill.rounds} rounds)`);
    result.distillation = await measureDistillOverhead({ ...settings.distill, log });
  }
  if (parts.includes("pipeline") || parts.includes("memory")) {
    const needed = Math.max(parts.includes("pipeline") ? settings.pipeline.images : 0, parts.includes("memory") ? settings.memory.images : 0);
    const set = await ensureChestSet(needed, settings.pipeline.sourceSize, log);
    if (set.generatedSeconds > 0) result.notes.push(`The ${set.samples.length}-image chest X-ray set was generated in this run (${set.generatedSeconds.toFixed(0)} s, included in the total); later runs reuse it.`);
    if (parts.includes("pipeline")) {
      const { size } = settings.pipeline;
      log(`kdlab: data pipeline, ${settings.pipeline.images} images at ${size}×${size}`);
      const rate = await measurePipelineRate(set, { images: settings.pipeline.images, size, batch: settings.pipeline.batch, prefetch: settings.pipeline.prefetch, seed: settings.seed });
      // Compared only with training at the same input size.
      const kdlabRates = result.throughput.filter((r) => r.model === PIPELINE_REFERENCE_MODEL && r.inputSize === size && isKdlabFramework(r.framework)).map((r) => r.imagesPerSec);
      result.pipeline = compareWithTraining(rate, kdlabRates.length > 0 ? Math.max(...kdlabRates) : undefined);
    }
    if (parts.includes("memory")) {
      const m = settings.memory;
      const variant = variants.find((v) => v.trainerDefault) ?? variants[0];
      log(`kdlab: peak RSS training ${MEMORY_MODEL} (${variant.framework}) on ${m.images} streamed images at ${m.size}×${m.size} (child process)`);
      result.memory = await measureTrainingMemory(
        { dir: set.dir, images: m.images, size: m.size, batch: m.batch, trainSteps: m.trainSteps, prefetch: settings.pipeline.prefetch, seed: settings.seed, model: MEMORY_MODEL, framework: variant.framework },
        workerEnv,
        log,
      );
      if (peerPeaks.length > 0 && settings.models.some((s) => s.model === MEMORY_MODEL && s.inputSize === m.size && s.batch === m.batch)) result.memory.peers = peerPeaks;
    }
  }
  if (settings.mode === "quick") result.notes.push(`Quick mode: fewer steps, the 224 models at ${settings.pipeline.size}×${settings.pipeline.size} on every framework (the pipeline and memory parts at that size too), inference timed on kdlab only; not the numbers to quote.`);
  result.notes.push(loadNote(loadAtStart, loadAverage(), result.machine.cores));
  const drift = speedDriftNote(result.matmul);
  if (drift) result.notes.push(drift);
  result.totalSeconds = (performance.now() - started) / 1000;
  return result;
}
