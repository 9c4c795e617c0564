/**
 * Test harness for distillation methods: one random case (logits, features,
 * labels) evaluated three ways —
 *   eager:  the objective (lib/distill/objective.ts: hard-label term + the method's terms) on tfjs tensors, gradients w.r.t. the student's logits and features (tf.grads);
 *   graph:  the same objective code as TensorFlow graph ops (lib/distill/compiled/method-graph.ts), gradients by TF_AddGradients;
 *   torch:  a PyTorch function written in the test from the paper's formula, gradients by autograd (float64).
 * Each returns { loss, grads } with grads = [d/d studentLogits, d/d studentFeatures[0], …], flat.
 */
import { spawnSync } from "node:child_process";
import * as tf from "@tensorflow/tfjs";
import { DT, loadGraphBinding, OutputRef, TensorValue } from "../../../lib/graph/binding";
import { GraphBuilder } from "../../../lib/graph/graph";
import { objectiveGraph } from "../../../lib/distill/compiled/method-graph";
import { eagerObjective } from "../../../lib/distill/objective";
import type { DistillationMethod } from "../../../lib/distill/methods/method";
import { ensureBenchRequirements } from "../../../bench/common/python-deps";
import { projectPython } from "../../../lib/notebook/python";

export interface Feature {
  shape: number[];
  data: number[];
}

export interface LossCase {
  studentLogits: number[][];
  teacherLogits: number[][];
  labels: number[];
  studentFeatures: Feature[];
  teacherFeatures: Feature[];
  epoch: number;
  classWeights?: number[];
}

export interface LossAndGrads {
  loss: number;
  /** [d loss / d studentLogits, d loss / d studentFeatures[i] …], each flattened row-major. */
  grads: number[][];
}

/** A deterministic pseudo-random case: normal logits of scale `logitScale`, features of the given shapes ([batch, …]). */
export function randomCase(options: { seed: number; batch: number; classes: number; studentShapes?: number[][]; teacherShapes?: number[][]; logitScale?: number; epoch?: number }): LossCase {
  let state = options.seed >>> 0 || 1;
  const uniform = (): number => {
    state = (Math.imul(state, 1664525) + 1013904223) >>> 0;
    return (state + 0.5) / 2 ** 32;
  };
  const normal = (): number => Math.sqrt(-2 * Math.log(uniform())) * Math.cos(2 * Math.PI * uniform());
  const scale = options.logitScale ?? 2;
  const matrix = (rows: number, cols: number): number[][] => Array.from({ length: rows }, () => Array.from({ length: cols }, () => scale * normal()));
  const feature = (shape: number[]): Feature => ({ shape, data: Array.from({ length: shape.reduce((a, b) => a * b, 1) }, () => normal()) });
  return {
    studentLogits: matrix(options.batch, options.classes),
    teacherLogits: matrix(options.batch, options.classes),
    labels: Array.from({ length: options.batch }, () => Math.floor(uniform() * options.classes)),
    studentFeatures: (options.studentShapes ?? []).map(feature),
    teacherFeatures: (options.teacherShapes ?? []).map(feature),
    epoch: options.epoch ?? 0,
  };
}

export function eagerLossAndGrads(method: DistillationMethod, c: LossCase): LossAndGrads {
  const studentLogits = tf.tensor2d(c.studentLogits);
  const teacherLogits = tf.tensor2d(c.teacherLogits);
  const labels = tf.tensor1d(c.labels, "int32");
  const studentFeatures = c.studentFeatures.map((f) => tf.tensor(f.data, f.shape));
  const teacherFeatures = c.teacherFeatures.map((f) => tf.tensor(f.data, f.shape));
  try {
    const f = (...inputs: tf.Tensor[]): tf.Scalar =>
      eagerObjective(method, { studentLogits: inputs[0] as tf.Tensor2D, teacherLogits, studentFeatures: inputs.slice(1), teacherFeatures, labels, classWeights: c.classWeights, epoch: c.epoch }).total;
    const { value, grads } = tf.valueAndGrads(f)([studentLogits, ...studentFeatures]);
    const result = { loss: value.dataSync()[0], grads: grads.map((g) => Array.from(g.dataSync())) };
    tf.dispose([value, ...grads]);
    return result;
  } finally {
    tf.dispose([studentLogits, teacherLogits, labels, ...studentFeatures, ...teacherFeatures]);
  }
}

export function graphLossAndGrads(method: DistillationMethod, c: LossCase): LossAndGrads {
  const binding = loadGraphBinding();
  const g = new GraphBuilder(binding);
  const classes = c.studentLogits[0].length;
  const placeholder = (shape: number[], name: string): OutputRef => g.placeholder(DT.float32, shape, name);
  const studentLogits = placeholder([-1, classes], "student_logits");
  const teacherLogits = placeholder([-1, classes], "teacher_logits");
  const labels = g.placeholder(DT.int32, [-1], "labels");
  const epoch = placeholder([], "epoch");
  const studentFeatures = c.studentFeatures.map((f, i) => placeholder([-1, ...f.shape.slice(1)], `student_feature_${i}`));
  const teacherFeatures = c.teacherFeatures.map((f, i) => placeholder([-1, ...f.shape.slice(1)], `teacher_feature_${i}`));
  const { total: loss } = objectiveGraph(g, method, { studentLogits, teacherLogits, studentFeatures, teacherFeatures, labels, classes, classWeights: c.classWeights, epoch }, { constantParts: true });
  const xs = [studentLogits, ...studentFeatures];
  const grads = binding.addGradients(g.graph, "gradients", [loss], xs, null);
  const missing = grads.findIndex((grad) => grad === null);
  if (missing >= 0) throw new Error(`graph loss of ${method.name} does not depend on input ${missing}`);
  const session = binding.newSession(g.graph, null);
  try {
    const f32 = (shape: number[], data: number[]): TensorValue => ({ dtype: DT.float32, shape, data: Float32Array.from(data) });
    const feeds: (readonly [OutputRef, TensorValue])[] = [
      [studentLogits, f32([c.studentLogits.length, classes], c.studentLogits.flat())],
      [teacherLogits, f32([c.teacherLogits.length, classes], c.teacherLogits.flat())],
      [labels, { dtype: DT.int32, shape: [c.labels.length], data: Int32Array.from(c.labels) }],
      [epoch, f32([], [c.epoch])],
      ...c.studentFeatures.map((f, i) => [studentFeatures[i], f32(f.shape, f.data)] as const),
      ...c.teacherFeatures.map((f, i) => [teacherFeatures[i], f32(f.shape, f.data)] as const),
    ];
    const [value, ...gradValues] = binding.sessionRun(session, feeds, [loss, ...(grads as OutputRef[])], []);
    return { loss: value.data[0] as number, grads: gradValues.map((v) => Array.from(v.data as Float32Array)) };
  } finally {
    binding.closeSession(session);
  }
}

/**
 * Runs `body` (Python defining `def loss(student_logits, teacher_logits, labels,
 * student_features, teacher_features, epoch, class_weights)` returning a scalar
 * tensor; `torch` and `F` = torch.nn.functional are imported) in float64 and
 * returns the loss and autograd's gradients w.r.t. the student's logits and
 * features. `extra` is passed to the function as keyword argument `extra` (e.g. a regressor's weights).
 */
export function torchLossAndGrads(body: string, c: LossCase, extra: unknown = null): LossAndGrads {
  ensureBenchRequirements();
  const script = `
import json, sys
import torch
import torch.nn.functional as F
torch.set_default_dtype(torch.float64)
${body}
case = json.load(sys.stdin)
t = lambda v: torch.tensor(v, dtype=torch.float64)
student_logits = t(case["studentLogits"]).requires_grad_(True)
student_features = [t(f["data"]).reshape(f["shape"]).requires_grad_(True) for f in case["studentFeatures"]]
teacher_features = [t(f["data"]).reshape(f["shape"]) for f in case["teacherFeatures"]]
weights = t(case["classWeights"]) if case.get("classWeights") is not None else None
value = loss(student_logits, t(case["teacherLogits"]), torch.tensor(case["labels"], dtype=torch.long), student_features, teacher_features, float(case["epoch"]), weights, extra=case["extra"])
grads = torch.autograd.grad(value, [student_logits, *student_features], allow_unused=True)
print(json.dumps({"loss": value.item(), "grads": [(g if g is not None else torch.zeros_like(x)).reshape(-1).tolist() for g, x in zip(grads, [student_logits, *student_features])]}))
`;
  const result = spawnSync(projectPython(), ["-c", script], { input: JSON.stringify({ ...c, extra }), encoding: "utf8", maxBuffer: 256 * 2 ** 20 });
  if (result.status !== 0) throw new Error(`torch reference failed (exit ${result.status}):\n${result.stderr}`);
  return JSON.parse(result.stdout) as LossAndGrads;
}

/** Largest |a − b| / max(|b|, floor) over every value, so tiny gradients are compared absolutely. */
export function worstRelativeError(a: LossAndGrads, b: LossAndGrads, floor = 1e-3): number {
  const pairs: [number, number][] = [[a.loss, b.loss]];
  if (a.grads.length !== b.grads.length) throw new Error(`${a.grads.length} gradients vs ${b.grads.length}`);
  a.grads.forEach((grad, i) => {
    if (grad.length !== b.grads[i].length) throw new Error(`gradient ${i}: ${grad.length} values vs ${b.grads[i].length}`);
    grad.forEach((v, k) => pairs.push([v, b.grads[i][k]]));
  });
  return Math.max(...pairs.map(([x, y]) => Math.abs(x - y) / Math.max(Math.abs(y), floor)));
}
