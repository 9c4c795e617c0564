import { after, before, describe, test } from "node:test";
import assert from "node:assert/strict";
import * as tf from "@tensorflow/tfjs";
import { useNativeBackend } from "../../helpers/native";
import { crossEntropy } from "../../../lib/distill/loss";
import { getMethod, resolveParams } from "../../../lib/distill/methods/index";
import { eagerLossAndGrads, graphLossAndGrads, randomCase } from "./harness";
import { checkThreeWay, createOn, pairModels, reportWorst } from "./feature-helpers";

/**
 * Park et al. 2019 in PyTorch, with the paper's notation: ψ_D(tᵢ, tⱼ) =
 * ‖tᵢ − tⱼ‖ / μ with μ the mean over the distinct pairs (eq. 5, the distance
 * clamped at 1e-12 before the root and 0 on the diagonal as the authors'
 * pdist), ψ_A(tᵢ, tⱼ, tₖ) = ⟨e^ij, e^kj⟩ with e^ij = (tᵢ − tⱼ)/‖tᵢ − tⱼ‖ at
 * vertex j (eq. 7, F.normalize), the Huber loss l_δ with δ = 1 (eq. 6), and
 * the code's means over all N² pairs and N³ triplets; λ_D · L_D + λ_A · L_A.
 */
const TORCH_RKD = `
def loss(s, t, y, sf, tf, epoch, w, extra):
    wd, wa = extra["distanceWeight"], extra["angleWeight"]
    def psi_d(e):
        n = e.shape[0]
        off = ~torch.eye(n, dtype=torch.bool)
        d = (e[:, None, :] - e[None, :, :]).pow(2).sum(-1).clamp_min(1e-12).sqrt() * off
        return d / d[off].mean()
    def psi_a(e):
        v = e[:, None, :] - e[None, :, :]          # v[i, j] = t_i - t_j
        u = F.normalize(v, p=2, dim=2)             # e^ij
        return torch.einsum("ijc,kjc->ijk", u, u)  # <e^ij, e^kj>, vertex j
    es, et = sf[0].flatten(1), tf[0].flatten(1)
    total = F.cross_entropy(s, y, weight=w)
    if wd > 0:
        total = total + wd * F.huber_loss(psi_d(es), psi_d(et), delta=1.0)
    if wa > 0:
        total = total + wa * F.huber_loss(psi_a(es), psi_a(et), delta=1.0)
    return total
`;

interface Case {
  name: string;
  params: { distanceWeight?: number; angleWeight?: number };
  batch: number;
  teacherShape: number[];
  studentShape: number[];
  classWeights?: number[];
  /** Scale of the student's features (larger: more Huber terms past δ). */
  studentScale?: number;
}

const CASES: Case[] = [
  { name: "defaults (25, 50), embeddings 8 ← 16, batch 5", params: {}, batch: 5, teacherShape: [8], studentShape: [16] },
  { name: "batch of 2", params: {}, batch: 2, teacherShape: [6], studentShape: [4] },
  { name: "4-D student map flattened, class-weighted, batch 8", params: {}, batch: 8, teacherShape: [12], studentShape: [2, 2, 3], classWeights: [1, 0.5, 2] },
  { name: "both 4-D, weights 1 and 2 (torchdistill's), batch 6", params: { distanceWeight: 1, angleWeight: 2 }, batch: 6, teacherShape: [3, 1, 2], studentShape: [1, 2, 5] },
  { name: "distance only", params: { angleWeight: 0 }, batch: 7, teacherShape: [5], studentShape: [9], studentScale: 4 },
  { name: "angle only", params: { distanceWeight: 0 }, batch: 4, teacherShape: [5], studentShape: [3] },
];

describe("distillation method rkd", () => {
  before(useNativeBackend);
  after(() => reportWorst("rkd"));
  const rkd = getMethod("rkd");

  CASES.forEach((spec, i) => {
    test(`${spec.name}: eager and graph equal PyTorch (value and gradients) within 1e-5`, () => {
      const models = pairModels([spec.teacherShape], [spec.studentShape]);
      const params = resolveParams(rkd, { ...spec.params, layers: models.layers });
      const classes = spec.classWeights?.length ?? 5;
      const method = createOn(rkd, params, models, classes);
      const c = randomCase({ seed: 211 + 17 * i, batch: spec.batch, classes, teacherShapes: [[spec.batch, ...spec.teacherShape]], studentShapes: [[spec.batch, ...spec.studentShape]] });
      c.classWeights = spec.classWeights;
      if (spec.studentScale) c.studentFeatures[0].data = c.studentFeatures[0].data.map((v) => v * (spec.studentScale as number));
      const { reference } = checkThreeWay(method, c, TORCH_RKD, params);
      assert.ok(reference.grads[1].some((v) => v !== 0), "the embeddings get a gradient");
    });
  });

  test("duplicate embeddings in a batch (a zero off-diagonal distance): eager and graph agree with PyTorch, all finite", () => {
    const models = pairModels([[4]], [[3]]);
    const params = resolveParams(rkd, { layers: models.layers });
    const method = createOn(rkd, params, models, 3);
    const duplicate = (f: { data: number[] }, width: number): void => {
      for (let k = 0; k < width; k++) f.data[2 * width + k] = f.data[k];
    };
    // Rows 0 and 2 equal in the student and the teacher: the two relate to the rest alike on both sides.
    const both = randomCase({ seed: 9, batch: 4, classes: 3, teacherShapes: [[4, 4]], studentShapes: [[4, 3]] });
    duplicate(both.studentFeatures[0], 3);
    duplicate(both.teacherFeatures[0], 4);
    checkThreeWay(method, both, TORCH_RKD, params);
    // In the student only: the angle at a vertex of two coincident points has F.normalize's 1/ε (1e12) gradient, as in the authors' code.
    const studentOnly = randomCase({ seed: 9, batch: 4, classes: 3, teacherShapes: [[4, 4]], studentShapes: [[4, 3]] });
    duplicate(studentOnly.studentFeatures[0], 3);
    const { reference } = checkThreeWay(method, studentOnly, TORCH_RKD, params);
    assert.ok(Math.max(...reference.grads[1].map(Math.abs)) > 1e11);
  });

  test("a batch of one has no pairs: the loss is the cross-entropy, gradients finite and 0 for the embedding", () => {
    const models = pairModels([[4]], [[2, 2, 1]]);
    const method = createOn(rkd, resolveParams(rkd, { layers: models.layers }), models, 3);
    const c = randomCase({ seed: 3, batch: 1, classes: 3, teacherShapes: [[1, 4]], studentShapes: [[1, 2, 2, 1]] });
    const ce = tf.tidy(() => crossEntropy(tf.tensor2d(c.studentLogits), tf.tensor1d(c.labels, "int32")).dataSync()[0]);
    for (const [name, r] of [["eager", eagerLossAndGrads(method, c)], ["graph", graphLossAndGrads(method, c)]] as const) {
      assert.ok(Math.abs(r.loss - ce) < 1e-6 * ce, `${name} ${r.loss} vs the cross-entropy ${ce}`);
      assert.ok(r.grads.every((g) => g.every(Number.isFinite)), `${name}: gradients finite`);
      assert.deepEqual(r.grads[1], [0, 0, 0, 0], `${name}: embedding gradient`);
    }
  });

  test("parameters and layers: one pair", () => {
    assert.deepEqual(resolveParams(rkd, {}), { distanceWeight: 25, angleWeight: 50, layers: "auto" });
    assert.throws(() => resolveParams(rkd, { angleWeight: -2 }), /angleWeight of rkd must be a number ≥ 0/);
    const models = pairModels([[4], [4]], [[3], [3]]);
    assert.throws(() => createOn(rkd, resolveParams(rkd, { layers: models.layers }), models, 2), /rkd: distillation.params.layers must be one pair teacherLayer:studentLayer, got 2/);
    assert.throws(() => createOn(rkd, resolveParams(rkd, { layers: "t0:nope" }), models, 2), /rkd: the student student has no layer "nope"/);
    assert.match(createOn(rkd, resolveParams(rkd, { layers: "t1:s0" }), models, 2).describe(), /^rkd \(distanceWeight 25, angleWeight 50, layers t1:s0\)$/);
  });
});
