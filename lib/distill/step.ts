/**
 * The train step — forward, loss, gradients, update — as one replaceable unit.
 * The trainer only sees `TrainStep`; today's implementation is eager tfjs
 * (`EagerTrainStep`), a compiled TensorFlow graph can take its place later
 * through `TrainerConfig.createStep` without the trainer changing.
 *
 * Weight decay is coupled L2: (weightDecay / 2) · Σ‖W‖² over the kernels
 * (weights named `…kernel`, not biases or BatchNorm parameters) is added to
 * the loss, so its gradient is weightDecay · W — the same update as PyTorch's
 * SGD(weight_decay=…). Regularizers attached to layers (kernelRegularizer) are
 * added as well: use one or the other, not both.
 */
import * as tf from "@tensorflow/tfjs";
import { StepBatch } from "./batch";
import { distillationLoss } from "./loss";
import { OptimizerConfig, setLearningRate } from "./optimizers";
import { withSeededMathRandom } from "./random";

export interface StepOptions {
  learningRate: number;
  /** Seeds this step's randomness (dropout masks). */
  seed: number;
}

export interface StepResult {
  /** Total loss of the batch (including weight decay), as minimised. */
  loss: number;
  /** Samples whose argmax logit equals the label. */
  correct: number;
  count: number;
}

export interface TrainStep {
  /** What runs the step, for the trainer's first output line. */
  readonly description: string;
  run(batch: StepBatch, options: StepOptions): Promise<StepResult>;
  /** Steps that keep their own copy of the weights (compiled) write them back into the tfjs model, and with `optimizer` the optimizer's slots too. */
  syncToModel?(options: { optimizer: boolean }): Promise<void>;
  dispose(): void;
}

export interface TrainStepSpec {
  model: tf.LayersModel;
  optimizer: tf.Optimizer;
  /** Hard-label weight α; 1 trains the model alone. */
  alpha: number;
  temperature: number;
  classWeights?: readonly number[];
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

export class EagerTrainStep implements TrainStep {
  readonly description = "eager tfjs (one TensorFlow op at a time)";
  private readonly variables: tf.Variable[];
  private readonly kernels: tf.Variable[];

  constructor(private readonly spec: TrainStepSpec) {
    this.variables = spec.model.trainableWeights.map((w) => w.read() as tf.Variable);
    if (this.variables.length === 0) throw new Error(`model ${spec.model.name} has no trainable weights`);
    const decay = spec.weightDecay ?? 0;
    if (!(decay >= 0) || !Number.isFinite(decay)) throw new Error(`weightDecay must be ≥ 0, got ${decay}`);
    this.kernels = decay > 0 ? spec.model.trainableWeights.filter((w) => isKernel(w.originalName)).map((w) => w.read() as tf.Variable) : [];
  }

  async run(batch: StepBatch, options: StepOptions): Promise<StepResult> {
    const { model, optimizer, alpha, temperature, classWeights, weightDecay } = this.spec;
    setLearningRate(optimizer, options.learningRate);
    let correct: tf.Scalar | undefined;
    const loss = withSeededMathRandom(options.seed, () => {
      const { value, grads } = tf.variableGrads(() => {
        const logits = model.apply(batch.xs, { training: true }) as tf.Tensor2D;
        const terms: tf.Scalar[] = [
          distillationLoss({ studentLogits: logits, teacherLogits: batch.teacherLogits, labels: batch.labels, temperature, alpha, classWeights }),
          ...model.calculateLosses(),
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
    const [lossValue, correctValue] = await Promise.all([loss.data(), counted.data()]);
    tf.dispose([loss, counted]);
    return { loss: lossValue[0], correct: correctValue[0], count: batch.labels.shape[0] };
  }

  dispose(): void {
    // The model and optimizer belong to the caller.
  }
}

export const createEagerTrainStep: TrainStepFactory = (spec) => new EagerTrainStep(spec);
