/**
 * KDLAB_BF16=1, the opt-in bf16 mixed precision of the compiled graphs: its
 * variable is parsed strictly, the session config carries the rewrite, and
 * where oneDNN has bf16 kernels a traced step really runs casts to bf16 and
 * still learns what float32 learns; where it has none (the CPU, oneDNN off,
 * an ISA cap) asking for it is the clear error instead (both branches assert).
 * A step or predictor given its precision directly (the bench's bf16 variant)
 * follows it whatever the variable says; KDLAB_BF16=teacher gives bf16 to the
 * teacher's graphs only (its outputs in distillation), the student float32.
 * bf16 training graphs pad convolutions over an odd channel count with a
 * zero channel: without it, fresh bf16 steps of 1- and 3-channel nets gave
 * NaN at random on the cache-hiding Zen 5 VM (5–45 % of sessions); the
 * kernel's zero channel is a ConcatV2, since a Pad there aborted oneDNN's
 * layout pass after a ZeroPadding2D (DenseNet121's conv1).
 */
import assert from "node:assert/strict";
import { after, before, describe, test } from "node:test";
import * as tf from "@tensorflow/tfjs";
import { BF16_REWRITE_CONFIG, BF16_VARIABLE, bf16Mode, bf16Unavailable, bfloat16Requested, ComputePrecision, computePrecision } from "../../lib/runtime/precision";
import { CompiledPredictor } from "../../lib/distill/compiled/predictor";
import { sessionConfig } from "../../lib/graph/session-config";
import { CompiledTrainStep } from "../../lib/distill/compiled/step";
import { cpuHasBf16Kernels } from "../../lib/runtime/cpu";
import { createOptimizer, disposeOptimizer, OptimizerConfig } from "../../lib/distill/optimizers";
import { cifarStudent } from "../../lib/models/cifar";
import { trainModel } from "../../lib/distill/trainer";
import { useNativeBackend } from "../helpers/native";
import { kdMethod, syntheticTask, taskSource, tinyConvNet } from "../distill/fixtures";
import { fixedBatches } from "./equivalence";

/** Decided after the backend is up: kdlab's oneDNN setting (an AVX cap) can remove the bf16 kernels a CPU has. */
let bf16Here = false;
const OPTIMIZER: OptimizerConfig = { kind: "sgd", lr: 0.02, momentum: 0.9 };

/** Losses of `steps` compiled steps on one fixed batch, and the traced op types of one more. */
async function trainTraced(steps: number, precision?: ComputePrecision): Promise<{ losses: number[]; casts: number }> {
  const model = cifarStudent({ seed: 5 });
  const optimizer = createOptimizer(OPTIMIZER);
  const step = new CompiledTrainStep({ model, optimizer, optimizerConfig: OPTIMIZER, precision });
  const [batch] = fixedBatches(model, 1, 32, 21);
  try {
    const losses: number[] = [];
    for (let i = 0; i < steps; i++) losses.push((await step.run(batch, { learningRate: OPTIMIZER.lr, seed: i })).loss);
    const casts = (await step.traceStep(batch, { learningRate: OPTIMIZER.lr, seed: steps })).filter((op) => op.opType === "Cast").length;
    return { losses, casts };
  } finally {
    step.dispose();
    disposeOptimizer(optimizer);
    model.dispose();
    tf.dispose([batch.xs, batch.labels, batch.teacherLogits]);
  }
}

/** A 32×32 net whose first convolution reads `channels` channels (1: the X-rays, 3: CIFAR's photographs). */
/** A net whose first convolution reads `channels` channels; `zeroPadded`: after a ZeroPadding2D, as DenseNet121's conv1. */
function firstConvNet(channels: number, seed: number, zeroPadded = false): tf.LayersModel {
  const model = tf.sequential();
  if (zeroPadded) model.add(tf.layers.zeroPadding2d({ inputShape: [32, 32, channels], padding: 3 }));
  const shape = zeroPadded ? {} : { inputShape: [32, 32, channels] };
  model.add(tf.layers.conv2d({ ...shape, filters: 32, kernelSize: zeroPadded ? 7 : 3, strides: zeroPadded ? 2 : 1, padding: zeroPadded ? "valid" : "same", activation: "relu", kernelInitializer: tf.initializers.glorotUniform({ seed }) }));
  model.add(tf.layers.conv2d({ filters: 16, kernelSize: 3, strides: 2, activation: "relu", kernelInitializer: tf.initializers.glorotUniform({ seed: seed + 1 }) }));
  model.add(tf.layers.flatten());
  model.add(tf.layers.dense({ units: 10, kernelInitializer: tf.initializers.glorotUniform({ seed: seed + 2 }) }));
  return model;
}

/** bf16's unit roundoff: 8 significant bits, round to nearest. */
const BF16_UNIT_ROUNDOFF = 2 ** -8;

/**
 * A bound on |logit_bf16 − logit_float32| per logit, from what bf16 can do
 * rather than from one CPU's rounding. In a layer y = W·x + b run in bf16
 * (operands rounded, products summed in float32, the result rounded) the
 * error is at most 3u·(|W|·|x| + |b|) plus the previous layer's error passed
 * through |W|; ReLU and max pooling pass errors and magnitudes through
 * unchanged. So over L such layers |Δ| ≤ 3·L·u·M, where M is the same net
 * run with |W|, |b| on |x| (every magnitude a logit sums). Written for
 * conv/dense/ReLU/max-pool nets such as the CIFAR student.
 */
function bf16RoundingBound(model: tf.LayersModel, xs: tf.Tensor4D): Float32Array {
  const weighted = model.layers.filter((layer) => layer.getWeights().length > 0);
  // Copies: getWeights() hands out the variables themselves, which setWeights overwrites.
  const original = model.getWeights().map((w) => w.clone());
  const magnitudes = original.map((w) => tf.abs(w));
  try {
    model.setWeights(magnitudes);
    const m = tf.tidy(() => model.predict(tf.abs(xs)) as tf.Tensor);
    const bound = m.dataSync() as Float32Array;
    m.dispose();
    const factor = 3 * weighted.length * BF16_UNIT_ROUNDOFF;
    return bound.map((v) => v * factor);
  } finally {
    model.setWeights(original);
    tf.dispose([...original, ...magnitudes]);
  }
}

describe("bf16 mixed precision (KDLAB_BF16)", () => {
  const saved = process.env[BF16_VARIABLE];
  before(async () => {
    await useNativeBackend();
    bf16Here = bf16Unavailable() === undefined;
  });
  after(() => {
    if (saved === undefined) delete process.env[BF16_VARIABLE];
    else process.env[BF16_VARIABLE] = saved;
  });

  test("the variable is 0/unset (float32) or 1; anything else is an error naming it", () => {
    assert.equal(bfloat16Requested({}), false);
    assert.equal(bfloat16Requested({ [BF16_VARIABLE]: "0" }), false);
    assert.equal(computePrecision({}), "float32");
    assert.throws(() => bfloat16Requested({ [BF16_VARIABLE]: "yes" }), /KDLAB_BF16=yes: use 1 .* or 0/);
  });

  test("oneDNN's bf16 kernels are missing without the CPU flags, with oneDNN off, and under an ISA cap below AVX512_CORE_BF16", () => {
    if (!cpuHasBf16Kernels()) {
      assert.match(bf16Unavailable({}) ?? "", /neither avx512_bf16 nor amx_bf16/);
      return;
    }
    assert.equal(bf16Unavailable({}), undefined);
    assert.equal(bf16Unavailable({ TF_ENABLE_ONEDNN_OPTS: "1", ONEDNN_MAX_CPU_ISA: "AVX512_CORE_BF16" }), undefined);
    assert.match(bf16Unavailable({ TF_ENABLE_ONEDNN_OPTS: "0" }) ?? "", /oneDNN is off/);
    assert.match(bf16Unavailable({ TF_ENABLE_ONEDNN_OPTS: "1", ONEDNN_MAX_CPU_ISA: "AVX" }) ?? "", /capped at AVX .*no bf16 kernels/);
    assert.throws(() => bfloat16Requested({ [BF16_VARIABLE]: "1", ONEDNN_MAX_CPU_ISA: "AVX2" }), /KDLAB_BF16=1: oneDNN is capped at AVX2/);
  });

  test("KDLAB_BF16=1 puts the oneDNN bf16 rewrite in the session config, after the thread fields, where oneDNN has bf16 kernels; elsewhere it is refused with the reason", () => {
    const env = { ...process.env, [BF16_VARIABLE]: "1" };
    if (!bf16Here) {
      const reason = bf16Unavailable();
      assert.throws(() => bfloat16Requested(env), (error: Error) => error.message === `KDLAB_BF16=1: ${reason}; unset it`);
      return;
    }
    assert.equal(computePrecision(env), "bf16 mixed");
    process.env[BF16_VARIABLE] = "1";
    try {
      assert.deepEqual(Array.from(sessionConfig({ intraOp: 2, interOp: 1 }) ?? []), [0x10, 2, 0x28, 1, ...BF16_REWRITE_CONFIG]);
      assert.deepEqual(Array.from(sessionConfig() ?? []), Array.from(BF16_REWRITE_CONFIG));
    } finally {
      delete process.env[BF16_VARIABLE];
    }
    assert.deepEqual(Array.from(sessionConfig({ intraOp: 2, interOp: 1 }) ?? []), [0x10, 2, 0x28, 1], "without it, only the threads");
  });

  test("a compiled CIFAR-student step under KDLAB_BF16=1 runs casts to bf16 that float32 does not, and learns the fixed batch as float32 does (where oneDNN has bf16 kernels; elsewhere the step is refused)", async () => {
    process.env[BF16_VARIABLE] = "1";
    try {
      if (!bf16Here) {
        await assert.rejects(trainTraced(1), /KDLAB_BF16=1: /);
        return;
      }
      const bf16 = await trainTraced(12);
      delete process.env[BF16_VARIABLE];
      const fp32 = await trainTraced(12);
      assert.ok(bf16.casts > fp32.casts + 5, `bf16 casts ${bf16.casts}, float32 ${fp32.casts}: the rewrite ran`);
      for (const run of [bf16, fp32]) assert.ok(run.losses.every(Number.isFinite), `finite losses ${run.losses}`);
      assert.ok(bf16.losses[11] < 0.7 * bf16.losses[0], `bf16 learns: ${bf16.losses[0]} → ${bf16.losses[11]}`);
      assert.ok(Math.abs(bf16.losses[11] - fp32.losses[11]) < 0.1 * fp32.losses[11], `after 12 steps bf16 ${bf16.losses[11]} vs float32 ${fp32.losses[11]}`);
      assert.ok(Math.abs(bf16.losses[0] - fp32.losses[0]) < 0.02 * fp32.losses[0], `first-step loss bf16 ${bf16.losses[0]} vs float32 ${fp32.losses[0]} (bf16 rounding only)`);
    } finally {
      delete process.env[BF16_VARIABLE];
    }
  });

  test("bf16 training graphs give a convolution over 1 or 3 channels a zero channel (Pad), float32 ones do not, and 25 fresh bf16 sessions each of the 1- and 3-channel nets (and a 1-channel one after a ZeroPadding2D, DenseNet121's conv1 form, which once aborted in oneDNN's layout pass) train without NaN (where oneDNN has bf16 kernels)", async () => {
    if (!bf16Here) {
      assert.throws(() => new CompiledTrainStep({ model: firstConvNet(1, 1), optimizer: createOptimizer(OPTIMIZER), optimizerConfig: OPTIMIZER, precision: "bf16 mixed" }), /bf16 mixed precision: /);
      return;
    }
    for (const [channels, zeroPadded] of [[1, false], [3, false], [1, true]] as const) {
      const model = firstConvNet(channels, 40 + channels, zeroPadded);
      const [batch] = fixedBatches(model, 1, 32, 23);
      const nonFinite: string[] = [];
      try {
        const pads: Record<string, number> = {};
        for (const precision of ["float32", "bf16 mixed"] as const) {
          const optimizer = createOptimizer(OPTIMIZER);
          const step: CompiledTrainStep = new CompiledTrainStep({ model, optimizer, optimizerConfig: OPTIMIZER, precision });
          pads[precision] = (await step.traceStep(batch, { learningRate: 0, seed: 0 })).filter((op) => op.opType === "Pad").length;
          step.dispose();
          disposeOptimizer(optimizer);
        }
        // The ZeroPadding2D is a Pad in both; the zero channel adds one in bf16 only.
        assert.deepEqual(pads, { float32: zeroPadded ? 1 : 0, "bf16 mixed": zeroPadded ? 2 : 1 }, `${channels}-channel net${zeroPadded ? " after ZeroPadding2D" : ""}: Pad ops per precision`);
        // Fresh sessions at learning rate 0: every step starts from the same weights, so each loss is the same finite number.
        for (let session = 0; session < 25; session++) {
          const optimizer = createOptimizer(OPTIMIZER);
          const step = new CompiledTrainStep({ model, optimizer, optimizerConfig: OPTIMIZER, precision: "bf16 mixed" });
          try {
            for (let i = 0; i < 3; i++) {
              const { loss } = await step.run(batch, { learningRate: 0, seed: i });
              if (!Number.isFinite(loss)) nonFinite.push(`session ${session} step ${i}: ${loss}`);
            }
          } finally {
            step.dispose();
            disposeOptimizer(optimizer);
          }
        }
      } finally {
        model.dispose();
        tf.dispose([batch.xs, batch.labels, batch.teacherLogits]);
      }
      assert.deepEqual(nonFinite, [], `${channels}-channel net${zeroPadded ? " after ZeroPadding2D" : ""}: bf16 steps gave non-finite losses`);
    }
  });

  test("a precision given to a step or predictor wins over KDLAB_BF16 either way (the bench times both in one process)", async () => {
    const model = cifarStudent({ seed: 6 });
    const [batch] = fixedBatches(model, 1, 8, 22);
    const predictorCasts = async (precision: ComputePrecision): Promise<{ casts: number; logits: Float32Array }> => {
      const predictor = new CompiledPredictor(model, { precision });
      try {
        const casts = (await predictor.traceRun(batch.xs)).filter((op) => op.opType === "Cast").length;
        const output = await predictor.predict(batch.xs);
        const logits = output.dataSync() as Float32Array;
        output.dispose();
        return { casts, logits };
      } finally {
        predictor.dispose();
      }
    };
    try {
      if (!bf16Here) {
        assert.throws(() => new CompiledPredictor(model, { precision: "bf16 mixed" }), /bf16 mixed precision: /);
        await assert.rejects(trainTraced(1, "bf16 mixed"), /bf16 mixed precision: /);
        return;
      }
      process.env[BF16_VARIABLE] = "1";
      const asked32 = await predictorCasts("float32");
      const stepAsked32 = await trainTraced(1, "float32");
      delete process.env[BF16_VARIABLE];
      const asked16 = await predictorCasts("bf16 mixed");
      const stepAsked16 = await trainTraced(1, "bf16 mixed");
      assert.ok(asked16.casts > asked32.casts, `predictor casts: bf16 asked ${asked16.casts}, float32 asked under KDLAB_BF16=1 ${asked32.casts}`);
      assert.ok(stepAsked16.casts > stepAsked32.casts + 5, `step casts: bf16 asked ${stepAsked16.casts}, float32 asked ${stepAsked32.casts}`);
      // Rounding only: each logit within bf16's error bound for this net (bf16RoundingBound), and not identical (bf16 ran).
      const bound = bf16RoundingBound(model, batch.xs);
      const errors = Array.from(asked32.logits, (v, i) => Math.abs(v - asked16.logits[i]));
      const worst = errors.reduce((w, e, i) => (e / bound[i] > w.ratio ? { ratio: e / bound[i], error: e, bound: bound[i] } : w), { ratio: 0, error: 0, bound: 0 });
      assert.ok(errors.some((e) => e > 0), "bf16 logits equal float32's exactly: the bf16 rewrite did not run");
      assert.ok(worst.ratio <= 1, `bf16 logits differ from float32 beyond bf16 rounding: ${worst.error} > bound ${worst.bound}`);
    } finally {
      delete process.env[BF16_VARIABLE];
      model.dispose();
      tf.dispose([batch.xs, batch.labels, batch.teacherLogits]);
    }
  });

  test("KDLAB_BF16=teacher: bf16 for a teacher's graphs only; in distillation the teacher's outputs run in bf16, the student's step in float32 (where oneDNN has bf16 kernels; elsewhere refused)", async () => {
    // With this process's oneDNN setting: kdlab's AVX cap is what removes the bf16 kernels on some machines.
    const teacherMode = { ...process.env, [BF16_VARIABLE]: "teacher" };
    if (!bf16Here) {
      assert.throws(() => bf16Mode(teacherMode), /KDLAB_BF16=teacher: /);
      return;
    }
    assert.equal(bf16Mode(teacherMode), "teacher");
    assert.equal(bf16Mode({ [BF16_VARIABLE]: "1" }), "all");
    assert.equal(bf16Mode({}), "off");
    assert.deepEqual([computePrecision(teacherMode, "teacher"), computePrecision(teacherMode, "student"), computePrecision(teacherMode)], ["bf16 mixed", "float32", "float32"]);
    assert.deepEqual([computePrecision({ [BF16_VARIABLE]: "1" }, "teacher"), computePrecision({ [BF16_VARIABLE]: "1" }, "student")], ["bf16 mixed", "bf16 mixed"]);
    const teacher = tinyConvNet(31);
    const student = tinyConvNet(32);
    const lines: string[] = [];
    const log = console.log;
    process.env[BF16_VARIABLE] = "teacher";
    console.log = (line: unknown) => lines.push(String(line));
    try {
      await trainModel(student, { train: taskSource(syntheticTask(64, 13), 32) }, { epochs: 1, seed: 3, optimizer: { kind: "sgd", lr: 0.05, momentum: 0.8 }, progress: () => undefined, distillation: { teacher, method: kdMethod(teacher, student, 2, 0.5) } });
    } finally {
      console.log = log;
      delete process.env[BF16_VARIABLE];
      teacher.dispose();
      student.dispose();
    }
    const stepLine = lines.find((line) => line.includes("train step:")) ?? "";
    assert.match(stepLine, /train step: compiled TensorFlow graph \(\d+ variables, sgd, TensorFlow [\d.]+\);/, `the student's step stays float32: ${stepLine}`);
    assert.match(stepLine, /teacher: compiled TensorFlow graph \(bf16 mixed\)$/, stepLine);
  });
});
