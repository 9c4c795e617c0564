/**
 * A whole new distillation method, written as a newcomer adds one (a file
 * under lib/distill/methods/ would export the same): a parameter table, no
 * layers tapped, no parts, one named term written once against the loss ops,
 * so it runs in the eager and the compiled step alike — logit matching,
 * w · mean((student − teacher)²) — and the hard-label cross-entropy left at
 * its usual weight 1 (the objective adds it). The tests that use it register
 * it with one registerMethod call.
 */
import { describeMethod, MethodDefinition } from "../../lib/distill/methods/index";

export const l2Logits: MethodDefinition = {
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
      hardLabelWeight: 1,
      describe: () => describeMethod("l2-logits", params),
      terms: ({ ops, studentLogits, teacherLogits }) => ({ l2: ops.mul(ops.meanAll(ops.square(ops.sub(studentLogits, teacherLogits))), ops.scalar(weight)) }),
    };
  },
};
