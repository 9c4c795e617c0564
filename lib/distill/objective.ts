/**
 * The training objective, written once for both train steps (the eager step
 * runs it on tfjs tensors, the compiled step as graph ops,
 * compiled/method-graph.ts): the hard-label cross-entropy (loss.ts), term
 * "ce", weighted by the trainer's hardLabelWeight, plus the distillation
 * method's named terms; the total is their sum. Without a method it is the
 * cross-entropy alone.
 *
 * The hard-label weight belongs to the trainer, as Keras 3's
 * Distiller(student_loss_weight=…): a method only proposes a default
 * (`hardLabelWeight`: KD's α, DKD's ceWeight, 1 for AT, RKD and FitNets),
 * and `distillation.hardLabelWeight` overrides it. A weight of 0 leaves the
 * term out (as does a method for its own terms), so the defaults give the
 * same ops, in the same order, as each method's single loss did before.
 */
import * as tf from "@tensorflow/tfjs";
import { eagerOps } from "../graph/loss-ops-eager";
import { checkLabels, crossEntropyOf } from "./loss";
import type { DistillationMethod, LossInput, LossTerms } from "./methods/method";

/** The hard-label term's name (history column loss_ce). */
export const HARD_LABEL_TERM = "ce";

export interface Objective<V> {
  /** The sum of the terms, scalar. */
  total: V;
  /** Each term as it enters the total: "ce" first, then the method's. */
  terms: LossTerms<V>;
}

/** Throws, naming `key`, unless `weight` is a finite number ≥ 0. */
export function checkHardLabelWeight(weight: number, key = "distillation.hardLabelWeight"): number {
  if (typeof weight !== "number" || !Number.isFinite(weight) || weight < 0) throw new Error(`${key} must be a finite number ≥ 0, got ${weight}`);
  return weight;
}

/** The weight the trainer gives the hard-label term: the override when given, else the method's default (1 without a method). */
export function hardLabelWeightFor(method: DistillationMethod | undefined, override?: number): number {
  return checkHardLabelWeight(override ?? method?.hardLabelWeight ?? 1);
}

/** The objective's terms and total over `ops`. */
export function objective<V>(method: DistillationMethod | undefined, input: LossInput<V>, hardLabelWeight = hardLabelWeightFor(method)): Objective<V> {
  const { ops } = input;
  checkHardLabelWeight(hardLabelWeight);
  const [, studentClasses] = ops.shape(input.studentLogits);
  const teacherShape = ops.shape(input.teacherLogits);
  if (method && (teacherShape.length !== 2 || teacherShape[1] !== studentClasses)) {
    throw new Error(`${method.name}: teacher logits [${teacherShape.join(", ")}] do not match student logits [${ops.shape(input.studentLogits).join(", ")}]`);
  }
  const terms: LossTerms<V> = {};
  if (hardLabelWeight > 0) {
    const ce = crossEntropyOf(ops, input.studentLogits, input.labels, input.classes, input.classWeights);
    terms[HARD_LABEL_TERM] = hardLabelWeight === 1 ? ce : ops.mul(ce, ops.scalar(hardLabelWeight));
  }
  if (method) {
    for (const [name, value] of Object.entries(ops.scope("distillation", () => method.terms(input)))) {
      if (name in terms) throw new Error(`distillation method ${method.name}: two terms are named "${name}"`);
      terms[name] = value;
    }
  }
  const values = Object.values(terms);
  if (values.length === 0) throw new Error(`${method ? `distillation method ${method.describe()}` : "training"} with hard-label weight ${hardLabelWeight} leaves no loss term`);
  return { total: ops.addN(values), terms };
}

/** The eager objective's inputs: tfjs tensors, features in `taps` order; the teacher's logits only with a method. */
export interface EagerObjectiveInput {
  studentLogits: tf.Tensor2D;
  teacherLogits?: tf.Tensor2D;
  studentFeatures?: readonly tf.Tensor[];
  teacherFeatures?: readonly tf.Tensor[];
  /** int32 [batch]. */
  labels: tf.Tensor1D;
  classWeights?: readonly number[];
  /** 0-based epoch. */
  epoch?: number;
}

/** The objective on tfjs tensors (the method's parts applied in training mode); no tidy, so it can sit inside tf.variableGrads. */
export function eagerObjective(method: DistillationMethod | undefined, input: EagerObjectiveInput, hardLabelWeight?: number): Objective<tf.Scalar> {
  checkLabels(input.studentLogits, input.labels);
  if (method && !input.teacherLogits) throw new Error(`distillation method ${method.name} needs the teacher's logits`);
  const lossInput: LossInput<tf.Tensor> = {
    ops: eagerOps,
    studentLogits: input.studentLogits,
    teacherLogits: input.teacherLogits ?? input.studentLogits,
    studentFeatures: input.studentFeatures ?? [],
    teacherFeatures: input.teacherFeatures ?? [],
    labels: input.labels,
    classes: input.studentLogits.shape[1],
    classWeights: input.classWeights,
    epoch: tf.scalar(input.epoch ?? 0, "float32"),
    applyPart: (index, value) => {
      const part = method?.parts[index];
      if (!part) throw new Error(`distillation method ${method?.name}: it has no part ${index} (it has ${method?.parts.length ?? 0})`);
      return part.apply(value, { training: true }) as tf.Tensor;
    },
  };
  return objective(method, lossInput, hardLabelWeight ?? hardLabelWeightFor(method)) as Objective<tf.Scalar>;
}
