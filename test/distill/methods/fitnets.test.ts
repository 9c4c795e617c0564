import { after, before, describe, test } from "node:test";
import assert from "node:assert/strict";
import * as tf from "@tensorflow/tfjs";
import { useNativeBackend } from "../../helpers/native";
import { getMethod, resolveParams } from "../../../lib/distill/methods/index";
import type { DistillationMethod } from "../../../lib/distill/methods/method";
import { DT, loadGraphBinding, OutputRef } from "../../../lib/graph/binding";
import { GraphBuilder } from "../../../lib/graph/graph";
import { objectiveGraph } from "../../../lib/distill/compiled/method-graph";
import { eagerObjective } from "../../../lib/distill/objective";
import { randomCase } from "./harness";
import { checkThreeWay, createOn, pairModels, reportWorst, scaledError } from "./feature-helpers";

/**
 * Romero et al. 2015 in PyTorch, NCHW: the regressor r is a convolution
 * (section 2.2, our 1×1 with bias, its weights given from the tfjs part) on
 * the guided layer, and the hint loss is the squared error of r(guided)
 * against the hint layer (eq. 3), averaged over every element and weighted
 * as mdistiller's one-stage FitNet (CE + w · F.mse_loss).
 */
const TORCH_FITNETS = `
def loss(s, t, y, sf, tf, epoch, w, extra):
    kernel = torch.tensor(extra["kernel"], dtype=torch.float64)  # Keras [1, 1, c_student, c_teacher]
    weight = kernel.permute(3, 2, 0, 1)             # PyTorch [c_teacher, c_student, 1, 1]
    bias = torch.tensor(extra["bias"], dtype=torch.float64)
    guided = sf[0].permute(0, 3, 1, 2)
    hint = tf[0].permute(0, 3, 1, 2)
    regressed = F.conv2d(guided, weight, bias)
    return F.cross_entropy(s, y, weight=w) + extra["hintWeight"] * ((regressed - hint) ** 2).mean()
`;

/** The regressor's weights for the reference. */
function regressorWeights(method: DistillationMethod): { kernel: unknown; bias: unknown } {
  const [kernel, bias] = method.parts[0].getWeights();
  return { kernel: kernel.arraySync(), bias: bias.arraySync() };
}

interface Case {
  name: string;
  hintWeight?: number;
  batch: number;
  teacherShape: number[];
  studentShape: number[];
  classWeights?: number[];
  /** Random bias instead of the initial zeros. */
  bias?: boolean;
}

const CASES: Case[] = [
  { name: "defaults (w 100), 3 → 6 channels at 4×4, batch 3", batch: 3, teacherShape: [4, 4, 6], studentShape: [4, 4, 3] },
  { name: "5 → 2 channels at 2×3, a trained-looking bias, class-weighted, batch 6", batch: 6, teacherShape: [2, 3, 2], studentShape: [2, 3, 5], classWeights: [2, 1, 0.5, 1], bias: true },
  { name: "w 1, batch of 1", hintWeight: 1, batch: 1, teacherShape: [3, 3, 4], studentShape: [3, 3, 4] },
  { name: "w 10, 1 → 8 channels, batch 8", hintWeight: 10, batch: 8, teacherShape: [2, 2, 8], studentShape: [2, 2, 1], bias: true },
];

describe("distillation method fitnets", () => {
  before(useNativeBackend);
  after(() => reportWorst("fitnets"));
  const fitnets = getMethod("fitnets");

  CASES.forEach((spec, i) => {
    test(`${spec.name}: eager and graph equal PyTorch (value and gradients) within 1e-5`, () => {
      const models = pairModels([spec.teacherShape], [spec.studentShape]);
      const params = resolveParams(fitnets, { layers: models.layers, ...(spec.hintWeight === undefined ? {} : { hintWeight: spec.hintWeight }) });
      const classes = spec.classWeights?.length ?? 5;
      const method = createOn(fitnets, params, models, classes, 40 + i);
      const part = method.parts[0];
      assert.equal(method.parts.length, 1);
      assert.deepEqual(part.inputs[0].shape, [null, ...spec.studentShape]);
      assert.deepEqual(part.outputs[0].shape, [null, ...spec.teacherShape]);
      if (spec.bias) {
        const bias = part.weights[1];
        bias.write(tf.randomNormal(bias.shape as number[], 0, 0.5, "float32", 7));
      }
      const c = randomCase({ seed: 307 + 11 * i, batch: spec.batch, classes, teacherShapes: [[spec.batch, ...spec.teacherShape]], studentShapes: [[spec.batch, ...spec.studentShape]] });
      c.classWeights = spec.classWeights;
      checkThreeWay(method, c, TORCH_FITNETS, { ...params, ...regressorWeights(method) });
    });
  });

  test("the regressor: a 1×1 convolution with bias 0 and a kernel seeded from the run's seed", () => {
    const models = pairModels([[2, 2, 4]], [[2, 2, 3]]);
    const params = resolveParams(fitnets, { layers: models.layers });
    const kernelOf = (seed: number): number[] => Array.from(createOn(fitnets, params, models, 2, seed).parts[0].getWeights()[0].dataSync());
    const part = createOn(fitnets, params, models, 2, 5).parts[0];
    const [kernel, bias] = part.getWeights();
    assert.deepEqual(kernel.shape, [1, 1, 3, 4]);
    assert.deepEqual(Array.from(bias.dataSync()), [0, 0, 0, 0]);
    assert.deepEqual(kernelOf(5), kernelOf(5));
    assert.notDeepEqual(kernelOf(5), kernelOf(6));
    assert.equal(part.trainableWeights.length, 2);
  });

  test("the regressor is trained: its kernel and bias get the same gradients eagerly and as graph variables", () => {
    const models = pairModels([[3, 3, 4]], [[3, 3, 2]]);
    const method = createOn(fitnets, resolveParams(fitnets, { layers: models.layers }), models, 3, 11);
    const c = randomCase({ seed: 8, batch: 4, classes: 3, teacherShapes: [[4, 3, 3, 4]], studentShapes: [[4, 3, 3, 2]] });
    const tensors = {
      studentLogits: tf.tensor2d(c.studentLogits),
      teacherLogits: tf.tensor2d(c.teacherLogits),
      labels: tf.tensor1d(c.labels, "int32"),
      studentFeatures: c.studentFeatures.map((f) => tf.tensor(f.data, f.shape)),
      teacherFeatures: c.teacherFeatures.map((f) => tf.tensor(f.data, f.shape)),
      epoch: 0,
    };
    const weights = method.parts[0].trainableWeights.map((w) => w.read() as tf.Variable);
    const { grads } = tf.variableGrads(() => eagerObjective(method, tensors).total, weights);
    const eager = weights.map((w) => Array.from(grads[w.name].dataSync()));
    tf.dispose([...Object.values(grads), tensors.studentLogits, tensors.teacherLogits, tensors.labels, ...tensors.studentFeatures, ...tensors.teacherFeatures]);

    const binding = loadGraphBinding();
    const g = new GraphBuilder(binding);
    const placeholder = (shape: number[], name: string) => g.placeholder(DT.float32, shape, name);
    const inputs = {
      studentLogits: placeholder([-1, 3], "s"),
      teacherLogits: placeholder([-1, 3], "t"),
      labels: g.placeholder(DT.int32, [-1], "y"),
      studentFeatures: [placeholder([-1, 3, 3, 2], "sf")],
      teacherFeatures: [placeholder([-1, 3, 3, 4], "tf")],
      classes: 3,
      epoch: placeholder([], "epoch"),
    };
    const { total: loss, parts } = objectiveGraph(g, method, inputs);
    const variables = parts[0]?.variables ?? [];
    assert.deepEqual(variables.map((v) => v.shape), [[1, 1, 2, 4], [4]]);
    const graphGrads = binding.addGradients(g.graph, "grads", [loss], variables.map((v) => v.read), null);
    const session = binding.newSession(g.graph, null);
    try {
      for (const v of variables) binding.sessionRun(session, [[v.initValue, { dtype: DT.float32, shape: v.shape, data: v.weight.read().dataSync() as Float32Array }]], [], [v.initAssign]);
      const f32 = (shape: number[], data: number[]) => ({ dtype: DT.float32, shape, data: Float32Array.from(data) });
      const values = binding.sessionRun(session, [
        [inputs.studentLogits, f32([4, 3], c.studentLogits.flat())],
        [inputs.teacherLogits, f32([4, 3], c.teacherLogits.flat())],
        [inputs.labels, { dtype: DT.int32, shape: [4], data: Int32Array.from(c.labels) }],
        [inputs.studentFeatures[0], f32(c.studentFeatures[0].shape, c.studentFeatures[0].data)],
        [inputs.teacherFeatures[0], f32(c.teacherFeatures[0].shape, c.teacherFeatures[0].data)],
        [inputs.epoch, f32([], [0])],
      ], graphGrads as OutputRef[], []);
      values.forEach((v, i) => {
        const graph = Array.from(v.data as Float32Array);
        assert.ok(graph.some((x) => x !== 0), `weight ${i} has a gradient`);
        const error = scaledError({ loss: 0, grads: [graph] }, { loss: 0, grads: [eager[i]] });
        assert.ok(error < 1e-5, `weight ${i}: graph vs eager ${error}`);
      });
    } finally {
      binding.closeSession(session);
    }
  });

  test("parameters and layers: one pair of the same resolution, feature maps", () => {
    assert.deepEqual(resolveParams(fitnets, {}), { hintWeight: 100, layers: "auto" });
    assert.throws(() => resolveParams(fitnets, { hintWeight: -1 }), /hintWeight of fitnets must be a number ≥ 0/);
    const models = pairModels([[4, 4, 2], [2, 2, 2], [8]], [[4, 4, 3], [8]]);
    assert.throws(() => createOn(fitnets, resolveParams(fitnets, { layers: "t0:s0,t1:s0" }), models, 2), /fitnets: distillation.params.layers must be one pair teacherLayer:studentLayer \(hint:guided\), got 2/);
    assert.throws(() => createOn(fitnets, resolveParams(fitnets, { layers: "t1:s0" }), models, 2), /fitnets: teacher layer t1 \[2, 2, 2\] and student layer s0 \[4, 4, 3\] differ in height and width/);
    assert.throws(() => createOn(fitnets, resolveParams(fitnets, { layers: "t2:s1" }), models, 2), /fitnets: layer pair t2:s1 must be feature maps/);
    assert.throws(() => createOn(fitnets, resolveParams(fitnets, { layers: "t9:s0" }), models, 2), /fitnets: the teacher teacher has no layer "t9"/);
    assert.match(createOn(fitnets, resolveParams(fitnets, { layers: "t0:s0" }), models, 2).describe(), /^fitnets \(hintWeight 100, layers t0:s0\)$/);
  });
});
