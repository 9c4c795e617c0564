import { after, before, describe, test } from "node:test";
import assert from "node:assert/strict";
import { useNativeBackend } from "../../helpers/native";
import { getMethod, resolveParams } from "../../../lib/distill/methods/index";
import { eagerLossAndGrads, graphLossAndGrads, randomCase } from "./harness";
import { checkThreeWay, createOn, pairModels, relu, reportWorst } from "./feature-helpers";

/**
 * Zagoruyko & Komodakis 2017 in PyTorch, NCHW as the paper's code: the
 * attention map F^p_sum(A) = Σ_c |A_c|^p (section 3.1; the code's mean over
 * channels differs by C, which the normalisation removes), vectorised and
 * divided by its L2 norm (F.normalize's ε), and the loss of eq. (2) with the
 * authors' code's reduction: β · Σ_pairs mean over batch and positions of the
 * squared difference.
 */
const TORCH_AT = `
def loss(s, t, y, sf, tf, epoch, w, extra):
    p, beta = extra["p"], extra["beta"]
    def attention(f):
        a = f.permute(0, 3, 1, 2)
        q = a.abs().pow(p).sum(dim=1).flatten(1)
        return q / q.norm(dim=1, keepdim=True).clamp_min(1e-12)
    transfer = sum(((attention(fs) - attention(ft)) ** 2).mean() for fs, ft in zip(sf, tf))
    return F.cross_entropy(s, y, weight=w) + beta * transfer
`;

interface Case {
  name: string;
  params: { p?: number; beta?: number };
  batch: number;
  teacherShapes: number[][];
  studentShapes: number[][];
  classWeights?: number[];
  /** ReLU these student features (exact zeros). */
  reluStudent?: number[];
}

const CASES: Case[] = [
  { name: "one pair, defaults (p 2, β 1000)", params: {}, batch: 3, teacherShapes: [[4, 4, 3]], studentShapes: [[4, 4, 5]] },
  { name: "three pairs of different sizes, class-weighted", params: {}, batch: 5, teacherShapes: [[6, 6, 2], [3, 3, 4], [2, 2, 8]], studentShapes: [[6, 6, 3], [3, 3, 2], [2, 2, 5]], classWeights: [0.5, 1, 2, 1.5] },
  { name: "non-square maps, batch of 1", params: { beta: 250 }, batch: 1, teacherShapes: [[2, 5, 3]], studentShapes: [[2, 5, 1]] },
  { name: "p 3 (Pow of |f|), β 500, batch 8", params: { p: 3, beta: 500 }, batch: 8, teacherShapes: [[3, 3, 4], [2, 2, 2]], studentShapes: [[3, 3, 2], [2, 2, 6]] },
  { name: "p 1 on ReLU'd student maps (gradient 0 at f = 0)", params: { p: 1 }, batch: 4, teacherShapes: [[4, 4, 3]], studentShapes: [[4, 4, 4]], reluStudent: [0] },
  { name: "p 2 on ReLU'd student maps", params: {}, batch: 6, teacherShapes: [[4, 2, 3], [2, 1, 3]], studentShapes: [[4, 2, 4], [2, 1, 2]], reluStudent: [0, 1] },
];

describe("distillation method at", () => {
  before(useNativeBackend);
  after(() => reportWorst("at"));
  const at = getMethod("at");

  CASES.forEach((spec, i) => {
    test(`${spec.name}: eager and graph equal PyTorch (value and gradients) within 1e-5`, () => {
      const models = pairModels(spec.teacherShapes, spec.studentShapes);
      const params = resolveParams(at, { ...spec.params, layers: models.layers });
      const classes = spec.classWeights?.length ?? 6;
      const method = createOn(at, params, models, classes);
      assert.deepEqual(method.taps, { teacher: spec.teacherShapes.map((_, k) => `t${k}`), student: spec.studentShapes.map((_, k) => `s${k}`) });
      const c = randomCase({
        seed: 101 + 13 * i,
        batch: spec.batch,
        classes,
        teacherShapes: spec.teacherShapes.map((s) => [spec.batch, ...s]),
        studentShapes: spec.studentShapes.map((s) => [spec.batch, ...s]),
      });
      c.classWeights = spec.classWeights;
      for (const k of spec.reluStudent ?? []) relu(c, "studentFeatures", k);
      const { reference } = checkThreeWay(method, c, TORCH_AT, params);
      assert.ok(reference.grads.slice(1).every((g) => g.some((v) => v !== 0)), "every student feature gets a gradient");
    });
  });

  test("equal maps (up to scale) transfer nothing: the loss is the cross-entropy alone", () => {
    const models = pairModels([[3, 3, 2]], [[3, 3, 2]]);
    const method = createOn(at, resolveParams(at, { layers: models.layers }), models, 4);
    const plain = createOn(at, resolveParams(at, { layers: models.layers, beta: 0 }), models, 4);
    const c = randomCase({ seed: 5, batch: 3, classes: 4, teacherShapes: [[3, 3, 3, 2]], studentShapes: [[3, 3, 3, 2]] });
    c.teacherFeatures[0].data = c.studentFeatures[0].data.map((v) => 3 * v);
    const ce = eagerLossAndGrads(plain, c).loss;
    for (const [name, value] of [["eager", eagerLossAndGrads(method, c).loss], ["graph", graphLossAndGrads(method, c).loss]] as const) {
      assert.ok(Math.abs(value - ce) < 1e-5 * ce, `${name} ${value} vs the cross-entropy ${ce}`);
    }
  });

  test("parameters: p ≥ 1, β ≥ 0, layers as pairs", () => {
    assert.throws(() => resolveParams(at, { p: 0.5 }), /distillation.params.p of at must be a number ≥ 1/);
    assert.throws(() => resolveParams(at, { beta: -1 }), /beta of at must be a number ≥ 0/);
    assert.deepEqual(resolveParams(at, {}), { p: 2, beta: 1000, layers: "auto" });
    const models = pairModels([[2, 2, 1]], [[2, 2, 1]]);
    assert.throws(() => createOn(at, resolveParams(at, { layers: "t0" }), models, 2), /at: layer pair "t0" must look like teacherLayer:studentLayer/);
    assert.match(createOn(at, resolveParams(at, { layers: "t0:s0" }), models, 2).describe(), /^at \(p 2, beta 1000, layers t0:s0\)$/);
  });
});
