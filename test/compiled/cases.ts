/**
 * The compiled-against-eager comparisons, by name, for equivalence.test.ts
 * and the child process that runs them under one oneDNN setting
 * (equivalence-child.ts). Builders are lazy: importing this loads no weights.
 */
import * as tf from "@tensorflow/tfjs";
import { OptimizerConfig } from "../../lib/distill/optimizers";
import { kerasBatchNorm } from "../../lib/models/batch-norm";
import { cifarStudent } from "../../lib/models/cifar";
import { buildModel } from "../../lib/models/registry";
import { TwinRunOptions } from "./equivalence";

export interface EquivalenceCase {
  label: string;
  /** twin: free run, compare losses and what the run learned; lockstep: every step from the same state. */
  kind: "twin" | "lockstep";
  options: TwinRunOptions;
  /**
   * Only under TensorFlow's reference kernels: nets whose updates differ by
   * 1–9 % per step when eager tfjs and the graph run different oneDNN kernels
   * (fused or not), so only the reference kernels check the graph itself.
   */
  referenceKernelsOnly?: boolean;
}

/** The MobileNetV2 pieces at a size where training is well conditioned (16×16, 8 channels). */
function mobileNetBlock(): tf.LayersModel {
  type S = tf.SymbolicTensor;
  const init = (seed: number) => tf.initializers.glorotUniform({ seed });
  const input = tf.input({ shape: [16, 16, 3] });
  let x = tf.layers.conv2d({ filters: 8, kernelSize: 3, padding: "same", useBias: false, kernelInitializer: init(1) }).apply(input) as S;
  x = kerasBatchNorm({ epsilon: 1e-3, momentum: 0.9 }).apply(x) as S;
  const shortcut = tf.layers.reLU({ maxValue: 6 }).apply(x) as S;
  x = tf.layers.zeroPadding2d({ padding: [[0, 1], [0, 1]] }).apply(shortcut) as S;
  x = tf.layers.depthwiseConv2d({ kernelSize: 3, strides: 2, padding: "valid", useBias: false, depthwiseInitializer: init(2) }).apply(x) as S;
  x = kerasBatchNorm({ epsilon: 1e-3, momentum: 0.9 }).apply(x) as S;
  x = tf.layers.reLU({ maxValue: 6 }).apply(x) as S;
  x = tf.layers.conv2d({ filters: 8, kernelSize: 1, padding: "same", useBias: false, kernelInitializer: init(3) }).apply(x) as S;
  x = kerasBatchNorm({ epsilon: 1e-3, momentum: 0.9 }).apply(x) as S;
  const pooled = tf.layers.averagePooling2d({ poolSize: 2 }).apply(shortcut) as S;
  x = tf.layers.add().apply([x, pooled]) as S;
  x = tf.layers.concatenate().apply([x, pooled]) as S;
  x = tf.layers.globalAveragePooling2d({}).apply(x) as S;
  x = tf.layers.dense({ units: 3, kernelInitializer: init(4) }).apply(x) as S;
  return tf.model({ inputs: input, outputs: x });
}

/**
 * The CIFAR student's layout with tanh and average pooling: no kinks, so in a
 * free run the two steps stay a rounding apart (with ReLU and max pooling an
 * activation that rounds across a kink forks the trajectories).
 */
function smoothStudent(seed: number): tf.LayersModel {
  type S = tf.SymbolicTensor;
  const init = (k: number) => tf.initializers.glorotUniform({ seed: seed * 10 + k });
  const input = tf.input({ shape: [32, 32, 3] });
  let x: S = input;
  ([[32, 1], [64, 2], [64, 2]] as const).forEach(([filters, strides], k) => {
    x = tf.layers.conv2d({ filters, kernelSize: 3, strides, padding: "same", activation: "tanh", kernelInitializer: init(k) }).apply(x) as S;
  });
  x = tf.layers.averagePooling2d({ poolSize: 2 }).apply(x) as S;
  x = tf.layers.flatten().apply(x) as S;
  x = tf.layers.dense({ units: 256, activation: "tanh", kernelInitializer: init(3) }).apply(x) as S;
  x = tf.layers.dense({ units: 10, kernelInitializer: init(4) }).apply(x) as S;
  return tf.model({ inputs: input, outputs: x });
}

const STUDY_SGD: OptimizerConfig = { kind: "sgd", lr: 1e-4, momentum: 0.8 };

const DISTILLED = {
  steps: 20,
  batchSize: 16,
  alpha: 0.5,
  temperature: 4,
  classWeights: [1, 2, 1, 1, 3, 1, 1, 1, 1, 0.5],
  weightDecay: 1e-3,
};

const CASES = {
  "smooth-sgd": {
    label: "kink-free CIFAR student, SGD with momentum: 20 compiled steps track 20 eager steps",
    kind: "twin",
    options: { build: () => smoothStudent(3), steps: 20, batchSize: 16, optimizer: { kind: "sgd", lr: 1e-3, momentum: 0.9 } },
  },
  "smooth-distilled-nesterov": {
    label: "kink-free CIFAR student distilled (α 0.5, T 4, class weights, weight decay, Nesterov SGD, a schedule): 20 steps track",
    kind: "twin",
    options: { ...DISTILLED, build: () => smoothStudent(5), optimizer: { kind: "sgd", lr: 1e-3, momentum: 0.9, nesterov: true }, learningRate: (i) => 1e-3 * (i < 10 ? 1 : 0.5) },
  },
  // Adam divides by √v: weights whose gradients are near zero move by ±lr on rounding noise, so free-running
  // Adam drifts (eager against eager too); each step is compared from the same state instead.
  "cifar-distilled-adam": {
    label: "CIFAR student distilled with Adam: each of 20 steps matches the eager step",
    kind: "lockstep",
    options: { ...DISTILLED, build: () => cifarStudent({ seed: 5 }), optimizer: { kind: "adam", lr: 1e-3 } },
  },
  "mobilenet-block": {
    label: "a MobileNetV2 block (conv, BatchNorm, ReLU6, padded strided depthwise conv, BatchNorm, residual add): each of 20 steps matches",
    kind: "lockstep",
    options: { build: mobileNetBlock, steps: 20, batchSize: 8, optimizer: { kind: "sgd", lr: 0.01, momentum: 0.9 } },
  },
  // The BatchNorm backbones at 32 px from scratch are ill-conditioned (Conv1's gradient norm ≈ 700): a one-ulp
  // difference between two kernels moves an update by a few per cent.
  "mobilenet-32": {
    label: "MobileNetV2 student head (Model 2) at 32 px: each of 20 steps matches (loss, update, moving statistics)",
    kind: "lockstep",
    options: { build: () => buildModel("pneumonia-student-model2", { inputSize: 32 }), steps: 20, batchSize: 8, optimizer: STUDY_SGD },
    referenceKernelsOnly: true,
  },
  "densenet-32": {
    label: "DenseNet121 teacher head (Model 2, no dropout) at 32 px, distillation α 0.5: each of 20 steps matches",
    kind: "lockstep",
    options: { build: () => buildModel("pneumonia-teacher-model2", { inputSize: 32, dropout: 0 }), steps: 20, batchSize: 4, optimizer: STUDY_SGD, alpha: 0.5, temperature: 4 },
    referenceKernelsOnly: true,
  },
} satisfies Record<string, EquivalenceCase>;

export type CaseName = keyof typeof CASES;

export const EQUIVALENCE_CASES: Readonly<Record<CaseName, EquivalenceCase>> = CASES;

export function isCaseName(name: string): name is CaseName {
  return Object.prototype.hasOwnProperty.call(EQUIVALENCE_CASES, name);
}
