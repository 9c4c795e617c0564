/**
 * The layers the feature-based methods read when `distillation.params.layers`
 * is "auto": one table for the study's two teacher/student pairs, the entry
 * chosen by the layers the teacher and student actually have (so it holds at
 * any input size where the two backbones downsample alike; checked at 32 px
 * and 224 px, where the pneumonia maps are 8/4/2 and 56/28/14 wide).
 *
 * CIFAR, cifar-teacher → cifar-student (models/cifar.ts): the teacher's
 * conv1–2 run at 32×32, conv3–5 at 16×16, conv6–8 at 8×8, conv9–10 at 4×4;
 * the student's conv1 at 32×32, conv2 at 16×16, conv3 at 8×8; both end in
 * pool → flatten → fc (Dense 256, ReLU) → logits.
 * - at: the last teacher layer at each resolution the student has, against
 *   the student's layer there (conv2:conv1, conv5:conv2, conv8:conv3), as
 *   the AT paper pairs the ends of the groups of equal resolution.
 * - fitnets: one hint in the middle, conv5:conv2 (16×16×64 both), as FitNets
 *   guides the student's middle layer with the teacher's.
 * - rkd: the penultimate embeddings, fc:fc (256 both), as the RKD paper uses
 *   the embedding before the classifier.
 *
 * Pneumonia, DenseNet121 → MobileNetV2 (pneumonia-teacher-/student-model2 and
 * -final, models/heads.ts): DenseNet's pool2_relu, pool3_relu, pool4_relu are
 * the BN-ReLU'd outputs of dense blocks 1–3 at 1/4, 1/8, 1/16 of the input;
 * MobileNetV2's block_2_add, block_5_add, block_12_add are the last blocks at
 * 1/4, 1/8, 1/16.
 * - at: one pair per resolution, pool2_relu:block_2_add,
 *   pool3_relu:block_5_add, pool4_relu:block_12_add.
 * - fitnets: the middle one, pool3_relu:block_5_add (1/8; 512 ← 32 channels).
 * - rkd: head_fc1:head_fc1, the teacher head's Dense 64 and the student
 *   head's Dense 512, the last layers before "logits".
 *
 * Other pairs (or the Model 1 heads, which have no head_fc1) name their
 * layers: distillation.params.layers = "teacherLayer:studentLayer,…".
 */
import type * as tf from "@tensorflow/tfjs";
import { MethodParamError, parseLayerPairs, tapShape } from "./method";

export type FeatureMethod = "at" | "fitnets" | "rkd";

export interface LayerPair {
  teacher: string;
  student: string;
}

/** A pair with its layers' output shapes (no batch axis). */
export interface TappedPair extends LayerPair {
  teacherShape: number[];
  studentShape: number[];
}

interface StudyPair {
  name: string;
  /** Layers that single the pair out, beyond the ones its methods read. */
  teacherHas: readonly string[];
  studentHas: readonly string[];
  studentLacks: readonly string[];
  layers: Readonly<Record<FeatureMethod, string>>;
}

const STUDY_PAIRS: readonly StudyPair[] = [
  {
    name: "CIFAR (cifar-teacher → cifar-student)",
    teacherHas: ["conv10"],
    studentHas: [],
    studentLacks: ["conv4"],
    layers: { at: "conv2:conv1,conv5:conv2,conv8:conv3", fitnets: "conv5:conv2", rkd: "fc:fc" },
  },
  {
    name: "DenseNet121 → MobileNetV2 (pneumonia-teacher-/student-model2, -final)",
    teacherHas: ["pool4_relu"],
    studentHas: ["block_12_add"],
    studentLacks: [],
    layers: { at: "pool2_relu:block_2_add,pool3_relu:block_5_add,pool4_relu:block_12_add", fitnets: "pool3_relu:block_5_add", rkd: "head_fc1:head_fc1" },
  },
];

/** "auto" or the pairs given; `layers` is the method's `layers` parameter. */
export function resolveLayerPairs(method: FeatureMethod, layers: string, teacher: tf.LayersModel, student: tf.LayersModel): LayerPair[] {
  if (layers !== "auto") return parseLayerPairs(layers, method);
  const teacherNames = new Set(teacher.layers.map((l) => l.name));
  const studentNames = new Set(student.layers.map((l) => l.name));
  for (const entry of STUDY_PAIRS) {
    const pairs = parseLayerPairs(entry.layers[method], method);
    const teacherOk = [...entry.teacherHas, ...pairs.map((p) => p.teacher)].every((n) => teacherNames.has(n));
    const studentOk = [...entry.studentHas, ...pairs.map((p) => p.student)].every((n) => studentNames.has(n)) && entry.studentLacks.every((n) => !studentNames.has(n));
    if (teacherOk && studentOk) return pairs;
  }
  const known = STUDY_PAIRS.map((e) => `${e.name}: ${e.layers[method]}`).join("; ");
  throw new MethodParamError(
    `${method}: no default layers for teacher ${teacher.name} and student ${student.name} (the pairs known: ${known}); give distillation.params.layers as "teacherLayer:studentLayer,…"`,
  );
}

/** Pairs back to the parameter's text. */
export function formatLayerPairs(pairs: readonly LayerPair[]): string {
  return pairs.map((p) => `${p.teacher}:${p.student}`).join(",");
}

/**
 * The method's pairs ("auto" or given), each layer checked on its model, and
 * the method's rules: `single` (one pair only; how it is called in the
 * error), `sameResolution` (feature maps of equal height and width; why, in
 * the error).
 */
export function tappedPairs(
  method: FeatureMethod,
  layers: string,
  teacher: tf.LayersModel,
  student: tf.LayersModel,
  rules: { single?: string; sameResolution?: string },
): TappedPair[] {
  const pairs = resolveLayerPairs(method, layers, teacher, student);
  if (rules.single && pairs.length !== 1) throw new MethodParamError(`${method}: distillation.params.layers must be one pair ${rules.single}, got ${pairs.length} (${formatLayerPairs(pairs)})`);
  return pairs.map((pair) => {
    const teacherShape = tapShape(teacher, pair.teacher, "teacher", method);
    const studentShape = tapShape(student, pair.student, "student", method);
    const t = `teacher layer ${pair.teacher} [${teacherShape.join(", ")}]`;
    const s = `student layer ${pair.student} [${studentShape.join(", ")}]`;
    if (rules.sameResolution) {
      if (teacherShape.length !== 3 || studentShape.length !== 3) throw new MethodParamError(`${method}: layer pair ${pair.teacher}:${pair.student} must be feature maps [height, width, channels]; ${t}, ${s}`);
      if (teacherShape[0] !== studentShape[0] || teacherShape[1] !== studentShape[1]) throw new MethodParamError(`${method}: ${t} and ${s} differ in height and width; ${rules.sameResolution}`);
    }
    return { ...pair, teacherShape, studentShape };
  });
}

/** The loss got one feature per pair on each side. */
export function checkFeatureCount(method: FeatureMethod, pairs: number, student: readonly unknown[], teacher: readonly unknown[]): void {
  if (student.length !== pairs || teacher.length !== pairs) throw new Error(`${method}: ${pairs} student and ${pairs} teacher features expected (one per layer pair), got ${student.length} and ${teacher.length}`);
}
