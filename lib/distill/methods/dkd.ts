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
 * p = softmax(logits / T), TCKD and NCKD batch means (the terms "tckd" and
 * "nckd"), the cross-entropy class-weighted when the run has class weights;
 * ceWeight is the default weight of the objective's hard-label term
 * (objective.ts). Our epoch is 0-based, so the
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
import { klRows } from "./feature-ops";
import { describeMethod, LossInput, LossTerms, MethodDefinition, MethodParamError } from "./method";

/** How far below the row's smallest logit/T the target is put for the non-target softmax. */
const MASK_GAP = 1000;

/** log Σ exp over each row, keeping the axis: max + log Σ exp(x − max). */
function logSumExpRows<V>({ ops }: LossInput<V>, x: V): V {
  const max = ops.max(x, 1, true);
  return ops.add(max, ops.log(ops.sum(ops.exp(ops.sub(x, max)), [1], true)));
}

/** The log-probabilities of z = logits/T: binary [log p_t, log(1 − p_t)] and over the non-targets (target entry ≈ −1000, ignored). */
function decoupledLogProbs<V>(input: LossInput<V>, z: V, targetMask: V): { binary: V; nonTarget: V } {
  const { ops } = input;
  const masked = ops.sub(z, ops.mul(targetMask, ops.add(ops.sub(z, ops.min(z, 1, true)), ops.scalar(MASK_GAP))));
  const others = logSumExpRows(input, masked);
  const target = ops.sum(ops.mul(targetMask, z), [1], true);
  return { binary: ops.logSoftmax(ops.concat([target, others], 1)), nonTarget: ops.sub(masked, others) };
}

/** T² · batch means of TCKD and NCKD. */
export function decoupledTerms<V>(input: LossInput<V>, temperature: number): { tckd: V; nckd: V } {
  const { ops, classes } = input;
  if (classes < 2) throw new Error(`dkd: needs at least 2 classes, got ${classes}`);
  const mask = ops.oneHot(input.labels, classes);
  const inverseT = ops.scalar(1 / temperature);
  const student = decoupledLogProbs(input, ops.mul(input.studentLogits, inverseT), mask);
  const teacher = decoupledLogProbs(input, ops.mul(input.teacherLogits, inverseT), mask);
  const scale = ops.scalar(temperature * temperature);
  return {
    tckd: ops.mul(ops.mean(klRows(ops, teacher.binary, student.binary), [0]), scale),
    // The target entry of the teacher's non-target distribution is exp(≈ −1000) = 0: it adds nothing.
    nckd: ops.mul(ops.mean(klRows(ops, teacher.nonTarget, student.nonTarget), [0]), scale),
  };
}

export const dkd: MethodDefinition = {
  name: "dkd",
  reference: "Zhao, Cui, Song, Qiu & Liang, Decoupled Knowledge Distillation, CVPR 2022",
  params: {
    alpha: { kind: "number", default: 1, min: 0, doc: "weight α of TCKD, the target-vs-rest KL" },
    beta: { kind: "number", default: 8, min: 0, doc: "weight β of NCKD, the KL among the non-target classes" },
    temperature: { kind: "number", default: 4, min: 0, exclusiveMin: true, doc: "softmax temperature T of both terms" },
    ceWeight: { kind: "number", default: 1, min: 0, doc: "weight of the hard-label cross-entropy (the default hardLabelWeight)" },
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
      hardLabelWeight: ceWeight,
      describe: () => describeMethod("dkd", params),
      terms<V>(input: LossInput<V>): LossTerms<V> {
        const { ops } = input;
        const terms: LossTerms<V> = {};
        if (alpha === 0 && beta === 0) return terms;
        const { tckd, nckd } = decoupledTerms(input, temperature);
        const warm = ops.minimum(ops.div(ops.add(input.epoch, ops.scalar(1)), ops.scalar(warmup)), ops.scalar(1));
        if (alpha > 0) terms.tckd = ops.mul(tckd, ops.mul(warm, ops.scalar(alpha)));
        if (beta > 0) terms.nckd = ops.mul(nckd, ops.mul(warm, ops.scalar(beta)));
        return terms;
      },
    };
  },
};
