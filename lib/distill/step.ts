/**
 * The train step — forward, loss, gradients, update — as one replaceable
 * unit. The trainer only sees `TrainStep`; two implementations exist: this
 * file's `EagerTrainStep` (tfjs, op by op) and the compiled TensorFlow graph
 * of compiled/step.ts, chosen by TrainerConfig.step.
 *
 * The loss is the objective (objective.ts), the same code in both steps: the
 * (optionally class-weighted) hard-label cross-entropy at the spec's
 * hardLabelWeight plus, when the spec has a distillation method
 * (lib/distill/methods), the method's named terms — they read the student's
 * logits and tapped layers, the teacher's outputs from the batch, and may
 * use extra trainable parts (FitNets' regressor), which the step trains with
 * the model. A step reports each term's value with the loss.
 *
 * Weight decay is coupled L2: (weightDecay / 2) · Σ‖W‖² over the kernels
 * (weights named `…kernel`, not biases or BatchNorm parameters) is added to
 * the loss, so its gradient is weightDecay · W — the same update as PyTorch's
 * SGD(weight_decay=…). Regularizers attached to layers (kernelRegularizer) are
 * added as well: use one or the other, not both.
 */
import * as tf from "@tensorflow/tfjs";
import { StepBatch } from "./batch";
import type { DistillationMethod } from "./methods/method";
import { eagerObjective } from "./objective";
import { layerOf } from "./methods/method";
import { OptimizerConfig, setLearningRate } from "./optimizers";
import { withSeededMathRandom } from "./random";

export interface StepOptions {
  learningRate: number;
  /** Seeds this step's randomness (dropout masks). */
  seed: number;
  /** 0-based epoch (a method's warm-up); default 0. */
  epoch?: number;
}

export interface StepResult {
  /** Total loss of the batch (including weight decay), as minimised. */
  loss: number;
  /** Samples whose argmax logit equals the label. */
  correct: number;
  count: number;
  /** The objective's terms for the batch, each as it entered the loss (objective.ts: "ce", then the method's). */
  terms?: Readonly<Record<string, number>>;
}

export interface TrainStep {
  /** What runs the step, for the trainer's first output line. */
  readonly description: string;
  run(batch: StepBatch, options: StepOptions): Promise<StepResult>;
  /** Steps that keep their own copy of the weights (compiled) write them back into the tfjs model (and the method's parts), and with `optimizer` the optimizer's slots too. */
  syncToModel?(options: { optimizer: boolean }): Promise<void>;
  dispose(): void;
}

export interface TrainStepSpec {
  model: tf.LayersModel;
  optimizer: tf.Optimizer;
  /** The distillation method; absent: the model trains alone on cross-entropy. */
  method?: DistillationMethod;
  /** The frozen teacher the method distils from (the compiled step reads its tapped layers' shapes). */
  teacher?: tf.LayersModel;
  classWeights?: readonly number[];
  /** The hard-label cross-entropy's weight; default the method's (1 without one). */
  hardLabelWeight?: number;
  weightDecay?: number;
  /** The optimizer's settings; a compiled step builds its own update ops from them. */
  optimizerConfig?: OptimizerConfig;
}

export type TrainStepFactory = (spec: TrainStepSpec) => TrainStep;

/** Kernels only: biases, BatchNorm scales/shifts and moving statistics are not decayed. */
export function isKernel(variableName: string): boolean {
  return /kernel(_\d+)?$/.test(variableName);
}

/** (weightDecay / 2) · Σ‖W‖² over the given kernels. */
export function l2Penalty(kernels: readonly tf.Variable[], weightDecay: number): tf.Scalar {
  return tf.tidy(() => tf.mul(tf.addN(kernels.map((k) => tf.sum(tf.square(k)))), weightDecay / 2) as tf.Scalar);
}

/** What a step optimises, in the optimizer's order: the model's trainable weights, then each method part's. */
export function trainedWeights(spec: Pick<TrainStepSpec, "model" | "method">): tf.LayerVariable[] {
  return [spec.model, ...(spec.method?.parts ?? [])].flatMap((m) => m.trainableWeights);
}

/** The model with its logits and the method's student taps as outputs (shared weights), or the model itself when nothing is tapped. */
export function tappedModel(model: tf.LayersModel, method: DistillationMethod | undefined, role: "student" | "teacher"): tf.LayersModel {
  const names = method ? method.taps[role] : [];
  if (names.length === 0) return model;
  const outputs = names.map((name) => layerOf(model, name, role, method?.name ?? "distillation").output as tf.SymbolicTensor);
  return tf.model({ inputs: model.inputs, outputs: [model.outputs[0], ...outputs], name: `${model.name}_tapped` });
}

export class EagerTrainStep implements TrainStep {
  readonly description = "eager tfjs (one TensorFlow op at a time)";
  private readonly variables: tf.Variable[];
  private readonly kernels: tf.Variable[];
  private readonly forward: tf.LayersModel;

  constructor(private readonly spec: TrainStepSpec) {
    const weights = trainedWeights(spec);
    this.variables = weights.map((w) => w.read() as tf.Variable);
    if (this.variables.length === 0) throw new Error(`model ${spec.model.name} has no trainable weights`);
    const decay = spec.weightDecay ?? 0;
    if (!(decay >= 0) || !Number.isFinite(decay)) throw new Error(`weightDecay must be ≥ 0, got ${decay}`);
    this.kernels = decay > 0 ? weights.filter((w) => isKernel(w.originalName)).map((w) => w.read() as tf.Variable) : [];
    this.forward = tappedModel(spec.model, spec.method, "student");
  }

  async run(batch: StepBatch, options: StepOptions): Promise<StepResult> {
    const { model, optimizer, method, classWeights, weightDecay, hardLabelWeight } = this.spec;
    setLearningRate(optimizer, options.learningRate);
    if (method && !batch.teacherLogits) throw new Error(`eager step: distillation method ${method.name} needs the batch's teacher logits`);
    let correct: tf.Scalar | undefined;
    let termTensors: Record<string, tf.Scalar> = {};
    const loss = withSeededMathRandom(options.seed, () => {
      const { value, grads } = tf.variableGrads(() => {
        const outputs = this.forward.apply(batch.xs, { training: true });
        const [logits, ...studentFeatures] = (Array.isArray(outputs) ? outputs : [outputs]) as [tf.Tensor2D, ...tf.Tensor[]];
        const objective = eagerObjective(method, { studentLogits: logits, teacherLogits: batch.teacherLogits, studentFeatures, teacherFeatures: batch.teacherFeatures ?? [], labels: batch.labels, classWeights, epoch: options.epoch ?? 0 }, hardLabelWeight);
        termTensors = Object.fromEntries(Object.entries(objective.terms).map(([name, term]) => [name, tf.keep(term)]));
        const terms: tf.Scalar[] = [
          objective.total,
          ...model.calculateLosses(),
          ...(method?.parts ?? []).flatMap((part) => part.calculateLosses()),
        ];
        if (this.kernels.length > 0 && weightDecay) terms.push(l2Penalty(this.kernels, weightDecay));
        correct = tf.keep(tf.sum(tf.cast(tf.equal(tf.argMax(logits, 1), batch.labels), "float32")) as tf.Scalar);
        return terms.length === 1 ? terms[0] : (tf.addN(terms) as tf.Scalar);
      }, this.variables);
      optimizer.applyGradients(grads);
      tf.dispose(grads);
      return value;
    });
    const counted = correct as tf.Scalar;
    const names = Object.keys(termTensors);
    const [lossValue, correctValue, ...termValues] = await Promise.all([loss.data(), counted.data(), ...names.map((name) => termTensors[name].data())]);
    tf.dispose([loss, counted, ...Object.values(termTensors)]);
    return { loss: lossValue[0], correct: correctValue[0], count: batch.labels.shape[0], terms: Object.fromEntries(names.map((name, i) => [name, termValues[i][0]])) };
  }

  dispose(): void {
    // The model, its parts and the optimizer belong to the caller.
  }
}

export const createEagerTrainStep: TrainStepFactory = (spec) => new EagerTrainStep(spec);
