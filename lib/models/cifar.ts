/**
 * The study's CIFAR-10 networks (32×32×3 in [0, 1], logits out).
 *
 * Teacher — 10 convolutions, 1 pooling layer, Dense 256, 10-way output:
 *   conv1  32 3×3 s1 same ReLU   32×32×32
 *   conv2  32 3×3 s1 same ReLU   32×32×32
 *   conv3  64 3×3 s2 same ReLU   16×16×64
 *   conv4  64 3×3 s1 same ReLU   16×16×64
 *   conv5  64 3×3 s1 same ReLU   16×16×64
 *   conv6 128 3×3 s2 same ReLU    8×8×128
 *   conv7 128 3×3 s1 same ReLU    8×8×128
 *   conv8 128 3×3 s1 same ReLU    8×8×128
 *   conv9 256 3×3 s2 same ReLU    4×4×256
 *   conv10 256 3×3 s1 same ReLU   4×4×256
 *   pool  max 2×2 s2              2×2×256 → flatten 1024
 *   fc    Dense 256 ReLU → dropout (rate option, default 0) → logits Dense 10
 *
 * Student — 3 convolutions, 1 pooling layer, Dense 256, output:
 *   conv1  32 3×3 s1 same ReLU   32×32×32
 *   conv2  64 3×3 s2 same ReLU   16×16×64
 *   conv3  64 3×3 s2 same ReLU    8×8×64
 *   pool  max 2×2 s2              4×4×64 → flatten 1024
 *   fc    Dense 256 ReLU → logits Dense 10
 *
 * With a single pooling layer, strided convolutions do the rest of the
 * downsampling so the teacher trains at a CPU-friendly cost. Kernels start
 * He-normal, biases zero; `seed` fixes them. The study's nets have no batch
 * norm; `batchNorm` (the cifar-teacher-bn model) puts one between each
 * convolution (then without bias) and its ReLU, the same 10 convolutions.
 */
import * as tf from "@tensorflow/tfjs";
import { LayerSeeds, weightDecayRegularizer } from "./seeds";

type S = tf.SymbolicTensor;

export interface CifarModelOptions {
  /** Base seed of the initial weights; default DEFAULT_SEED. */
  seed?: number;
  /** Output classes; default 10. */
  classes?: number;
  /** [height, width, channels]; default [32, 32, 3]. */
  inputShape?: [number, number, number];
  /** Dropout before the output layer; default 0 (none). */
  dropout?: number;
  /** PyTorch-style weight decay on every kernel; default none. */
  weightDecay?: number;
  /** Convolution → BatchNormalization → ReLU instead of convolution + bias → ReLU; default false. */
  batchNorm?: boolean;
}

/** (filters, stride) per convolution. */
export const CIFAR_TEACHER_CONVS: ReadonlyArray<readonly [number, number]> = [
  [32, 1], [32, 1], [64, 2], [64, 1], [64, 1], [128, 2], [128, 1], [128, 1], [256, 2], [256, 1],
];
export const CIFAR_STUDENT_CONVS: ReadonlyArray<readonly [number, number]> = [[32, 1], [64, 2], [64, 2]];

function convNet(convs: ReadonlyArray<readonly [number, number]>, name: string, options: CifarModelOptions): tf.LayersModel {
  const seeds = new LayerSeeds(options.seed);
  const regularizer = weightDecayRegularizer(options.weightDecay);
  const input = tf.input({ shape: options.inputShape ?? [32, 32, 3], name: "image" });
  let x: S = input;
  convs.forEach(([filters, strides], i) => {
    const name = `conv${i + 1}`;
    if (!options.batchNorm) {
      x = tf.layers.conv2d({ filters, kernelSize: 3, strides, padding: "same", activation: "relu", name, kernelInitializer: seeds.heNormal(), kernelRegularizer: regularizer }).apply(x) as S;
      return;
    }
    x = tf.layers.conv2d({ filters, kernelSize: 3, strides, padding: "same", useBias: false, name, kernelInitializer: seeds.heNormal(), kernelRegularizer: regularizer }).apply(x) as S;
    x = tf.layers.batchNormalization({ name: `${name}_bn` }).apply(x) as S;
    x = tf.layers.activation({ activation: "relu", name: `${name}_relu` }).apply(x) as S;
  });
  x = tf.layers.maxPooling2d({ poolSize: 2, strides: 2, name: "pool" }).apply(x) as S;
  x = tf.layers.flatten({ name: "flatten" }).apply(x) as S;
  x = tf.layers.dense({ units: 256, activation: "relu", name: "fc", kernelInitializer: seeds.heNormal(), kernelRegularizer: regularizer }).apply(x) as S;
  if (options.dropout) x = tf.layers.dropout({ rate: options.dropout, name: "dropout" }).apply(x) as S;
  const logits = tf.layers
    .dense({ units: options.classes ?? 10, name: "logits", kernelInitializer: seeds.glorotUniform(), kernelRegularizer: regularizer })
    .apply(x) as S;
  return tf.model({ inputs: input, outputs: logits, name });
}

/** The CIFAR-10 teacher (layout in the module comment). */
export function cifarTeacher(options: CifarModelOptions = {}): tf.LayersModel {
  return convNet(CIFAR_TEACHER_CONVS, "cifar_teacher", options);
}

/** The CIFAR-10 teacher with batch norm after each convolution (module comment). */
export function cifarTeacherBatchNorm(options: CifarModelOptions = {}): tf.LayersModel {
  return convNet(CIFAR_TEACHER_CONVS, "cifar_teacher_bn", { ...options, batchNorm: true });
}

/** The CIFAR-10 student (layout in the module comment). */
export function cifarStudent(options: CifarModelOptions = {}): tf.LayersModel {
  return convNet(CIFAR_STUDENT_CONVS, "cifar_student", options);
}
