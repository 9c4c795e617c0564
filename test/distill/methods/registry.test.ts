import { before, describe, test } from "node:test";
import assert from "node:assert/strict";
import { useNativeBackend } from "../../helpers/native";
import { getMethod, methodNames, registerMethod, resolveParams } from "../../../lib/distill/methods/index";
import { l2Logits } from "../toy-method";
import { eagerLossAndGrads, graphLossAndGrads, randomCase, torchLossAndGrads, worstRelativeError } from "./harness";

const TORCH_L2 = `
def loss(s, t, y, sf, tf, epoch, w, extra):
    return F.cross_entropy(s, y, weight=w) + extra["weight"] * ((s - t) ** 2).mean()
`;

describe("the method registry", () => {
  before(useNativeBackend);

  test("a method is one definition plus one registration: then it is found, its parameters checked, and its eager and graph losses agree", () => {
    assert.throws(() => getMethod("l2-logits"), /unknown distillation method "l2-logits"/);
    registerMethod(l2Logits);
    assert.ok(methodNames().includes("l2-logits"));
    assert.ok(methodNames().includes("kd") && methodNames().includes("dkd"));
    const definition = getMethod("l2-logits");
    assert.equal(definition, l2Logits);
    assert.deepEqual(resolveParams(definition), { weight: 0.5 });
    assert.deepEqual(resolveParams(definition, { weight: "2" }), { weight: 2 });
    assert.throws(() => resolveParams(definition, { weight: -1 }), /distillation.params.weight of l2-logits must be a number ≥ 0 \(weight w of the mean squared logit difference\), got -1/);
    assert.throws(() => resolveParams(definition, { temperature: 4 }), /l2-logits has no parameter "temperature"; its parameters: weight/);

    const method = definition.create(resolveParams(definition, { weight: 0.3 }), { teacher: undefined as never, student: undefined as never, numClasses: 6, seed: 1 });
    assert.equal(method.describe(), "l2-logits (weight 0.3)");
    const c = { ...randomCase({ seed: 11, batch: 5, classes: 6 }), classWeights: [1, 0.5, 2, 1, 0.25, 1.5] };
    const eager = eagerLossAndGrads(method, c);
    const graph = graphLossAndGrads(method, c);
    const reference = torchLossAndGrads(TORCH_L2, c, { weight: 0.3 });
    assert.ok(worstRelativeError(graph, eager) < 1e-5, `graph vs eager ${worstRelativeError(graph, eager)}`);
    assert.ok(worstRelativeError(eager, reference) < 1e-5, `eager vs torch ${worstRelativeError(eager, reference)}`);
  });

  test("a name is registered once", () => {
    assert.throws(() => registerMethod({ ...l2Logits, name: "kd" }), /distillation method "kd" is already registered/);
    assert.throws(() => registerMethod({ ...l2Logits, name: "dkd" }), /distillation method "dkd" is already registered/);
    if (!methodNames().includes("l2-logits")) registerMethod(l2Logits);
    assert.throws(() => registerMethod(l2Logits), /distillation method "l2-logits" is already registered/);
  });
});
