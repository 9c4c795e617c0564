/**
 * The study's models by name, so an experiment config can name them as data
 * and `kdlab models` can list and describe them.
 */
import * as tf from "@tensorflow/tfjs";
import { prepareModelConvolutions } from "../runtime/conv-routing";
import { cifarStudent, cifarTeacher, cifarTeacherBatchNorm } from "./cifar";
import { denseNet121 } from "./densenet";
import { FINAL_HEAD_DEFAULTS, model1Head, studentHead, teacherHead } from "./heads";
import { loadKerasWeights } from "./keras-weights";
import { mobileNetV2 } from "./mobilenet-v2";
import { densenetPreprocess, identityPreprocess, mobilenetV2Preprocess, Preprocess } from "./preprocessing";

export const MODEL_NAMES = [
  "cifar-teacher",
  "cifar-teacher-bn",
  "cifar-student",
  "densenet121",
  "densenet121-notop",
  "mobilenetv2",
  "mobilenetv2-notop",
  "pneumonia-teacher-model1",
  "pneumonia-student-model1",
  "pneumonia-teacher-model2",
  "pneumonia-student-model2",
  "pneumonia-teacher-final",
  "pneumonia-student-final",
] as const;

export type ModelName = (typeof MODEL_NAMES)[number];

export interface ModelBuildOptions {
  /** Base seed of the initial weights; same seed → same weights. */
  seed?: number;
  /** Square input side; each model's study size by default (32 for CIFAR, 224 otherwise). */
  inputSize?: number;
  /** Output classes; the study's by default (10 for CIFAR, 2 for pneumonia, 1000 for the ImageNet tops). */
  classes?: number;
  /** Dropout rate of the head, where it has one. */
  dropout?: number;
  /** PyTorch-style weight decay (see weightDecayRegularizer). */
  weightDecay?: number;
  /** A Keras `.h5` file (e.g. the ImageNet notop weights) loaded into the backbone before the head is added; pneumonia models only. */
  backboneWeights?: string;
}

type Backbone = "densenet121" | "mobilenetv2";

export interface ModelEntry {
  name: ModelName;
  description: string;
  /** The side of the square input the study uses. */
  inputSize: number;
  /** What turns [0, 1] images into this model's input. */
  preprocess: Preprocess;
  /** The pneumonia models' backbone, which `backboneWeights` loads into. */
  backbone?: Backbone;
  build(options?: ModelBuildOptions): tf.LayersModel;
}

const PREPROCESS: Record<Backbone, Preprocess> = { densenet121: densenetPreprocess, mobilenetv2: mobilenetV2Preprocess };

function buildBackbone(backbone: Backbone, o: ModelBuildOptions, weightDecay: number | undefined, includeTop = false): tf.LayersModel {
  const options = { includeTop, inputShape: square(o, 224), seed: o.seed, classes: includeTop ? o.classes : undefined, weightDecay };
  return backbone === "densenet121" ? denseNet121(options) : mobileNetV2(options);
}

function backboneEntry(name: ModelName, backbone: Backbone, includeTop: boolean, description: string): ModelEntry {
  return { name, description, inputSize: 224, preprocess: PREPROCESS[backbone], build: (o = {}) => buildBackbone(backbone, o, o.weightDecay, includeTop) };
}

type Head = (backbone: tf.LayersModel, o: ModelBuildOptions) => tf.LayersModel;

/** Head builders of the pneumonia entries, kept apart so buildModel can load weights between backbone and head. */
const HEADS: Partial<Record<ModelName, { backbone: Backbone; head: Head; backboneWeightDecay?: (o: ModelBuildOptions) => number | undefined }>> = {
  "pneumonia-teacher-model1": { backbone: "densenet121", head: (b, o) => model1Head(b, { seed: o.seed, classes: o.classes }) },
  "pneumonia-student-model1": { backbone: "mobilenetv2", head: (b, o) => model1Head(b, { seed: o.seed, classes: o.classes }) },
  "pneumonia-teacher-model2": {
    backbone: "densenet121",
    head: (b, o) => teacherHead(b, { seed: o.seed, classes: o.classes, dropout: o.dropout ?? 0.5, weightDecay: o.weightDecay }),
    backboneWeightDecay: (o) => o.weightDecay,
  },
  "pneumonia-student-model2": {
    backbone: "mobilenetv2",
    head: (b, o) => studentHead(b, { seed: o.seed, classes: o.classes, dropout: o.dropout, weightDecay: o.weightDecay }),
    backboneWeightDecay: (o) => o.weightDecay,
  },
  "pneumonia-teacher-final": {
    backbone: "densenet121",
    head: (b, o) => teacherHead(b, { seed: o.seed, classes: o.classes, dropout: o.dropout ?? FINAL_HEAD_DEFAULTS.teacherDropout, weightDecay: o.weightDecay ?? FINAL_HEAD_DEFAULTS.weightDecay }),
    backboneWeightDecay: (o) => o.weightDecay ?? FINAL_HEAD_DEFAULTS.weightDecay,
  },
  "pneumonia-student-final": {
    backbone: "mobilenetv2",
    head: (b, o) => studentHead(b, { seed: o.seed, classes: o.classes, dropout: o.dropout ?? FINAL_HEAD_DEFAULTS.studentDropout, weightDecay: o.weightDecay ?? FINAL_HEAD_DEFAULTS.weightDecay }),
    backboneWeightDecay: (o) => o.weightDecay ?? FINAL_HEAD_DEFAULTS.weightDecay,
  },
};

function square(o: ModelBuildOptions, fallback: number): [number, number, number] {
  const size = o.inputSize ?? fallback;
  return [size, size, 3];
}

function headEntry(name: ModelName, description: string): ModelEntry {
  const spec = HEADS[name];
  if (!spec) throw new Error(`no head for ${name}`);
  return {
    name,
    description,
    inputSize: 224,
    preprocess: PREPROCESS[spec.backbone],
    backbone: spec.backbone,
    build: (o = {}) => spec.head(buildBackbone(spec.backbone, o, spec.backboneWeightDecay?.(o)), o),
  };
}

const ENTRIES: ModelEntry[] = [
  {
    name: "cifar-teacher",
    description: "CIFAR-10 teacher: 10 conv + 1 pool + Dense 256 + 10-way logits",
    inputSize: 32,
    preprocess: identityPreprocess,
    build: (o = {}) => cifarTeacher({ seed: o.seed, classes: o.classes, inputShape: square(o, 32), dropout: o.dropout, weightDecay: o.weightDecay }),
  },
  {
    name: "cifar-teacher-bn",
    description: "CIFAR-10 teacher with batch norm: 10 × (conv → BatchNorm → ReLU) + 1 pool + Dense 256 + 10-way logits",
    inputSize: 32,
    preprocess: identityPreprocess,
    build: (o = {}) => cifarTeacherBatchNorm({ seed: o.seed, classes: o.classes, inputShape: square(o, 32), dropout: o.dropout, weightDecay: o.weightDecay }),
  },
  {
    name: "cifar-student",
    description: "CIFAR-10 student: 3 conv + 1 pool + Dense 256 + 10-way logits",
    inputSize: 32,
    preprocess: identityPreprocess,
    build: (o = {}) => cifarStudent({ seed: o.seed, classes: o.classes, inputShape: square(o, 32), dropout: o.dropout, weightDecay: o.weightDecay }),
  },
  backboneEntry("densenet121", "densenet121", true, "keras.applications DenseNet121 with the ImageNet top (softmax), 8,062,504 params at 224"),
  backboneEntry("densenet121-notop", "densenet121", false, "DenseNet121 features (7×7×1024 at 224), 7,037,504 params"),
  backboneEntry("mobilenetv2", "mobilenetv2", true, "keras.applications MobileNetV2 α=1.0 with the ImageNet top (softmax), 3,538,984 params at 224"),
  backboneEntry("mobilenetv2-notop", "mobilenetv2", false, "MobileNetV2 α=1.0 features (7×7×1280 at 224), 2,257,984 params"),
  headEntry("pneumonia-teacher-model1", "Model 1 teacher: frozen DenseNet121 → GAP → Dense 2"),
  headEntry("pneumonia-student-model1", "Model 1 student: frozen MobileNetV2 → GAP → Dense 2"),
  headEntry("pneumonia-teacher-model2", "Model 2 teacher: DenseNet121 → Dropout 0.5 → Conv 512 3×3 ReLU → MaxPool 7 → Dense 64 → Dense 2"),
  headEntry("pneumonia-student-model2", "Model 2 student: MobileNetV2 → GAP → Dense 512 ReLU → Dense 2"),
  headEntry("pneumonia-teacher-final", "Final teacher: Model 2 teacher with dropout and weight decay (defaults 0.5, 1e-4)"),
  headEntry("pneumonia-student-final", "Final student: Model 2 student with dropout and weight decay (defaults 0.3, 1e-4)"),
];

export const MODELS: ReadonlyMap<ModelName, ModelEntry> = new Map(ENTRIES.map((e) => [e.name, e]));

export function isModelName(name: string): name is ModelName {
  return (MODEL_NAMES as readonly string[]).includes(name);
}

export function modelEntry(name: string): ModelEntry {
  if (!isModelName(name)) throw new Error(`unknown model "${name}"; known: ${MODEL_NAMES.join(", ")}`);
  return MODELS.get(name) as ModelEntry;
}

/**
 * Builds a model by name. With `backboneWeights` (pneumonia models), the Keras
 * file is loaded into the backbone before the head is added, so the head's
 * fresh layers are not expected in the file.
 */
export async function buildModel(name: string, options: ModelBuildOptions = {}): Promise<tf.LayersModel> {
  const model = await buildNamedModel(name, options);
  // Where some convolutions crash oneDNN (lib/runtime/conv-routing.ts), probe all of this model's shapes at once, before it runs.
  prepareModelConvolutions(model, `model ${name}`);
  return model;
}

async function buildNamedModel(name: string, options: ModelBuildOptions): Promise<tf.LayersModel> {
  const entry = modelEntry(name);
  if (options.backboneWeights === undefined) return entry.build(options);
  const spec = HEADS[entry.name];
  if (!spec) throw new Error(`${name} has no separate backbone; load its weights with loadKerasWeights(model, file)`);
  const backbone = buildBackbone(spec.backbone, options, spec.backboneWeightDecay?.(options));
  await loadKerasWeights(backbone, options.backboneWeights);
  return spec.head(backbone, options);
}
