/**
 * Hinton, Vinyals & Dean, "Distilling the Knowledge in a Neural Network"
 * (NIPS workshop 2015):
 *
 *   L = α · CE(labels, student) + (1 − α) · T² · KL(softmax(teacher/T) ‖ softmax(student/T))
 *
 * The method's one term is "kd", (1 − α)·T²·KL; α is its default weight of
 * the objective's hard-label term (objective.ts). α = 1 is plain
 * cross-entropy. T² keeps the soft term's gradients at the same scale as T
 * changes. Everything goes through log-softmax (no overflow); the
 * cross-entropy is class-weighted when the run has class weights, the soft
 * term is a plain batch mean (the teacher's distribution carries the classes).
 */
import { klRows } from "./feature-ops";
import { describeMethod, LossInput, LossTerms, MethodDefinition } from "./method";

/** T² · mean over the batch of KL(softmax(teacher/T) ‖ softmax(student/T)). */
export function softTargetLoss<V>({ ops, studentLogits, teacherLogits }: LossInput<V>, temperature: number): V {
  const inverseT = ops.scalar(1 / temperature);
  const teacherLogProbs = ops.logSoftmax(ops.mul(teacherLogits, inverseT));
  const studentLogProbs = ops.logSoftmax(ops.mul(studentLogits, inverseT));
  return ops.mul(ops.mean(klRows(ops, teacherLogProbs, studentLogProbs), [0]), ops.scalar(temperature * temperature));
}

export const kd: MethodDefinition = {
  name: "kd",
  reference: "Hinton, Vinyals & Dean, Distilling the Knowledge in a Neural Network, NIPS Deep Learning Workshop 2015",
  params: {
    temperature: { kind: "number", default: 4, min: 0, exclusiveMin: true, doc: "softmax temperature T of the soft targets" },
    alpha: { kind: "number", default: 0.5, min: 0, max: 1, doc: "weight α of the hard-label cross-entropy (the default hardLabelWeight); 1 − α weighs the soft term" },
  },
  create(params) {
    const temperature = params.temperature as number;
    const alpha = params.alpha as number;
    return {
      name: "kd",
      params,
      taps: { teacher: [], student: [] },
      parts: [],
      hardLabelWeight: alpha,
      describe: () => describeMethod("kd", params),
      terms<V>(input: LossInput<V>): LossTerms<V> {
        return alpha < 1 ? { kd: input.ops.mul(softTargetLoss(input, temperature), input.ops.scalar(1 - alpha)) } : {};
      },
    };
  },
};
