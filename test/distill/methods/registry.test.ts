import { before, describe, test } from "node:test";
import assert from "node:assert/strict";
import * as tf from "@tensorflow/tfjs";
import { useNativeBackend } from "../../helpers/native";
import { crossEntropyGraph } from "../../../lib/graph/loss-graph";
import { crossEntropy } from "../../../lib/distill/loss";
import { describeMethod, getMethod, MethodDefinition, methodNames, registerMethod, resolveParams } from "../../../lib/distill/methods/index";
import { eagerLossAndGrads, graphLossAndGrads, randomCase, torchLossAndGrads, worstRelativeError } from "./harness";

/** A whole new method, as a file under lib/distill/methods/ would export it: CE + w · mean((student − teacher)²) of the logits. */
const l2Logits: MethodDefinition = {
  name: "l2-logits",
  reference: "logit matching (Ba & Caruana, Do Deep Nets Really Need to be Deep?, NIPS 2014), as a registry example",
  params: {
    weight: { kind: "number", default: 0.5, min: 0, doc: "weight w of the mean squared logit difference" },
  },
  create(params) {
    const weight = params.weight as number;
    return {
      name: "l2-logits",
      params,
      taps: { teacher: [], student: [] },
      parts: [],
      describe: () => describeMethod("l2-logits", params),
      loss: ({ studentLogits, teacherLogits, labels, classWeights }) =>
        tf.tidy(() => tf.add(crossEntropy(studentLogits, labels, classWeights), tf.mul(tf.mean(tf.squaredDifference(studentLogits, teacherLogits)), weight)) as tf.Scalar),
      lossGraph: ({ g, studentLogits, teacherLogits, labels, classes, classWeights }) =>
        g.add(crossEntropyGraph(g, studentLogits, labels, classes, classWeights), g.mul(g.mean(g.square(g.sub(studentLogits, teacherLogits)), [0, 1]), g.scalar(weight))),
    };
  },
};

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
