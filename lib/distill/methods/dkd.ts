/**
 * Zhao, Cui, Song, Qiu & Liang, "Decoupled Knowledge Distillation" (CVPR 2022).
 * The KD term splits, per sample with target class t, into
 *   TCKD = KL(b_T ‖ b_S),  b = [p_t, 1 − p_t]          (target vs. all the others)
 *   NCKD = KL(p̂_T ‖ p̂_S),  p̂_j = p_j / (1 − p_t), j ≠ t (among the non-targets)
 * (KD = TCKD + (1 − p_t^T) · NCKD), and DKD weighs them freely:
 *
 *   L = ceWeight · CE(labels, student)
 *     + warm · (α · T² · TCKD + β · T² · NCKD),   warm = min((epoch + 1) / warmup, 1),
 *
 * p = softmax(logits / T), TCKD and NCKD batch means, the cross-entropy
 * class-weighted when the run has class weights. Our epoch is 0-based, so the
 * first epoch already has warm = 1/warmup (mdistiller's 1-based epoch / warmup).
 * mdistiller (megvii-research/mdistiller) warms up over 20 of its 240 CIFAR
 * epochs; our standard profile runs 4 epochs on pneumonia and 20 on CIFAR-10 (cosine
 * decay from the first), so the default is 1 (no warm-up): set warmup to ramp.
 *
 * Numerics. mdistiller takes the log of summed float probabilities for TCKD
 * (−∞ in float32 once p_t or 1 − p_t underflows) and
 * softmax(logits/T − 1000·gt_mask) for NCKD. Here everything stays in log
 * space, with z = logits/T: `masked` is z with the target replaced by
 * min(z) − 1000 (so its exp is exactly 0 whatever the logit scale),
 * o = logsumexp(masked) = log Σ_{j≠t} exp(z_j), and then
 *   log b = logSoftmax([z_t, o])        (b's logits: target vs. the rest)
 *   log p̂ = masked − o                  (the non-target log-probabilities).
 * The values are mdistiller's; the gradients come out as products
 * (b_S − b_T)·(e_t − p̂_S) and p̂_S − p̂_T, with no difference of nearly equal
 * probabilities (which a log(1 − p_t) built from two log-softmaxes gives).
 */
import * as tf from "@tensorflow/tfjs";
import { DT, OutputRef } from "../../graph/binding";
import { attr, GraphBuilder } from "../../graph/graph";
import { crossEntropyGraph } from "../../graph/loss-graph";
import { crossEntropy } from "../loss";
import { describeMethod, MethodDefinition, MethodParamError } from "./method";

/** How far below the row's smallest logit/T the target is put for the non-target softmax. */
const MASK_GAP = 1000;

/** min((epoch + 1) / warmup, 1) for a 0-based epoch. */
export function warmFactor(epoch: number, warmup: number): number {
  return Math.min((epoch + 1) / warmup, 1);
}

/** Σ over a row of exp(logP_T) · (logP_T − logP_S), [batch, k] → [batch]. */
function klRows(teacherLogProbs: tf.Tensor, studentLogProbs: tf.Tensor): tf.Tensor {
  return tf.sum(tf.mul(tf.exp(teacherLogProbs), tf.sub(teacherLogProbs, studentLogProbs)), 1);
}

/** log Σ exp over each row, keeping the axis: max + log Σ exp(x − max). */
function logSumExpRows(x: tf.Tensor2D): tf.Tensor2D {
  const max = tf.max(x, 1, true);
  return tf.add(max, tf.log(tf.sum(tf.exp(tf.sub(x, max)), 1, true)));
}

/** The log-probabilities of z = logits/T: binary [log p_t, log(1 − p_t)] and over the non-targets (target entry ≈ −1000, ignored). */
function decoupledLogProbs(z: tf.Tensor2D, targetMask: tf.Tensor2D): { binary: tf.Tensor2D; nonTarget: tf.Tensor2D } {
  const masked = tf.sub(z, tf.mul(targetMask, tf.add(tf.sub(z, tf.min(z, 1, true)), MASK_GAP))) as tf.Tensor2D;
  const others = logSumExpRows(masked);
  const target = tf.sum(tf.mul(targetMask, z), 1, true) as tf.Tensor2D;
  return { binary: tf.logSoftmax(tf.concat([target, others], 1)), nonTarget: tf.sub(masked, others) };
}

/** T² · batch means of TCKD and NCKD (eager). */
export function decoupledTerms(studentLogits: tf.Tensor2D, teacherLogits: tf.Tensor2D, labels: tf.Tensor1D, temperature: number): { tckd: tf.Scalar; nckd: tf.Scalar } {
  if (teacherLogits.rank !== 2 || teacherLogits.shape[0] !== studentLogits.shape[0] || teacherLogits.shape[1] !== studentLogits.shape[1]) {
    throw new Error(`dkd: teacher logits [${teacherLogits.shape.join(", ")}] do not match student logits [${studentLogits.shape.join(", ")}]`);
  }
  if (studentLogits.shape[1] < 2) throw new Error(`dkd: needs at least 2 classes, got ${studentLogits.shape[1]}`);
  return tf.tidy(() => {
    const mask = tf.oneHot(labels, studentLogits.shape[1], 1, 0, "float32") as tf.Tensor2D;
    const student = decoupledLogProbs(tf.div(studentLogits, temperature), mask);
    const teacher = decoupledLogProbs(tf.div(teacherLogits, temperature), mask);
    const scale = temperature * temperature;
    const tckd = tf.mul(tf.mean(klRows(teacher.binary, student.binary)), scale) as tf.Scalar;
    // The target entry of the teacher's non-target distribution is exp(≈ −1000) = 0: it adds nothing.
    const nckd = tf.mul(tf.mean(klRows(teacher.nonTarget, student.nonTarget)), scale) as tf.Scalar;
    return { tckd, nckd };
  });
}

// Graph ops GraphBuilder has no typed method for.
const F32 = attr.type("T", DT.float32);
const rowReduce = (g: GraphBuilder, type: "Max" | "Min", a: OutputRef): OutputRef =>
  g.op(type, [a, g.ints([1])], [F32, attr.type("Tidx", DT.int32), attr.bool("keep_dims", true)]);
const concatColumns = (g: GraphBuilder, a: OutputRef, b: OutputRef): OutputRef =>
  g.op("ConcatV2", [[a, b], g.constant({ dtype: DT.int32, shape: [], data: Int32Array.of(1) })], [attr.int("N", 2), F32, attr.type("Tidx", DT.int32)]);
const targetMaskGraph = (g: GraphBuilder, labels: OutputRef, classes: number): OutputRef =>
  g.op("OneHot", [labels, g.constant({ dtype: DT.int32, shape: [], data: Int32Array.of(classes) }), g.scalar(1), g.scalar(0)], [F32, attr.type("TI", DT.int32), attr.int("axis", -1)]);

function klRowsGraph(g: GraphBuilder, teacherLogProbs: OutputRef, studentLogProbs: OutputRef): OutputRef {
  return g.sum(g.mul(g.exp(teacherLogProbs), g.sub(teacherLogProbs, studentLogProbs)), [1]);
}

function logSumExpRowsGraph(g: GraphBuilder, x: OutputRef): OutputRef {
  const max = rowReduce(g, "Max", x);
  return g.add(max, g.op("Log", [g.sum(g.exp(g.sub(x, max)), [1], true)], [F32]));
}

function decoupledLogProbsGraph(g: GraphBuilder, z: OutputRef, targetMask: OutputRef): { binary: OutputRef; nonTarget: OutputRef } {
  const masked = g.sub(z, g.mul(targetMask, g.add(g.sub(z, rowReduce(g, "Min", z)), g.scalar(MASK_GAP))));
  const others = logSumExpRowsGraph(g, masked);
  const target = g.sum(g.mul(targetMask, z), [1], true);
  return { binary: g.logSoftmax(concatColumns(g, target, others)), nonTarget: g.sub(masked, others) };
}

/** decoupledTerms as graph ops, term for term. */
export function decoupledTermsGraph(g: GraphBuilder, studentLogits: OutputRef, teacherLogits: OutputRef, labels: OutputRef, classes: number, temperature: number): { tckd: OutputRef; nckd: OutputRef } {
  if (classes < 2) throw new Error(`dkd: needs at least 2 classes, got ${classes}`);
  const mask = targetMaskGraph(g, labels, classes);
  const inverseT = g.scalar(1 / temperature);
  const student = decoupledLogProbsGraph(g, g.mul(studentLogits, inverseT), mask);
  const teacher = decoupledLogProbsGraph(g, g.mul(teacherLogits, inverseT), mask);
  const scale = g.scalar(temperature * temperature);
  return {
    tckd: g.mul(g.mean(klRowsGraph(g, teacher.binary, student.binary), [0]), scale),
    nckd: g.mul(g.mean(klRowsGraph(g, teacher.nonTarget, student.nonTarget), [0]), scale),
  };
}

export const dkd: MethodDefinition = {
  name: "dkd",
  reference: "Zhao, Cui, Song, Qiu & Liang, Decoupled Knowledge Distillation, CVPR 2022",
  params: {
    alpha: { kind: "number", default: 1, min: 0, doc: "weight α of TCKD, the target-vs-rest KL" },
    beta: { kind: "number", default: 8, min: 0, doc: "weight β of NCKD, the KL among the non-target classes" },
    temperature: { kind: "number", default: 4, min: 0, exclusiveMin: true, doc: "softmax temperature T of both terms" },
    ceWeight: { kind: "number", default: 1, min: 0, doc: "weight of the hard-label cross-entropy" },
    warmup: { kind: "number", default: 1, min: 1, integer: true, doc: "epochs over which the DKD terms ramp up linearly (min((epoch + 1) / warmup, 1), 0-based epoch); 1 = none" },
  },
  create(params) {
    const alpha = params.alpha as number;
    const beta = params.beta as number;
    const temperature = params.temperature as number;
    const ceWeight = params.ceWeight as number;
    const warmup = params.warmup as number;
    if (alpha === 0 && beta === 0 && ceWeight === 0) throw new MethodParamError("dkd: alpha, beta and ceWeight are all 0, which leaves no loss");
    return {
      name: "dkd",
      params,
      taps: { teacher: [], student: [] },
      parts: [],
      describe: () => describeMethod("dkd", params),
      loss: ({ studentLogits, teacherLogits, labels, classWeights, epoch }) =>
        tf.tidy(() => {
          const terms: tf.Scalar[] = [];
          if (ceWeight > 0) terms.push(tf.mul(crossEntropy(studentLogits, labels, classWeights), ceWeight));
          if (alpha > 0 || beta > 0) {
            const { tckd, nckd } = decoupledTerms(studentLogits, teacherLogits, labels, temperature);
            const warm = warmFactor(epoch, warmup);
            if (alpha > 0) terms.push(tf.mul(tckd, warm * alpha));
            if (beta > 0) terms.push(tf.mul(nckd, warm * beta));
          }
          return terms.length === 1 ? terms[0] : (tf.addN(terms) as tf.Scalar);
        }),
      lossGraph: ({ g, studentLogits, teacherLogits, labels, classes, classWeights, epoch }) => {
        const terms: OutputRef[] = [];
        if (ceWeight > 0) terms.push(g.mul(crossEntropyGraph(g, studentLogits, labels, classes, classWeights), g.scalar(ceWeight)));
        if (alpha > 0 || beta > 0) {
          const { tckd, nckd } = decoupledTermsGraph(g, studentLogits, teacherLogits, labels, classes, temperature);
          const warm = g.op("Minimum", [g.div(g.add(epoch, g.scalar(1)), g.scalar(warmup)), g.scalar(1)], [F32]);
          if (alpha > 0) terms.push(g.mul(tckd, g.mul(warm, g.scalar(alpha))));
          if (beta > 0) terms.push(g.mul(nckd, g.mul(warm, g.scalar(beta))));
        }
        return g.addN(terms);
      },
    };
  },
};
