import { before, describe, test } from "node:test";
import assert from "node:assert/strict";
import { useNativeBackend } from "../../helpers/native";
import { getMethod, resolveParams } from "../../../lib/distill/methods/index";
import { eagerLossAndGrads, graphLossAndGrads, randomCase, torchLossAndGrads, worstRelativeError } from "./harness";

/** Hinton et al. 2015, eq. (2) and the T² note of section 2, written from the paper in PyTorch. */
const TORCH_KD = `
def loss(s, t, y, sf, tf, epoch, w, extra):
    T, alpha = extra["temperature"], extra["alpha"]
    ce = F.cross_entropy(s, y, weight=w)
    kl = F.kl_div(F.log_softmax(s / T, dim=1), F.softmax(t / T, dim=1), reduction="batchmean")
    return alpha * ce + (1 - alpha) * T * T * kl
`;

describe("distillation method kd", () => {
  before(useNativeBackend);
  const kd = getMethod("kd");

  for (const [temperature, alpha, weights] of [[4, 0.5, undefined], [1, 0, undefined], [8, 0.9, [0.3, 1, 2, 0.5, 1.5]]] as const) {
    test(`T ${temperature}, α ${alpha}${weights ? ", class-weighted" : ""}: eager and graph equal PyTorch (value and gradient) within 1e-5`, () => {
      const params = resolveParams(kd, { temperature, alpha });
      const method = kd.create(params, { teacher: undefined as never, student: undefined as never, numClasses: 5, seed: 1 });
      const c = { ...randomCase({ seed: 7 + temperature, batch: 6, classes: 5, logitScale: 3 }), classWeights: weights ? [...weights] : undefined };
      const reference = torchLossAndGrads(TORCH_KD, c, { temperature, alpha });
      const eager = eagerLossAndGrads(method, c);
      const graph = graphLossAndGrads(method, c);
      assert.ok(reference.loss > 0);
      assert.ok(worstRelativeError(eager, reference) < 1e-5, `eager vs torch ${worstRelativeError(eager, reference)}`);
      assert.ok(worstRelativeError(graph, reference) < 1e-5, `graph vs torch ${worstRelativeError(graph, reference)}`);
      assert.ok(worstRelativeError(graph, eager) < 1e-5, `graph vs eager ${worstRelativeError(graph, eager)}`);
    });
  }

  test("parameters are checked with their names and ranges", () => {
    assert.throws(() => resolveParams(kd, { temperature: 0 }), /distillation.params.temperature of kd must be a number > 0/);
    assert.throws(() => resolveParams(kd, { alpha: "1.5" }), /alpha of kd must be a number ≥ 0 and ≤ 1/);
    assert.throws(() => resolveParams(kd, { beta: 1 }), /kd has no parameter "beta"; its parameters: temperature, alpha/);
    assert.deepEqual(resolveParams(kd, { alpha: "0.25" }), { temperature: 4, alpha: 0.25 });
    assert.throws(() => getMethod("kdd"), /unknown distillation method "kdd"; known: kd/);
  });
});
