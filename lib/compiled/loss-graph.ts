/**
 * The distillation loss of distill/loss.ts as graph ops, term for term:
 * α · CE(labels, student) + (1 − α) · T² · KL(softmax(teacher/T) ‖ softmax(student/T)),
 * the cross-entropy class-weighted as Σ w[yᵢ]·CEᵢ / Σ w[yᵢ]. Everything goes
 * through LogSoftmax, like the eager loss, so the two agree to rounding.
 */
import { DT, OutputRef } from "./binding";
import { attr, GraphBuilder } from "./graph";

export interface LossGraphSpec {
  logits: OutputRef;
  /** int32 [batch]. */
  labels: OutputRef;
  /** float32 [batch, classes]; needed when alpha < 1. */
  teacherLogits?: OutputRef;
  classes: number;
  alpha: number;
  temperature: number;
  classWeights?: readonly number[];
}

export function crossEntropyGraph(g: GraphBuilder, logits: OutputRef, labels: OutputRef, classes: number, classWeights?: readonly number[]): OutputRef {
  const logProbs = g.logSoftmax(logits);
  const oneHot = g.op("OneHot", [labels, g.constant({ dtype: DT.int32, shape: [], data: Int32Array.of(classes) }), g.scalar(1), g.scalar(0)], [attr.type("T", DT.float32), attr.type("TI", DT.int32), attr.int("axis", -1)]);
  const perSample = g.neg(g.sum(g.mul(oneHot, logProbs), [1]));
  if (classWeights === undefined) return g.mean(perSample, [0]);
  if (classWeights.length !== classes) throw new Error(`compiled loss: ${classWeights.length} class weights for ${classes} classes`);
  const table = g.constant({ dtype: DT.float32, shape: [classes], data: Float32Array.from(classWeights) });
  const sampleWeights = g.op("GatherV2", [table, labels, g.constant({ dtype: DT.int32, shape: [], data: Int32Array.of(0) })], [attr.type("Tparams", DT.float32), attr.type("Tindices", DT.int32), attr.type("Taxis", DT.int32), attr.int("batch_dims", 0)]);
  return g.div(g.sum(g.mul(sampleWeights, perSample), [0]), g.sum(sampleWeights, [0]));
}

export function softTargetGraph(g: GraphBuilder, logits: OutputRef, teacherLogits: OutputRef, temperature: number): OutputRef {
  const inverseT = g.scalar(1 / temperature);
  const teacherLogProbs = g.logSoftmax(g.mul(teacherLogits, inverseT));
  const studentLogProbs = g.logSoftmax(g.mul(logits, inverseT));
  const kl = g.sum(g.mul(g.exp(teacherLogProbs), g.sub(teacherLogProbs, studentLogProbs)), [1]);
  return g.mul(g.mean(kl, [0]), g.scalar(temperature * temperature));
}

/** The scalar loss (without regularisation). */
export function distillationLossGraph(g: GraphBuilder, spec: LossGraphSpec): OutputRef {
  const { alpha, temperature } = spec;
  if (!(alpha >= 0 && alpha <= 1)) throw new Error(`compiled loss: alpha must be in [0, 1], got ${alpha}`);
  if (!(temperature > 0) || !Number.isFinite(temperature)) throw new Error(`compiled loss: temperature must be a positive number, got ${temperature}`);
  const terms: OutputRef[] = [];
  if (alpha > 0) terms.push(g.mul(crossEntropyGraph(g, spec.logits, spec.labels, spec.classes, spec.classWeights), g.scalar(alpha)));
  if (alpha < 1) {
    if (!spec.teacherLogits) throw new Error(`compiled loss: alpha = ${alpha} < 1 needs teacher logits`);
    terms.push(g.mul(softTargetGraph(g, spec.logits, spec.teacherLogits, temperature), g.scalar(1 - alpha)));
  }
  return g.addN(terms);
}

/** Samples whose argmax logit equals the label, as float32. */
export function correctCountGraph(g: GraphBuilder, logits: OutputRef, labels: OutputRef): OutputRef {
  const predicted = g.op("ArgMax", [logits, g.constant({ dtype: DT.int32, shape: [], data: Int32Array.of(1) })], [attr.type("T", DT.float32), attr.type("Tidx", DT.int32), attr.type("output_type", DT.int32)]);
  const equal = g.op("Equal", [predicted, labels], [attr.type("T", DT.int32), attr.bool("incompatible_shape_error", true)]);
  return g.sum(g.cast(equal, DT.bool, DT.float32), [0]);
}
