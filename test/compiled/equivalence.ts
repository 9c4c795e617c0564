/**
 * Shared by the compiled-step tests: trains two copies of a model from the
 * same weights on the same batches, one with the eager step and one with
 * the compiled step, and reports how far their losses and updates differ —
 * over a free run (twinRun) or one step at a time from the same state
 * (lockstepRun).
 */
import * as tf from "@tensorflow/tfjs";
import { createOptimizer, disposeOptimizer, OptimizerConfig, optimizerState, replaceOptimizerState } from "../../lib/distill/optimizers";
import { createEagerTrainStep, TrainStep, TrainStepSpec } from "../../lib/distill/step";
import { createMethod, DistillationMethod } from "../../lib/distill/methods/index";
import { CompiledTrainStep, createCompiledTrainStep } from "../../lib/distill/compiled/step";

/** Hinton KD at the options' α and T when α < 1 (distillation), else none (the model alone). */
function methodFor(model: tf.LayersModel, options: TwinRunOptions): DistillationMethod | undefined {
  if (options.alpha === undefined || options.alpha >= 1) return undefined;
  return createMethod("kd", { alpha: options.alpha, temperature: options.temperature ?? 1 }, { teacher: model, student: model, numClasses: model.outputs[0].shape[1] as number, seed: 1 });
}

export interface TwinRunOptions {
  build: () => tf.LayersModel | Promise<tf.LayersModel>;
  steps: number;
  batchSize: number;
  optimizer: OptimizerConfig;
  alpha?: number;
  temperature?: number;
  classWeights?: number[];
  weightDecay?: number;
  learningRate?: (step: number) => number;
  seed?: number;
}

export interface TwinRunResult {
  eagerLosses: number[];
  compiledLosses: number[];
  eagerCorrect: number[];
  compiledCorrect: number[];
  /** ‖D_eager − D_compiled‖₂ / ‖D_eager‖₂ over all trainable weights, D = final − initial weights (what the run learned). */
  displacementRelativeDiff: number;
  /** The trainable tensor whose displacement differs most, relative to its own, and by how much. */
  worstWeight: string;
  worstWeightRelativeDiff: number;
  /** Per step: |loss_eager − loss_compiled| / max(|loss_eager|, 1e-3). */
  lossRelativeDiffs: number[];
}

/** Fixed random batches: images in [0, 1), labels and teacher logits from a seeded stream. */
export function fixedBatches(model: tf.LayersModel, count: number, batchSize: number, seed: number): { xs: tf.Tensor4D; labels: tf.Tensor1D; teacherLogits: tf.Tensor2D }[] {
  const [, h, w, c] = model.inputs[0].shape as number[];
  const classes = model.outputs[0].shape[1] as number;
  return Array.from({ length: count }, (_, i) => ({
    // Smooth images (4×4 noise upsampled) with a per-sample contrast: samples differ the way real images do, so batch statistics are not all alike.
    xs: tf.tidy(() => {
      const coarse = tf.randomUniform([batchSize, 4, 4, c], -1, 1, "float32", seed + 3 * i);
      const contrast = tf.randomUniform([batchSize, 1, 1, 1], 0.2, 1, "float32", seed + 3 * i + 100);
      return tf.add(tf.mul(tf.image.resizeBilinear(coarse as tf.Tensor4D, [h, w]), contrast), 0.5);
    }) as tf.Tensor4D,
    labels: tf.tidy(() => tf.cast(tf.floor(tf.randomUniform([batchSize], 0, classes - 1e-3, "float32", seed + 3 * i + 1)), "int32")) as tf.Tensor1D,
    teacherLogits: tf.randomNormal([batchSize, classes], 0, 2, "float32", seed + 3 * i + 2) as tf.Tensor2D,
  }));
}

async function train(model: tf.LayersModel, options: TwinRunOptions, create: (spec: TrainStepSpec) => TrainStep, batches: ReturnType<typeof fixedBatches>): Promise<{ losses: number[]; correct: number[] }> {
  const optimizer = createOptimizer(options.optimizer);
  const step = create({ model, optimizer, optimizerConfig: options.optimizer, method: methodFor(model, options), classWeights: options.classWeights, weightDecay: options.weightDecay });
  const losses: number[] = [];
  const correct: number[] = [];
  try {
    for (let i = 0; i < options.steps; i++) {
      const batch = batches[i % batches.length];
      const result = await step.run({ xs: batch.xs, labels: batch.labels, teacherLogits: options.alpha !== undefined && options.alpha < 1 ? batch.teacherLogits : undefined }, { learningRate: options.learningRate?.(i) ?? options.optimizer.lr, seed: 1000 + i });
      losses.push(result.loss);
      correct.push(result.correct);
    }
    await step.syncToModel?.({ optimizer: true });
  } finally {
    step.dispose();
    disposeOptimizer(optimizer);
  }
  return { losses, correct };
}

function relative(a: number, b: number): number {
  return Math.abs(a - b) / Math.max(Math.abs(a), Math.abs(b), 1e-3);
}

/**
 * Compares two updates Δ = after − before: ‖Δa − Δb‖₂ / ‖Δa‖₂ over all
 * tensors together, and per tensor, where a bug in one small tensor (a bias)
 * shows although the pooled norm hides it. A tensor's own update is floored
 * at TENSOR_FLOOR of the whole update: some (BatchNorm betas in MobileNetV2)
 * barely move, and their rounding is no signal.
 */
class UpdateDifference {
  private readonly tensors: { name: string; diff: number; norm: number }[] = [];

  add(name: string, before: Float32Array, afterA: Float32Array, afterB: Float32Array): void {
    let diff = 0;
    let norm = 0;
    for (let j = 0; j < before.length; j++) {
      const da = afterA[j] - before[j];
      diff += (da - (afterB[j] - before[j])) ** 2;
      norm += da ** 2;
    }
    this.tensors.push({ name, diff, norm });
  }

  /** Over all tensors together. */
  relative(): number {
    return ratio(sum(this.tensors.map((t) => t.diff)), sum(this.tensors.map((t) => t.norm)));
  }

  /** The tensor whose update differs most, relative to its own update (floored). */
  worstTensor(): { name: string; relative: number } {
    const floor = TENSOR_FLOOR ** 2 * sum(this.tensors.map((t) => t.norm));
    let worst = { name: "", relative: -1 };
    for (const t of this.tensors) {
      const relative = ratio(t.diff, Math.max(t.norm, floor));
      if (relative > worst.relative) worst = { name: t.name, relative };
    }
    return worst;
  }
}

const TENSOR_FLOOR = 1e-2;

function sum(values: number[]): number {
  return values.reduce((a, b) => a + b, 0);
}

/** √(diff / norm) for sums of squares; 0 where neither side moved. */
function ratio(diff: number, norm: number): number {
  return diff === 0 ? 0 : Math.sqrt(diff) / Math.max(Math.sqrt(norm), 1e-30);
}

async function snapshot(model: tf.LayersModel): Promise<Float32Array[]> {
  return Promise.all(model.weights.map(async (w) => Float32Array.from(await w.read().data())));
}

/** Runs the twin training and compares; both models are disposed. */
export async function twinRun(options: TwinRunOptions): Promise<TwinRunResult> {
  const eagerModel = await options.build();
  const compiledModel = await options.build();
  compiledModel.setWeights(eagerModel.getWeights());
  const batches = fixedBatches(eagerModel, Math.min(options.steps, 5), options.batchSize, options.seed ?? 7);
  try {
    const start = await snapshot(eagerModel);
    const eager = await train(eagerModel, options, createEagerTrainStep, batches);
    const compiled = await train(compiledModel, options, createCompiledTrainStep, batches);
    const [endEager, endCompiled] = [await snapshot(eagerModel), await snapshot(compiledModel)];
    const displacement = new UpdateDifference();
    eagerModel.weights.forEach((w, k) => {
      if (w.trainable) displacement.add(w.originalName, start[k], endEager[k], endCompiled[k]);
    });
    return {
      eagerLosses: eager.losses,
      compiledLosses: compiled.losses,
      eagerCorrect: eager.correct,
      compiledCorrect: compiled.correct,
      displacementRelativeDiff: displacement.relative(),
      worstWeight: displacement.worstTensor().name,
      worstWeightRelativeDiff: displacement.worstTensor().relative,
      lossRelativeDiffs: eager.losses.map((l, i) => relative(l, compiled.losses[i])),
    };
  } finally {
    eagerModel.dispose();
    compiledModel.dispose();
    for (const b of batches) tf.dispose([b.xs, b.labels, b.teacherLogits]);
  }
}

export interface LockstepResult {
  /** Per step: |loss_eager − loss_compiled| / max(|loss_eager|, 1e-3). */
  lossRelativeDiffs: number[];
  /** Per step: ‖Δw_eager − Δw_compiled‖₂ / ‖Δw_eager‖₂ over all trainable weights (Δw: that step's update). */
  updateRelativeDiffs: number[];
  /** Per step: max over trainable tensors of ‖Δw_eager − Δw_compiled‖₂ / ‖Δw_eager‖₂ for that tensor alone, and which tensor. */
  tensorRelativeDiffs: number[];
  worstWeights: string[];
  /** Per step: max over non-trainable weights (moving statistics) of ‖eager − compiled‖₂ / ‖eager‖₂. */
  stateRelativeDiffs: number[];
}

/**
 * Lockstep comparison for networks whose training is chaotic (BatchNorm
 * over a few values at small inputs: a 1e-6 nudge to the weights changes the
 * loss by 10 % within a few steps, eager against eager). Each step starts
 * both steps from the eager model's weights and optimizer slots (copied
 * through syncToModel / loadFromModel, the same path a checkpoint takes) and
 * compares that one step's loss and update.
 */
export async function lockstepRun(options: TwinRunOptions): Promise<LockstepResult> {
  const eagerModel = await options.build();
  const compiledModel = await options.build();
  const batches = fixedBatches(eagerModel, Math.min(options.steps, 5), options.batchSize, options.seed ?? 7);
  const eagerOptimizer = createOptimizer(options.optimizer);
  const compiledOptimizer = createOptimizer(options.optimizer);
  const spec = { optimizerConfig: options.optimizer, method: methodFor(eagerModel, options), classWeights: options.classWeights, weightDecay: options.weightDecay };
  const eager = createEagerTrainStep({ ...spec, model: eagerModel, optimizer: eagerOptimizer });
  const compiled = new CompiledTrainStep({ ...spec, model: compiledModel, optimizer: compiledOptimizer });
  const result: LockstepResult = { lossRelativeDiffs: [], updateRelativeDiffs: [], tensorRelativeDiffs: [], worstWeights: [], stateRelativeDiffs: [] };
  try {
    for (let i = 0; i < options.steps; i++) {
      compiledModel.setWeights(eagerModel.getWeights());
      const shapes = eagerModel.trainableWeights.map((w) => w.shape as number[]);
      await replaceOptimizerState(compiledOptimizer, await optimizerState(eagerOptimizer), shapes, "lockstep");
      await compiled.loadFromModel();
      const before = await snapshot(eagerModel);
      const batch = batches[i % batches.length];
      const stepBatch = { xs: batch.xs, labels: batch.labels, teacherLogits: options.alpha !== undefined && options.alpha < 1 ? batch.teacherLogits : undefined };
      const stepOptions = { learningRate: options.learningRate?.(i) ?? options.optimizer.lr, seed: 1000 + i };
      const e = await eager.run(stepBatch, stepOptions);
      const c = await compiled.run(stepBatch, stepOptions);
      await compiled.syncToModel({ optimizer: false });
      const [afterEager, afterCompiled] = [await snapshot(eagerModel), await snapshot(compiledModel)];
      const update = new UpdateDifference();
      let stateWorst = 0;
      eagerModel.weights.forEach((w, k) => {
        if (w.trainable) {
          update.add(w.originalName, before[k], afterEager[k], afterCompiled[k]);
        } else {
          let diff = 0;
          let norm = 0;
          for (let j = 0; j < before[k].length; j++) {
            diff += (afterEager[k][j] - afterCompiled[k][j]) ** 2;
            norm += afterEager[k][j] ** 2;
          }
          stateWorst = Math.max(stateWorst, Math.sqrt(diff) / Math.max(Math.sqrt(norm), 1e-6));
        }
      });
      result.lossRelativeDiffs.push(relative(e.loss, c.loss));
      result.updateRelativeDiffs.push(update.relative());
      result.tensorRelativeDiffs.push(update.worstTensor().relative);
      result.worstWeights.push(update.worstTensor().name);
      result.stateRelativeDiffs.push(stateWorst);
    }
  } finally {
    eager.dispose();
    compiled.dispose();
    disposeOptimizer(eagerOptimizer);
    disposeOptimizer(compiledOptimizer);
    eagerModel.dispose();
    compiledModel.dispose();
    for (const b of batches) tf.dispose([b.xs, b.labels, b.teacherLogits]);
  }
  return result;
}
