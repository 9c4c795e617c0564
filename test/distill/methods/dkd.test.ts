import { before, describe, test } from "node:test";
import assert from "node:assert/strict";
import { useNativeBackend } from "../../helpers/native";
import { getMethod, resolveParams } from "../../../lib/distill/methods/index";
import { eagerLossAndGrads, graphLossAndGrads, LossAndGrads, LossCase, randomCase, torchLossAndGrads, worstRelativeError } from "./harness";

/**
 * Zhao et al. 2022, eq. (1)–(3) and Algorithm 1, in PyTorch: b = [p_t, 1 − p_t]
 * as sums of the softmax, the non-target softmax with the target masked by
 * −1000 (mdistiller's formulation), KL summed and divided by the batch, and
 * our 0-based epoch in the warm-up. It first checks the paper's identity
 * KD = TCKD + (1 − p_t^T) · NCKD per sample, so the two terms are the paper's.
 */
const TORCH_DKD = `
def loss(s, t, y, sf, tf, epoch, w, extra):
    T, alpha, beta = extra["temperature"], extra["alpha"], extra["beta"]
    ce_weight, warmup = extra["ceWeight"], extra["warmup"]
    n = s.shape[0]
    gt = F.one_hot(y, s.shape[1]).to(s.dtype)
    def binary(p):
        return torch.stack([(p * gt).sum(1), (p * (1 - gt)).sum(1)], dim=1)
    ps, pt = F.softmax(s / T, dim=1), F.softmax(t / T, dim=1)
    bs, bt = binary(ps), binary(pt)
    tckd_rows = F.kl_div(torch.log(bs), bt, reduction="none").sum(1)
    nckd_rows = F.kl_div(F.log_softmax(s / T - 1000.0 * gt, dim=1), F.softmax(t / T - 1000.0 * gt, dim=1), reduction="none").sum(1)
    kd_rows = F.kl_div(F.log_softmax(s / T, dim=1), pt, reduction="none").sum(1)
    assert torch.allclose(kd_rows, tckd_rows + (1 - bt[:, 0]) * nckd_rows, rtol=1e-9, atol=1e-12), "KD = TCKD + (1 - p_t) NCKD"
    tckd = tckd_rows.sum() * T * T / n
    nckd = nckd_rows.sum() * T * T / n
    warm = min((epoch + 1) / warmup, 1.0)
    return ce_weight * F.cross_entropy(s, y, weight=w) + warm * (alpha * tckd + beta * nckd)
`;

/**
 * How close float32 can be. A gradient entry is a sum of terms as large as the
 * gradient's largest entries (β · T / batch is 4 at the defaults, ~12× KD's
 * test), so float32 rounding leaves it a few 1e-8 off even when it is small;
 * PyTorch's own float32 run of the reference fails 1e-5 with the harness's
 * absolute floor of 1e-3 in about half of such random cases. Entries under 5%
 * of the largest reference gradient are therefore compared absolutely (to
 * 5e-7 of it); the rest, and the loss, relatively, to 1e-5.
 */
function worstError(a: LossAndGrads, b: LossAndGrads, reference: LossAndGrads): number {
  const largest = Math.max(...reference.grads.flat().map(Math.abs));
  return worstRelativeError(a, b, 0.05 * largest);
}

const DEFAULTS = { alpha: 1, beta: 8, temperature: 4, ceWeight: 1, warmup: 1 };

interface Case {
  name: string;
  params: Partial<typeof DEFAULTS>;
  classes: number;
  epoch: number;
  logitScale?: number;
  classWeights?: number[];
}

const CASES: Case[] = [
  { name: "defaults, 10 classes", params: {}, classes: 10, epoch: 0 },
  { name: "α 0.5, β 2, T 2, warm-up 5 at epoch 1 (warm 0.4)", params: { alpha: 0.5, beta: 2, temperature: 2, warmup: 5 }, classes: 10, epoch: 1 },
  { name: "warm-up 3 after it (epoch 6)", params: { warmup: 3, ceWeight: 0.5 }, classes: 10, epoch: 6 },
  { name: "T 1, β 0.5, class-weighted, 5 classes", params: { temperature: 1, beta: 0.5 }, classes: 5, epoch: 0, classWeights: [0.3, 1, 2, 0.5, 1.5] },
  { name: "2 classes (NCKD is 0), T 8, warm-up 4 at epoch 0", params: { temperature: 8, alpha: 2, warmup: 4 }, classes: 2, epoch: 0 },
  { name: "2 classes, class-weighted", params: { alpha: 1.5, temperature: 3 }, classes: 2, epoch: 0, classWeights: [0.25, 2] },
  { name: "TCKD only (β 0, no CE)", params: { beta: 0, ceWeight: 0 }, classes: 10, epoch: 0 },
  { name: "NCKD only (α 0, no CE)", params: { alpha: 0, ceWeight: 0 }, classes: 10, epoch: 0 },
  { name: "confident logits (scale 30, T 1): no underflowed logs", params: { temperature: 1 }, classes: 10, epoch: 0, logitScale: 30 },
];

function assertAgree(eager: LossAndGrads, graph: LossAndGrads, reference: LossAndGrads): void {
  assert.ok(worstError(eager, reference, reference) < 1e-5, `eager vs torch ${worstError(eager, reference, reference)}`);
  assert.ok(worstError(graph, reference, reference) < 1e-5, `graph vs torch ${worstError(graph, reference, reference)}`);
  assert.ok(worstError(graph, eager, reference) < 1e-5, `graph vs eager ${worstError(graph, eager, reference)}`);
}

describe("distillation method dkd", () => {
  before(useNativeBackend);
  const dkd = getMethod("dkd");

  CASES.forEach((spec, i) => {
    test(`${spec.name}: eager and graph equal PyTorch (value and gradient) within 1e-5`, () => {
      const params = resolveParams(dkd, spec.params);
      const method = dkd.create(params, { teacher: undefined as never, student: undefined as never, numClasses: spec.classes, seed: 1 });
      const c: LossCase = { ...randomCase({ seed: 31 + 7 * i, batch: 8, classes: spec.classes, logitScale: spec.logitScale ?? 3, epoch: spec.epoch }), classWeights: spec.classWeights };
      const reference = torchLossAndGrads(TORCH_DKD, c, { ...DEFAULTS, ...spec.params });
      const eager = eagerLossAndGrads(method, c);
      const graph = graphLossAndGrads(method, c);
      assert.ok(reference.loss > 0 && Number.isFinite(reference.loss));
      assertAgree(eager, graph, reference);
    });
  });

  test("logits far apart (p_t and 1 − p_t below float32's range): finite, and still PyTorch's float64 values", () => {
    // Row 0: the student is sure of the target (1 − p_t ≈ e^-120), row 1 sure of a wrong class (p_t ≈ e^-150),
    // row 2: the teacher is sure of the target. mdistiller's log of summed float32 probabilities is −∞ on rows 0 and 1.
    const c: LossCase = {
      studentLogits: [[120, 0, -3, 2], [0, 150, 1, -2], [1, -1, 0.5, 2]],
      teacherLogits: [[2, 1, 0, -1], [3, 0, 1, 2], [100, 0, -2, 1]],
      labels: [0, 0, 0],
      studentFeatures: [],
      teacherFeatures: [],
      epoch: 0,
    };
    const params = { temperature: 1, alpha: 1, beta: 2 };
    const method = dkd.create(resolveParams(dkd, params), { teacher: undefined as never, student: undefined as never, numClasses: 4, seed: 1 });
    const reference = torchLossAndGrads(TORCH_DKD, c, { ...DEFAULTS, ...params });
    const eager = eagerLossAndGrads(method, c);
    const graph = graphLossAndGrads(method, c);
    for (const result of [eager, graph]) assert.ok([result.loss, ...result.grads.flat()].every(Number.isFinite));
    assertAgree(eager, graph, reference);
  });

  test("the warm-up scales only the DKD terms", () => {
    const base = randomCase({ seed: 5, batch: 6, classes: 4 });
    const loss = (params: Record<string, number>, epoch: number): number =>
      eagerLossAndGrads(dkd.create(resolveParams(dkd, params), { teacher: undefined as never, student: undefined as never, numClasses: 4, seed: 1 }), { ...base, epoch }).loss;
    const ce = loss({ alpha: 0, beta: 0 }, 0);
    const full = loss({ warmup: 1 }, 0) - ce;
    for (const [epoch, warm] of [[0, 0.25], [2, 0.75], [3, 1], [10, 1]] as const) {
      assert.ok(Math.abs(loss({ warmup: 4 }, epoch) - ce - warm * full) < 1e-5 * Math.abs(full), `epoch ${epoch}`);
    }
  });

  test("parameters are checked with their names and ranges", () => {
    assert.deepEqual(resolveParams(dkd), DEFAULTS);
    assert.deepEqual(resolveParams(dkd, { beta: "2", warmup: "20" }), { ...DEFAULTS, beta: 2, warmup: 20 });
    assert.throws(() => resolveParams(dkd, { temperature: 0 }), /distillation.params.temperature of dkd must be a number > 0/);
    assert.throws(() => resolveParams(dkd, { alpha: -1 }), /distillation.params.alpha of dkd must be a number ≥ 0 \(weight α of TCKD/);
    assert.throws(() => resolveParams(dkd, { beta: "x" }), /distillation.params.beta of dkd must be a number ≥ 0/);
    assert.throws(() => resolveParams(dkd, { ceWeight: -0.5 }), /distillation.params.ceWeight of dkd must be a number ≥ 0/);
    assert.throws(() => resolveParams(dkd, { warmup: 0 }), /distillation.params.warmup of dkd must be an integer ≥ 1/);
    assert.throws(() => resolveParams(dkd, { warmup: 2.5 }), /warmup of dkd must be an integer ≥ 1/);
    assert.throws(() => resolveParams(dkd, { gamma: 1 }), /dkd has no parameter "gamma"; its parameters: alpha, beta, temperature, ceWeight, warmup/);
    assert.throws(
      () => dkd.create(resolveParams(dkd, { alpha: 0, beta: 0, ceWeight: 0 }), { teacher: undefined as never, student: undefined as never, numClasses: 3, seed: 1 }),
      /dkd: alpha, beta and ceWeight are all 0/,
    );
    assert.match(dkd.create(resolveParams(dkd), { teacher: undefined as never, student: undefined as never, numClasses: 3, seed: 1 }).describe(), /^dkd \(alpha 1, beta 8, temperature 4, ceWeight 1, warmup 1\)$/);
  });
});
