/**
 * Hinton, Vinyals & Dean, "Distilling the Knowledge in a Neural Network"
 * (NIPS workshop 2015):
 *
 *   L = α · CE(labels, student) + (1 − α) · T² · KL(softmax(teacher/T) ‖ softmax(student/T))
 *
 * α = 1 is plain cross-entropy. T² keeps the soft term's gradients at the same
 * scale as T changes. Everything goes through log-softmax (no overflow); the
 * cross-entropy is class-weighted when the run has class weights, the soft
 * term is a plain batch mean (the teacher's distribution carries the classes).
 */
import * as tf from "@tensorflow/tfjs";
import type { OutputRef } from "../../graph/binding";
import type { GraphBuilder } from "../../graph/graph";
import { crossEntropyGraph } from "../../graph/loss-graph";
import { crossEntropy } from "../loss";
import { describeMethod, MethodDefinition } from "./method";

/** T² · mean over the batch of KL(softmax(teacher/T) ‖ softmax(student/T)). */
export function softTargetLoss(studentLogits: tf.Tensor2D, teacherLogits: tf.Tensor2D, temperature: number): tf.Scalar {
  if (teacherLogits.rank !== 2 || teacherLogits.shape[0] !== studentLogits.shape[0] || teacherLogits.shape[1] !== studentLogits.shape[1]) {
    throw new Error(`kd: teacher logits [${teacherLogits.shape.join(", ")}] do not match student logits [${studentLogits.shape.join(", ")}]`);
  }
  return tf.tidy(() => {
    const teacherLogProbs = tf.logSoftmax(tf.div(teacherLogits, temperature));
    const studentLogProbs = tf.logSoftmax(tf.div(studentLogits, temperature));
    const kl = tf.sum(tf.mul(tf.exp(teacherLogProbs), tf.sub(teacherLogProbs, studentLogProbs)), 1);
    return tf.mul(tf.mean(kl), temperature * temperature) as tf.Scalar;
  });
}

/** softTargetLoss as graph ops, term for term. */
export function softTargetGraph(g: GraphBuilder, logits: OutputRef, teacherLogits: OutputRef, temperature: number): OutputRef {
  const inverseT = g.scalar(1 / temperature);
  const teacherLogProbs = g.logSoftmax(g.mul(teacherLogits, inverseT));
  const studentLogProbs = g.logSoftmax(g.mul(logits, inverseT));
  const kl = g.sum(g.mul(g.exp(teacherLogProbs), g.sub(teacherLogProbs, studentLogProbs)), [1]);
  return g.mul(g.mean(kl, [0]), g.scalar(temperature * temperature));
}

export const kd: MethodDefinition = {
  name: "kd",
  reference: "Hinton, Vinyals & Dean, Distilling the Knowledge in a Neural Network, NIPS Deep Learning Workshop 2015",
  params: {
    temperature: { kind: "number", default: 4, min: 0, exclusiveMin: true, doc: "softmax temperature T of the soft targets" },
    alpha: { kind: "number", default: 0.5, min: 0, max: 1, doc: "weight α of the hard-label cross-entropy; 1 − α weighs the soft term" },
  },
  create(params) {
    const temperature = params.temperature as number;
    const alpha = params.alpha as number;
    return {
      name: "kd",
      params,
      taps: { teacher: [], student: [] },
      parts: [],
      describe: () => describeMethod("kd", params),
      loss: ({ studentLogits, teacherLogits, labels, classWeights }) =>
        tf.tidy(() => {
          const terms: tf.Scalar[] = [];
          if (alpha > 0) terms.push(tf.mul(crossEntropy(studentLogits, labels, classWeights), alpha));
          if (alpha < 1) terms.push(tf.mul(softTargetLoss(studentLogits, teacherLogits, temperature), 1 - alpha));
          return terms.length === 1 ? terms[0] : (tf.addN(terms) as tf.Scalar);
        }),
      lossGraph: ({ g, studentLogits, teacherLogits, labels, classes, classWeights }) => {
        const terms: OutputRef[] = [];
        if (alpha > 0) terms.push(g.mul(crossEntropyGraph(g, studentLogits, labels, classes, classWeights), g.scalar(alpha)));
        if (alpha < 1) terms.push(g.mul(softTargetGraph(g, studentLogits, teacherLogits, temperature), g.scalar(1 - alpha)));
        return g.addN(terms);
      },
    };
  },
};
