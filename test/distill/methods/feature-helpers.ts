/**
 * Shared by the feature-based methods' tests (at, rkd, fitnets): stand-in
 * teacher/student models whose layers have the shapes a case needs (a
 * method's `create` checks its layers on the models), and the three-way
 * comparison eager / graph / PyTorch of one case.
 */
import assert from "node:assert/strict";
import * as tf from "@tensorflow/tfjs";
import type { DistillationMethod, MethodDefinition, MethodParams } from "../../../lib/distill/methods/method";
import { eagerLossAndGrads, graphLossAndGrads, LossAndGrads, LossCase, torchLossAndGrads, worstRelativeError } from "./harness";

export interface NamedShape {
  name: string;
  /** Without the batch axis. */
  shape: number[];
}

/** A model with one layer named `name` of output `shape` per entry (Dense from a 1-wide input, reshaped). */
export function modelWithLayers(modelName: string, layers: readonly NamedShape[]): tf.LayersModel {
  const input = tf.input({ shape: [1], name: `${modelName}_input` });
  const outputs = layers.map(({ name, shape }) => {
    const units = shape.reduce((a, b) => a * b, 1);
    const dense = tf.layers.dense({ units, name: `${name}_source` }).apply(input) as tf.SymbolicTensor;
    return tf.layers.reshape({ targetShape: shape, name }).apply(dense) as tf.SymbolicTensor;
  });
  return tf.model({ inputs: input, outputs, name: modelName });
}

/** Stand-in models for layer pairs "t0:s0,…" with the given shapes, plus the layers text. */
export function pairModels(teacherShapes: readonly number[][], studentShapes: readonly number[][]): { teacher: tf.LayersModel; student: tf.LayersModel; layers: string } {
  const teacher = modelWithLayers("teacher", teacherShapes.map((shape, i) => ({ name: `t${i}`, shape })));
  const student = modelWithLayers("student", studentShapes.map((shape, i) => ({ name: `s${i}`, shape })));
  return { teacher, student, layers: teacherShapes.map((_, i) => `t${i}:s${i}`).join(",") };
}

export interface ThreeWay {
  eager: LossAndGrads;
  graph: LossAndGrads;
  reference: LossAndGrads;
  /** scaledError of each pair. */
  errors: { eagerTorch: number; graphTorch: number; graphEager: number };
}

/**
 * worstRelativeError with each gradient's floor at 5 % of its largest
 * reference value (at least the harness's 1e-3). An entry far below its
 * tensor's largest is a float32 cancellation (the normalisation's
 * projection, the mean distance's, a conv's or a triplet's sums): a few
 * rounding steps at the scale of the largest value leave it ~k·6e-8 of that
 * value off, k ≈ 3–10. A 1e-5 error at the floor is 5e-7 of the largest,
 * about 8 float32 ulps. β = 1000 (AT), w_D = 25, w_A = 50 (RKD) or a 100×
 * hint (FitNets) put these gradients at 0.1–10, where the plain 1e-3 floor
 * would ask for less than one ulp. The loss is compared relatively as before.
 */
export function scaledError(a: LossAndGrads, b: LossAndGrads): number {
  const lossError = worstRelativeError({ loss: a.loss, grads: [] }, { loss: b.loss, grads: [] });
  return Math.max(
    lossError,
    ...b.grads.map((reference, i) => {
      const floor = Math.max(1e-3, 0.05 * reference.reduce((m, v) => Math.max(m, Math.abs(v)), 0));
      return worstRelativeError({ loss: b.loss, grads: [a.grads[i]] }, { loss: b.loss, grads: [reference] }, floor);
    }),
  );
}

type Errors = ThreeWay["errors"] & { strict: number };

/** Worst errors seen, by method, printed at the end of a file (for reports). */
const worst = new Map<string, Errors>();

export function reportWorst(method: string): void {
  const w = worst.get(method);
  if (w) {
    console.log(
      `# ${method} worst errors (scaled floor): eager vs torch ${w.eagerTorch.toExponential(2)}, graph vs torch ${w.graphTorch.toExponential(2)}, graph vs eager ${w.graphEager.toExponential(2)}; with the harness's plain 1e-3 floor ${w.strict.toExponential(2)}`,
    );
  }
}

/** Evaluates `method` on `c` three ways and asserts each pair agrees within `tolerance` (loss and gradients, scaledError). */
export function checkThreeWay(method: DistillationMethod, c: LossCase, torchBody: string, extra: unknown, tolerance = 1e-5): ThreeWay {
  const reference = torchLossAndGrads(torchBody, c, extra);
  const eager = eagerLossAndGrads(method, c);
  const graph = graphLossAndGrads(method, c);
  for (const [name, r] of [["eager", eager], ["graph", graph], ["torch", reference]] as const) {
    assert.ok(Number.isFinite(r.loss) && r.grads.every((g) => g.every(Number.isFinite)), `${name}: loss or gradient not finite`);
  }
  const errors = { eagerTorch: scaledError(eager, reference), graphTorch: scaledError(graph, reference), graphEager: scaledError(graph, eager) };
  const strict = Math.max(worstRelativeError(eager, reference), worstRelativeError(graph, reference), worstRelativeError(graph, eager));
  const seen = worst.get(method.name) ?? { eagerTorch: 0, graphTorch: 0, graphEager: 0, strict: 0 };
  worst.set(method.name, {
    eagerTorch: Math.max(seen.eagerTorch, errors.eagerTorch),
    graphTorch: Math.max(seen.graphTorch, errors.graphTorch),
    graphEager: Math.max(seen.graphEager, errors.graphEager),
    strict: Math.max(seen.strict, strict),
  });
  assert.ok(errors.eagerTorch < tolerance, `eager vs torch ${errors.eagerTorch}`);
  assert.ok(errors.graphTorch < tolerance, `graph vs torch ${errors.graphTorch}`);
  assert.ok(errors.graphEager < tolerance, `graph vs eager ${errors.graphEager}`);
  return { eager, graph, reference, errors };
}

/** `definition` created on stand-in models, its parameters resolved. */
export function createOn(definition: MethodDefinition, params: MethodParams, models: { teacher: tf.LayersModel; student: tf.LayersModel }, numClasses: number, seed = 1): DistillationMethod {
  return definition.create(params, { teacher: models.teacher, student: models.student, numClasses, seed });
}

/** Sets a feature's negative values to 0 (ReLU'd maps have exact zeros). */
export function relu(c: LossCase, which: "studentFeatures" | "teacherFeatures", index: number): void {
  const f = c[which][index];
  f.data = f.data.map((v) => Math.max(v, 0));
}
