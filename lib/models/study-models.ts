/**
 * The study's models, each registered with one registerModel call: the
 * CIFAR-10 teachers and student, the keras.applications backbones (with and
 * without their ImageNet tops), and the pneumonia models (a backbone plus
 * one of heads.ts's heads, Model 1, Model 2 and the final stage).
 */
import * as tf from "@tensorflow/tfjs";
import { cifarStudent, cifarTeacher, cifarTeacherBatchNorm, CifarModelOptions } from "./cifar";
import { denseNet121 } from "./densenet";
import { FINAL_HEAD_DEFAULTS, model1Head, studentHead, teacherHead } from "./heads";
import { ModelBuildOptions, ModelHead, registerModel } from "./model-entry";
import { mobileNetV2 } from "./mobilenet-v2";
import { densenetPreprocess, identityPreprocess, mobilenetV2Preprocess, Preprocess } from "./preprocessing";

type Backbone = "densenet121" | "mobilenetv2";

const PREPROCESS: Record<Backbone, Preprocess> = { densenet121: densenetPreprocess, mobilenetv2: mobilenetV2Preprocess };

function square(o: ModelBuildOptions, fallback: number): [number, number, number] {
  const size = o.inputSize ?? fallback;
  return [size, size, 3];
}

function buildBackbone(backbone: Backbone, o: ModelBuildOptions, weightDecay: number | undefined, includeTop = false): tf.LayersModel {
  const options = { includeTop, inputShape: square(o, 224), seed: o.seed, classes: includeTop ? o.classes : undefined, weightDecay };
  return backbone === "densenet121" ? denseNet121(options) : mobileNetV2(options);
}

function cifarModel(name: string, description: string, build: (options: CifarModelOptions) => tf.LayersModel): void {
  registerModel({
    name,
    description,
    task: "cifar10",
    inputSize: 32,
    preprocess: identityPreprocess,
    build: (o = {}) => build({ seed: o.seed, classes: o.classes, inputShape: square(o, 32), dropout: o.dropout, weightDecay: o.weightDecay }),
  });
}

function backboneModel(name: string, backbone: Backbone, includeTop: boolean, description: string): void {
  registerModel({ name, description, task: "imagenet", inputSize: 224, preprocess: PREPROCESS[backbone], build: (o = {}) => buildBackbone(backbone, o, o.weightDecay, includeTop) });
}

/** A pneumonia model: `backbone` without its top, then `head`; `backboneWeightDecay` is the decay the backbone's kernels get (none by default). */
function pneumoniaModel(name: string, description: string, backbone: Backbone, addHead: ModelHead["addHead"], backboneWeightDecay?: (o: ModelBuildOptions) => number | undefined): void {
  const head: ModelHead = { backbone, buildBackbone: (o) => buildBackbone(backbone, o, backboneWeightDecay?.(o)), addHead };
  registerModel({ name, description, task: "chest-xray", inputSize: 224, preprocess: PREPROCESS[backbone], head, build: (o = {}) => head.addHead(head.buildBackbone(o), o) });
}

const finalDecay = (o: ModelBuildOptions): number => o.weightDecay ?? FINAL_HEAD_DEFAULTS.weightDecay;

cifarModel("cifar-teacher", "CIFAR-10 teacher: 10 conv + 1 pool + Dense 256 + 10-way logits", cifarTeacher);
cifarModel("cifar-teacher-bn", "CIFAR-10 teacher with batch norm: 10 × (conv → BatchNorm → ReLU) + 1 pool + Dense 256 + 10-way logits", cifarTeacherBatchNorm);
cifarModel("cifar-student", "CIFAR-10 student: 3 conv + 1 pool + Dense 256 + 10-way logits", cifarStudent);
backboneModel("densenet121", "densenet121", true, "keras.applications DenseNet121 with the ImageNet top (softmax), 8,062,504 params at 224");
backboneModel("densenet121-notop", "densenet121", false, "DenseNet121 features (7×7×1024 at 224), 7,037,504 params");
backboneModel("mobilenetv2", "mobilenetv2", true, "keras.applications MobileNetV2 α=1.0 with the ImageNet top (softmax), 3,538,984 params at 224");
backboneModel("mobilenetv2-notop", "mobilenetv2", false, "MobileNetV2 α=1.0 features (7×7×1280 at 224), 2,257,984 params");
pneumoniaModel("pneumonia-teacher-model1", "Model 1 teacher: frozen DenseNet121 → GAP → Dense 2", "densenet121", (b, o) => model1Head(b, { seed: o.seed, classes: o.classes }));
pneumoniaModel("pneumonia-student-model1", "Model 1 student: frozen MobileNetV2 → GAP → Dense 2", "mobilenetv2", (b, o) => model1Head(b, { seed: o.seed, classes: o.classes }));
pneumoniaModel(
  "pneumonia-teacher-model2",
  "Model 2 teacher: DenseNet121 → Dropout 0.5 → Conv 512 3×3 ReLU → MaxPool 7 → Dense 64 → Dense 2",
  "densenet121",
  (b, o) => teacherHead(b, { seed: o.seed, classes: o.classes, dropout: o.dropout ?? 0.5, weightDecay: o.weightDecay }),
  (o) => o.weightDecay,
);
pneumoniaModel(
  "pneumonia-student-model2",
  "Model 2 student: MobileNetV2 → GAP → Dense 512 ReLU → Dense 2",
  "mobilenetv2",
  (b, o) => studentHead(b, { seed: o.seed, classes: o.classes, dropout: o.dropout, weightDecay: o.weightDecay }),
  (o) => o.weightDecay,
);
pneumoniaModel(
  "pneumonia-teacher-final",
  "Final teacher: Model 2 teacher with dropout and weight decay (defaults 0.5, 1e-4)",
  "densenet121",
  (b, o) => teacherHead(b, { seed: o.seed, classes: o.classes, dropout: o.dropout ?? FINAL_HEAD_DEFAULTS.teacherDropout, weightDecay: finalDecay(o) }),
  finalDecay,
);
pneumoniaModel(
  "pneumonia-student-final",
  "Final student: Model 2 student with dropout and weight decay (defaults 0.3, 1e-4)",
  "mobilenetv2",
  (b, o) => studentHead(b, { seed: o.seed, classes: o.classes, dropout: o.dropout ?? FINAL_HEAD_DEFAULTS.studentDropout, weightDecay: finalDecay(o) }),
  finalDecay,
);
