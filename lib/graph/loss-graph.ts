/**
 * The hard-label loss and the accuracy count as graph ops, term for term with
 * distill/loss.ts: cross-entropy through LogSoftmax, class-weighted as
 * Σ w[yᵢ]·CEᵢ / Σ w[yᵢ]. Distillation methods' own terms live in their files
 * (lib/distill/methods).
 */
import { DT, OutputRef } from "./binding";
import { attr, GraphBuilder } from "./graph";

/** Mean (or class-weighted mean) cross-entropy of int32 labels against logits. */
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

/** Samples whose argmax logit equals the label, as float32. */
export function correctCountGraph(g: GraphBuilder, logits: OutputRef, labels: OutputRef): OutputRef {
  const predicted = g.op("ArgMax", [logits, g.constant({ dtype: DT.int32, shape: [], data: Int32Array.of(1) })], [attr.type("T", DT.float32), attr.type("Tidx", DT.int32), attr.type("output_type", DT.int32)]);
  const equal = g.op("Equal", [predicted, labels], [attr.type("T", DT.int32), attr.bool("incompatible_shape_error", true)]);
  return g.sum(g.cast(equal, DT.bool, DT.float32), [0]);
}
