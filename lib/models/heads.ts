/**
 * The study's heads on the pneumonia backbones. Each builder takes a backbone
 * built without its top (a 4-D feature map output), adds the head on that
 * output and returns one flat tf.LayersModel (the backbone's own layers plus
 * the head's, so layer names and Keras weight loading stay as in the
 * backbone) whose output is logits.
 *
 * - Model 1: pretrained backbone frozen (its BatchNormalization layers then
 *   run in inference mode, as in Keras) → global average pool → [optional
 *   hidden Dense + ReLU] → Dense(classes).
 * - Model 2 teacher (DenseNet121 features, 7×7×1024 at 224): Dropout →
 *   Conv 512 3×3 same + ReLU → MaxPool 7×7 stride 1 → Flatten → Dense 64 →
 *   Dense(classes). The study's PyTorch head has no activation between its
 *   two Linear layers; `hiddenActivation` can add one.
 * - Model 2 student (MobileNetV2 features): global average pool → Dense 512
 *   ReLU → Dense(classes).
 * - Final stage: the same heads with dropout rate and L2 weight decay settable
 *   (defaults in FINAL_HEAD_DEFAULTS).
 *
 * Head layers are named head_* and "logits", so they never collide with
 * Keras's backbone names.
 */
import * as tf from "@tensorflow/tfjs";
import { spatialSize } from "./backbone";
import { DEFAULT_SEED, LayerSeeds, weightDecayRegularizer } from "./seeds";

type S = tf.SymbolicTensor;

export interface HeadOptions {
  /** Output classes; default 2 (normal, pneumonia). */
  classes?: number;
  /** Base seed of the head's initial weights. */
  seed?: number;
  /** PyTorch-style weight decay on the head's kernels; default none. */
  weightDecay?: number;
  /** Model name. */
  name?: string;
}

export interface Model1Options extends HeadOptions {
  /** Units of an optional hidden Dense + ReLU before the output; default none (one Dense layer). */
  hiddenUnits?: number;
  /** Keep the backbone frozen (the study's Model 1); default true. */
  freezeBackbone?: boolean;
}

export interface TeacherHeadOptions extends HeadOptions {
  /** Dropout rate on the backbone's features; default 0.5 (the study's). */
  dropout?: number;
  /** Activation after Dense 64; default "linear" as in the study. */
  hiddenActivation?: "linear" | "relu";
}

export interface StudentHeadOptions extends HeadOptions {
  /** Dropout rate after pooling and after Dense 512; default 0 (Model 2 has none). */
  dropout?: number;
}

/** The study's final stage: stage 3 plus dropout and weight decay. */
export const FINAL_HEAD_DEFAULTS = { teacherDropout: 0.5, studentDropout: 0.3, weightDecay: 1e-4 } as const;

/** The largest max-pool window of the teacher head: 7×7, DenseNet121's map at 224×224. */
export const TEACHER_POOL_SIZE = 7;

const HEAD_SEED_SALT = 104729;

class HeadBuilder {
  readonly seeds: LayerSeeds;
  private readonly regularizer: ReturnType<typeof weightDecayRegularizer>;

  constructor(options: HeadOptions) {
    // Salted so a head and its backbone built with one seed draw different streams.
    this.seeds = new LayerSeeds((options.seed ?? DEFAULT_SEED) + HEAD_SEED_SALT);
    this.regularizer = weightDecayRegularizer(options.weightDecay);
  }

  dense(x: S, units: number, name: string, activation: "linear" | "relu" = "linear"): S {
    return tf.layers
      .dense({ units, activation, name, kernelInitializer: this.seeds.glorotUniform(), kernelRegularizer: this.regularizer })
      .apply(x) as S;
  }

  conv(x: S, filters: number, kernelSize: number, name: string): S {
    return tf.layers
      .conv2d({ filters, kernelSize, padding: "same", activation: "relu", name, kernelInitializer: this.seeds.glorotUniform(), kernelRegularizer: this.regularizer })
      .apply(x) as S;
  }

  /** Dropout masks are not seeded: tfjs-layers would reuse one seed, so the same units at every step. */
  dropout(x: S, rate: number | undefined, name: string): S {
    return rate ? (tf.layers.dropout({ rate, name }).apply(x) as S) : x;
  }

  globalAveragePool(x: S): S {
    return tf.layers.globalAveragePooling2d({ name: "head_gap" }).apply(x) as S;
  }
}

function featureMap(backbone: tf.LayersModel, head: string): S {
  if (backbone.outputs.length !== 1 || backbone.outputs[0].rank !== 4) {
    throw new Error(`${head} needs a backbone without its top (one 4-D feature map output); ${backbone.name} outputs [${backbone.outputs.map((o) => `[${o.shape.join(", ")}]`).join(", ")}]`);
  }
  return backbone.outputs[0];
}

function assemble(backbone: tf.LayersModel, logits: S, name: string): tf.LayersModel {
  return tf.model({ inputs: backbone.inputs, outputs: logits, name });
}

/** Marks every backbone layer non-trainable (kerasBatchNorm layers then use their moving statistics). */
export function freezeLayers(model: tf.LayersModel): void {
  for (const layer of model.layers) layer.trainable = false;
}

/** Stage 2 (Model 1): frozen backbone → global average pool → [hidden Dense ReLU] → Dense(classes). */
export function model1Head(backbone: tf.LayersModel, options: Model1Options = {}): tf.LayersModel {
  const features = featureMap(backbone, "model1Head");
  if (options.freezeBackbone ?? true) freezeLayers(backbone);
  const b = new HeadBuilder(options);
  let x = b.globalAveragePool(features);
  if (options.hiddenUnits) x = b.dense(x, options.hiddenUnits, "head_fc1", "relu");
  return assemble(backbone, b.dense(x, options.classes ?? 2, "logits"), options.name ?? `${backbone.name}_model1`);
}

/**
 * Stage 3 teacher head (and the final stage's with its options).
 *
 * The 7×7 stride-1 max pool turns DenseNet121's 7×7 map at 224×224 into
 * 1×1×512. At other sizes the window is min(7, map size) per axis, so a
 * smaller input (map under 7×7) still pools to 1×1, and a larger one (map over
 * 7×7) leaves (h−6)×(w−6)×512, which Flatten passes on: Dense 64 then has
 * more inputs than the study's 512.
 */
export function teacherHead(backbone: tf.LayersModel, options: TeacherHeadOptions = {}): tf.LayersModel {
  const features = featureMap(backbone, "teacherHead");
  const b = new HeadBuilder(options);
  let x = b.dropout(features, options.dropout ?? 0.5, "head_dropout");
  x = b.conv(x, 512, 3, "head_conv");
  const [h, w] = spatialSize(x);
  const poolSize: [number, number] = [Math.min(TEACHER_POOL_SIZE, h), Math.min(TEACHER_POOL_SIZE, w)];
  x = tf.layers.maxPooling2d({ poolSize, strides: 1, padding: "valid", name: "head_pool" }).apply(x) as S;
  x = tf.layers.flatten({ name: "head_flatten" }).apply(x) as S;
  x = b.dense(x, 64, "head_fc1", options.hiddenActivation ?? "linear");
  return assemble(backbone, b.dense(x, options.classes ?? 2, "logits"), options.name ?? `${backbone.name}_teacher`);
}

/** Stage 3 student head (and the final stage's with its options): global average pool → Dense 512 ReLU → Dense(classes). */
export function studentHead(backbone: tf.LayersModel, options: StudentHeadOptions = {}): tf.LayersModel {
  const features = featureMap(backbone, "studentHead");
  const b = new HeadBuilder(options);
  let x = b.globalAveragePool(features);
  x = b.dropout(x, options.dropout, "head_dropout1");
  x = b.dense(x, 512, "head_fc1", "relu");
  x = b.dropout(x, options.dropout, "head_dropout2");
  return assemble(backbone, b.dense(x, options.classes ?? 2, "logits"), options.name ?? `${backbone.name}_student`);
}
