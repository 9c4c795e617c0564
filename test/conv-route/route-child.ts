/**
 * Child of routing.test.ts: one model through every path that runs it —
 * eager forward, the compiled predictor, Grad-CAM, the eager train step and
 * the compiled train step — writing what each computed to --results=FILE,
 * so the parent can compare a routed run with an unrouted one and read
 * oneDNN's log of the routed one.
 *
 * Training is compared in lock-step, never after free-running steps alone:
 * three SGD steps on MobileNetV2 at 32 px (BatchNorm over 1×1 and 2×2 maps)
 * amplify a rounding-sized difference chaotically on some CPUs (13–21 % in
 * the loss at step 3 on the Zen 5 VM, identical code). So:
 * - `--trajectory-out=DIR` (the unrouted run): trains each path three steps
 *   and saves every weight before each step and after the last;
 * - `--trajectory-in=DIR` (the routed run): starts each of its steps from
 *   the unrouted run's weights before that step and reports how far its
 *   loss, update (per trainable tensor: the gradient, as SGD has no state)
 *   and moving statistics are from the unrouted step's.
 * Both also report a short free run (two steps from the initial weights).
 *
 * `--model=tiny` swaps MobileNetV2 for a small net whose 1×1 convolutions
 * have biases (the planted-fault runs: a missing bias must show);
 * `--shapes` only lists the model's convolution shapes.
 */
import * as fs from "node:fs";
import * as path from "node:path";
import * as tf from "@tensorflow/tfjs";
import { initBackend } from "../../lib/runtime/backend";
import { buildModel } from "../../lib/models/registry";
import { modelConvShapes } from "../../lib/runtime/conv-model-shapes";
import { prepareModelConvolutions } from "../../lib/runtime/conv-routing";
import { convShapeKey } from "../../lib/runtime/conv-shape";
import { createOptimizer, disposeOptimizer, OptimizerConfig } from "../../lib/distill/optimizers";
import { createEagerTrainStep, TrainStep } from "../../lib/distill/step";
import { CompiledTrainStep } from "../../lib/distill/compiled/step";
import { CompiledPredictor } from "../../lib/distill/compiled/predictor";
import { gradCam } from "../../lib/explain/gradcam";
import { fixedBatches } from "../compiled/equivalence";

/** One routed step against the unrouted step from the same weights. */
export interface LockstepStep {
  /** |loss − unrouted loss| / max(|unrouted loss|, 1e-3). */
  loss: number;
  /** ‖Δw − Δw_unrouted‖₂ / ‖Δw_unrouted‖₂ over all trainable tensors (Δw = −lr·gradient). */
  update: number;
  /** The same per trainable tensor, its own update floored at 1 % of the whole: the worst one, and its name. */
  worstTensor: number;
  worstTensorName: string;
  /**
   * The moving statistics, worst layer: ‖mean − mean_unrouted‖₂ in units of
   * the layer's standard deviation ‖√variance‖₂ (a mean near zero makes its own
   * relative error meaningless), and ‖variance − variance_unrouted‖₂ / ‖variance‖₂.
   */
  state: number;
  worstStateName: string;
}

export interface RouteChildResult {
  backend: string;
  shapes: string[];
  eagerLogits: number[];
  compiledLogits: number[];
  /** Grad-CAM maps (MobileNetV2 only; empty for the tiny net). */
  heatmap: number[];
  /** Two free-running steps from the initial weights, per path. */
  freeLosses: { eager: number[]; compiled: number[] };
  /** With --trajectory-in: each step against the unrouted run's, per path. */
  lockstep?: { eager: LockstepStep[]; compiled: LockstepStep[] };
}

const OPTIMIZER: OptimizerConfig = { kind: "sgd", lr: 0.01 };
const STEPS = 3;
const PATHS = ["eager", "compiled"] as const;
type PathName = (typeof PATHS)[number];

/** Two 1×1 convolutions with random biases (a zero bias would hide a missing one), BatchNorm between, 8×8×6 in, flattened into the logits. */
function tinyNet(): tf.LayersModel {
  const init = (seed: number) => tf.initializers.randomNormal({ mean: 0, stddev: 0.5, seed });
  const input = tf.input({ shape: [8, 8, 6] });
  let x = tf.layers.conv2d({ filters: 10, kernelSize: 1, padding: "same", activation: "relu", kernelInitializer: init(1), biasInitializer: init(2), name: "pw1" }).apply(input) as tf.SymbolicTensor;
  x = tf.layers.batchNormalization({ name: "bn1" }).apply(x) as tf.SymbolicTensor;
  x = tf.layers.conv2d({ filters: 12, kernelSize: 1, padding: "same", activation: "relu", kernelInitializer: init(3), biasInitializer: init(4), name: "pw2" }).apply(x) as tf.SymbolicTensor;
  // Flatten, not global pooling: a pooled net could not see a spatially transposed map (the planted reshape).
  x = tf.layers.flatten({ name: "flatten" }).apply(x) as tf.SymbolicTensor;
  const logits = tf.layers.dense({ units: 2, kernelInitializer: init(5), name: "logits" }).apply(x) as tf.SymbolicTensor;
  return tf.model({ inputs: input, outputs: logits, name: "tiny_pointwise" });
}

/** The model, its convolutions probed up front as every runner of a model asks (building one probes nothing). */
async function build(tiny: boolean): Promise<tf.LayersModel> {
  if (tiny) return tinyNet();
  const model = await buildModel("pneumonia-student-final", { inputSize: 32 });
  prepareModelConvolutions(model, "model pneumonia-student-final");
  return model;
}

type Batches = ReturnType<typeof fixedBatches>;

/** Every weight (trainable and moving statistics), in model.weights order. */
function snapshot(model: tf.LayersModel): Float32Array[] {
  return model.weights.map((w) => Float32Array.from(w.read().dataSync()));
}

function writeWeights(file: string, weights: Float32Array[]): void {
  fs.writeFileSync(file, Buffer.concat(weights.map((w) => Buffer.from(w.buffer, w.byteOffset, w.byteLength))));
}

function readWeights(file: string, model: tf.LayersModel): Float32Array[] {
  const bytes = fs.readFileSync(file);
  const all = new Float32Array(bytes.buffer, bytes.byteOffset, bytes.byteLength / 4);
  let offset = 0;
  return model.weights.map((w) => {
    const size = (w.shape as number[]).reduce((a, b) => a * b, 1);
    const part = all.slice(offset, offset + size);
    offset += size;
    return part;
  });
}

function setWeights(model: tf.LayersModel, weights: Float32Array[]): void {
  const tensors = model.weights.map((w, i) => tf.tensor(weights[i], w.shape as number[]));
  model.setWeights(tensors);
  tf.dispose(tensors);
}

/** A fresh model, optimizer and step of one path; `load` copies the model's weights into a compiled step. */
async function open(tiny: boolean, pathName: PathName): Promise<{ model: tf.LayersModel; step: TrainStep; load: () => Promise<void>; close: () => void }> {
  const model = await build(tiny);
  const optimizer = createOptimizer(OPTIMIZER);
  const spec = { model, optimizer, optimizerConfig: OPTIMIZER };
  const compiled = pathName === "compiled" ? new CompiledTrainStep(spec) : undefined;
  const step = compiled ?? createEagerTrainStep(spec);
  return {
    model,
    step,
    load: async () => compiled?.loadFromModel(),
    close: () => {
      step.dispose();
      disposeOptimizer(optimizer);
      model.dispose();
    },
  };
}

async function runStep(step: TrainStep, batches: Batches, i: number): Promise<number> {
  const batch = batches[i % batches.length];
  return (await step.run({ xs: batch.xs, labels: batch.labels }, { learningRate: OPTIMIZER.lr, seed: 100 + i })).loss;
}

/** Free-running steps from the initial weights; with `saveDir`, the weights before each step and after the last. */
async function freeRun(tiny: boolean, pathName: PathName, batches: Batches, steps: number, saveDir?: string): Promise<number[]> {
  const { model, step, close } = await open(tiny, pathName);
  try {
    const losses: number[] = [];
    for (let i = 0; i < steps; i++) {
      if (saveDir) writeWeights(path.join(saveDir, `${pathName}-${i}.f32`), snapshot(model));
      losses.push(await runStep(step, batches, i));
      await step.syncToModel?.({ optimizer: false });
    }
    if (saveDir) {
      writeWeights(path.join(saveDir, `${pathName}-${steps}.f32`), snapshot(model));
      fs.writeFileSync(path.join(saveDir, `${pathName}-losses.json`), JSON.stringify(losses));
    }
    return losses;
  } finally {
    close();
  }
}

function norm2(values: Float32Array, minus?: Float32Array): number {
  let sum = 0;
  for (let j = 0; j < values.length; j++) sum += (values[j] - (minus ? minus[j] : 0)) ** 2;
  return sum;
}

/** Each step from the unrouted run's weights before it, compared with the unrouted step. */
async function lockstep(tiny: boolean, pathName: PathName, batches: Batches, dir: string): Promise<LockstepStep[]> {
  const { model, step, load, close } = await open(tiny, pathName);
  const unroutedLosses = JSON.parse(fs.readFileSync(path.join(dir, `${pathName}-losses.json`), "utf8")) as number[];
  try {
    const steps: LockstepStep[] = [];
    for (let i = 0; i < STEPS; i++) {
      const before = readWeights(path.join(dir, `${pathName}-${i}.f32`), model);
      const unroutedAfter = readWeights(path.join(dir, `${pathName}-${i + 1}.f32`), model);
      setWeights(model, before);
      await load();
      const loss = await runStep(step, batches, i);
      await step.syncToModel?.({ optimizer: false });
      const after = snapshot(model);
      const tensors: { name: string; diff: number; norm: number }[] = [];
      let state = { name: "", relative: 0 };
      const index = new Map(model.weights.map((w, k) => [w.originalName, k]));
      model.weights.forEach((w, k) => {
        // Δ − Δ_unrouted = after − after_unrouted (the same start).
        const diff = norm2(after[k], unroutedAfter[k]);
        if (w.trainable) {
          tensors.push({ name: w.originalName, diff, norm: norm2(unroutedAfter[k], before[k]) });
          return;
        }
        const variance = index.get(w.originalName.replace(/moving_mean$/, "moving_variance"));
        if (variance === undefined) throw new Error(`route-child: no moving variance beside ${w.originalName}`);
        const scale = w.originalName.endsWith("moving_mean") ? unroutedAfter[variance].reduce((a, v) => a + v, 0) : norm2(unroutedAfter[k]);
        const relative = Math.sqrt(diff / Math.max(scale, 1e-12));
        if (relative > state.relative) state = { name: w.originalName, relative };
      });
      const total = tensors.reduce((a, t) => a + t.norm, 0);
      const floor = 1e-4 * total;
      const worst = tensors.map((t) => ({ name: t.name, relative: Math.sqrt(t.diff / Math.max(t.norm, floor)) })).reduce((a, b) => (b.relative > a.relative ? b : a));
      steps.push({
        loss: Math.abs(loss - unroutedLosses[i]) / Math.max(Math.abs(unroutedLosses[i]), 1e-3),
        update: Math.sqrt(tensors.reduce((a, t) => a + t.diff, 0) / Math.max(total, 1e-30)),
        worstTensor: worst.relative,
        worstTensorName: worst.name,
        state: state.relative,
        worstStateName: state.name,
      });
    }
    return steps;
  } finally {
    close();
  }
}

function flag(name: string): string | undefined {
  return process.argv.find((a) => a.startsWith(`--${name}=`))?.slice(name.length + 3);
}

async function main(): Promise<void> {
  const results = flag("results");
  if (!results) throw new Error("route-child: --results=FILE is required");
  const tiny = flag("model") === "tiny";
  const info = await initBackend();
  const model = await build(tiny);
  const shapes = [...new Set(modelConvShapes(model).map(convShapeKey))];
  if (process.argv.includes("--shapes")) {
    fs.writeFileSync(results, JSON.stringify({ backend: info.line, shapes }));
    return;
  }
  const batches = fixedBatches(model, 2, 16, 5);
  const eagerLogits = Array.from((model.predict(batches[0].xs) as tf.Tensor).dataSync());
  const predictor = new CompiledPredictor(model);
  const compiledLogits = Array.from((await predictor.predict(batches[0].xs)).dataSync());
  predictor.dispose();
  const heatmap = tiny ? [] : Array.from((await gradCam(model, batches[0].xs.slice([0, 0, 0, 0], [2, -1, -1, -1]) as tf.Tensor4D)).heatmaps.dataSync());
  model.dispose();

  const saveDir = flag("trajectory-out");
  const compareDir = flag("trajectory-in");
  const result: RouteChildResult = { backend: info.line, shapes, eagerLogits, compiledLogits, heatmap, freeLosses: { eager: [], compiled: [] } };
  for (const pathName of PATHS) {
    result.freeLosses[pathName] = saveDir ? (await freeRun(tiny, pathName, batches, STEPS, saveDir)).slice(0, 2) : await freeRun(tiny, pathName, batches, 2);
  }
  if (compareDir) result.lockstep = { eager: await lockstep(tiny, "eager", batches, compareDir), compiled: await lockstep(tiny, "compiled", batches, compareDir) };
  fs.writeFileSync(results, JSON.stringify(result));
}

main().catch((error: unknown) => {
  console.error(error);
  process.exitCode = 1;
});
