/**
 * The compiled train step's behaviour beyond numerical agreement with the
 * eager step (that is equivalence.test.ts): frozen layers, dropout seeds,
 * checkpoints across step kinds, leaks, fallbacks, session settings, ReLU
 * gradients read from the ReLU's output (so the ReLU fuses). Runs
 * under the oneDNN setting kdlab chose for this machine (or the user set).
 */
import { before, describe, test } from "node:test";
import assert from "node:assert/strict";
import * as fs from "node:fs";
import * as os from "node:os";
import * as path from "node:path";
import * as tf from "@tensorflow/tfjs";
import { useNativeBackend } from "../helpers/native";
import { buildModel } from "../../lib/models/registry";
import { createOptimizer, disposeOptimizer, OptimizerConfig } from "../../lib/distill/optimizers";
import { CompiledTrainStep } from "../../lib/distill/compiled/step";
import { createTrainStep, trainModel, TrainerConfig } from "../../lib/distill/trainer";
import { sessionConfig } from "../../lib/graph/session-config";
import { timeByOpType } from "../../lib/graph/trace";
import { fixedBatches } from "./equivalence";
import { maxAbsDifference, syntheticTask, taskSource, tinyConvNet, weightsOf } from "../distill/fixtures";

describe("compiled train step", () => {
  before(async () => {
    await useNativeBackend();
  });

  test("frozen backbone (Model 1): BatchNorm stays in inference mode and its statistics do not move", async () => {
    const model = await buildModel("pneumonia-student-model1", { inputSize: 32 });
    const config: OptimizerConfig = { kind: "sgd", lr: 0.01, momentum: 0.9 };
    const optimizer = createOptimizer(config);
    const step = new CompiledTrainStep({ model, optimizer, optimizerConfig: config });
    const frozen = model.weights.filter((w) => !w.trainable);
    const before = frozen.map((w) => Float32Array.from(w.read().dataSync()));
    const [batch] = fixedBatches(model, 1, 8, 3);
    try {
      for (let i = 0; i < 3; i++) await step.run(batch, { learningRate: 0.01, seed: i });
      await step.syncToModel({ optimizer: false });
      frozen.forEach((w, k) => assert.equal(maxAbsDifference([Float32Array.from(w.read().dataSync())], [before[k]]), 0, `${w.originalName} changed`));
      const head = model.trainableWeights.map((w) => w.originalName);
      assert.ok(head.every((name) => name.startsWith("logits") || name.startsWith("head")), `only the head trains: ${head.join(", ")}`);
    } finally {
      step.dispose();
      disposeOptimizer(optimizer);
      model.dispose();
      tf.dispose([batch.xs, batch.labels, batch.teacherLogits]);
    }
  });

  test("dropout masks come from the step's seed: same seed, same loss; another seed, another loss", async () => {
    const model = tinyConvNet(1, 2, 4, 0.5);
    const config: OptimizerConfig = { kind: "sgd", lr: 0 + 1e-9 };
    const optimizer = createOptimizer(config);
    const step = new CompiledTrainStep({ model, optimizer, optimizerConfig: config });
    const task = syntheticTask(16, 4);
    const xs = tf.tensor4d(task.images, [16, 8, 8, 1]);
    const labels = tf.tensor1d(task.labels, "int32");
    try {
      const lossWith = async (seed: number): Promise<number> => (await step.run({ xs, labels }, { learningRate: 0, seed })).loss;
      const first = await lossWith(11);
      assert.equal(await lossWith(11), first);
      assert.notEqual(await lossWith(12), first);
    } finally {
      step.dispose();
      disposeOptimizer(optimizer);
      model.dispose();
      tf.dispose([xs, labels]);
    }
  });

  test("a checkpoint written by a compiled run resumes in an eager run, and the other way round", async () => {
    const task = syntheticTask(64, 2);
    const data = { train: taskSource(task, 16), validation: taskSource(task, 32, false) };
    const base: Omit<TrainerConfig, "epochs" | "step"> = { seed: 4, optimizer: { kind: "adam", lr: 0.01 }, progress: "off" };
    const straight = tinyConvNet(7);
    await trainModel(straight, data, { ...base, epochs: 3, step: "compiled" });
    for (const [first, second] of [["compiled", "eager"], ["eager", "compiled"]] as const) {
      const dir = fs.mkdtempSync(path.join(os.tmpdir(), `kdlab-cross-${first}-`));
      const model = tinyConvNet(7);
      await trainModel(model, data, { ...base, epochs: 2, step: first, checkpoint: { dir } });
      const resumed = tinyConvNet(7);
      const result = await trainModel(resumed, data, { ...base, epochs: 3, step: second, checkpoint: { dir, resume: true } });
      assert.equal(result.resumedAt, 2);
      const difference = maxAbsDifference(weightsOf(resumed), weightsOf(straight));
      assert.ok(difference < 1e-4, `${first} → ${second}: weights differ from a straight compiled run by ${difference}`);
      model.dispose();
      resumed.dispose();
    }
    straight.dispose();
  });

  test("200 steps leak no tensors and no native memory", async () => {
    const model = tinyConvNet(2, 2, 8);
    const config: OptimizerConfig = { kind: "sgd", lr: 0.01, momentum: 0.9 };
    const optimizer = createOptimizer(config);
    const step = new CompiledTrainStep({ model, optimizer, optimizerConfig: config });
    const task = syntheticTask(64, 9);
    const xs = tf.tensor4d(task.images, [64, 8, 8, 1]);
    const labels = tf.tensor1d(task.labels, "int32");
    try {
      for (let i = 0; i < 20; i++) await step.run({ xs, labels }, { learningRate: 0.01, seed: i });
      await step.syncToModel({ optimizer: true });
      const tensors = tf.memory().numTensors;
      const rssAfterWarmup = process.memoryUsage().rss;
      for (let i = 20; i < 200; i++) {
        await step.run({ xs, labels }, { learningRate: 0.01, seed: i });
        if (i % 60 === 0) await step.syncToModel({ optimizer: true });
      }
      await step.syncToModel({ optimizer: true });
      assert.equal(tf.memory().numTensors, tensors, "tfjs tensors after 200 steps and syncs");
      const growthMiB = (process.memoryUsage().rss - rssAfterWarmup) / 2 ** 20;
      // A leaked feed or fetch (64×8×8 floats) would add ≥ 3 MiB over 180 steps; allocator noise stays well under.
      assert.ok(growthMiB < 3, `RSS grew by ${growthMiB.toFixed(1)} MiB over 180 steps`);
    } finally {
      step.dispose();
      disposeOptimizer(optimizer);
      model.dispose();
      tf.dispose([xs, labels]);
    }
  });

  test('step "auto" falls back to eager with the reason; "compiled" refuses an unsupported layer by name', () => {
    const model = tf.sequential({ layers: [tf.layers.conv2d({ inputShape: [8, 8, 1], filters: 2, kernelSize: 3, activation: "elu", name: "elu_conv" }), tf.layers.flatten(), tf.layers.dense({ units: 2 })] });
    const config: OptimizerConfig = { kind: "sgd", lr: 0.1 };
    const optimizer = createOptimizer(config);
    const spec = { model, optimizer, optimizerConfig: config };
    try {
      const auto = createTrainStep("auto", spec);
      assert.match(auto.step.description, /eager/);
      assert.match(auto.fallback ?? "", /elu_conv.*activation "elu"/);
      assert.throws(() => createTrainStep("compiled", spec), /layer elu_conv \(Conv2D\): activation "elu" is not supported/);
      const compiled = createTrainStep("auto", { ...spec, model: tinyConvNet(1) });
      assert.match(compiled.step.description, /compiled TensorFlow graph/);
      compiled.step.dispose();
    } finally {
      disposeOptimizer(optimizer);
      model.dispose();
    }
  });

  /** One step (lock-step: both from the same weights) with TensorFlow's own ReLU gradient and with the rewired one. */
  async function reluGradientStep(name: string, reluGradsFromOutputs: boolean, inputSize?: number) {
    const config: OptimizerConfig = { kind: "sgd", lr: 0.05, momentum: 0.9 };
    const model = await buildModel(name, { seed: 5, ...(inputSize ? { inputSize } : {}) });
    const optimizer = createOptimizer(config);
    const step = new CompiledTrainStep({ model, optimizer, optimizerConfig: config, reluGradsFromOutputs });
    const [batch] = fixedBatches(model, 1, 8, 7);
    try {
      const initial = weightsOf(model);
      const { loss } = await step.run(batch, { learningRate: 0.05, seed: 1 });
      await step.syncToModel({ optimizer: false });
      const weights = weightsOf(model);
      const relus = timeByOpType(await step.traceStep(batch, { learningRate: 0.05, seed: 2 })).find((t) => t.opType === "Relu")?.count ?? 0;
      return { rewired: step.reluGradsRewired, loss, weights, update: maxAbsDifference(weights, initial), relus };
    } finally {
      step.dispose();
      disposeOptimizer(optimizer);
      model.dispose();
      tf.dispose([batch.xs, batch.labels, batch.teacherLogits]);
    }
  }

  // Same values (features > 0 exactly where relu(features) > 0); bounds from the step's own size, not from this CPU's rounding.
  const reluCases: { name: string; inputSize?: number; relus: number; what: string }[] = [
    { name: "cifar-student", relus: 4, what: "conv + ReLU ×3 and dense + ReLU" },
    { name: "pneumonia-teacher-model2", inputSize: 32, relus: 122, what: "DenseNet121's BatchNorm + ReLU ×120, the head's conv and dense" },
  ];
  for (const c of reluCases) {
    test(`ReLU gradients read each ReLU's output (${c.name}: ${c.what}): the step TensorFlow's own gradient takes, and no ReLU left apart`, async () => {
      const own = await reluGradientStep(c.name, false, c.inputSize);
      const rewired = await reluGradientStep(c.name, true, c.inputSize);
      assert.equal(own.rewired, 0);
      assert.equal(rewired.rewired, c.relus, "one ReluGrad per ReLU the loss reaches");
      assert.ok(Math.abs(rewired.loss - own.loss) <= 1e-5 * Math.abs(own.loss), `loss ${rewired.loss} vs ${own.loss}`);
      const differ = maxAbsDifference(rewired.weights, own.weights);
      assert.ok(differ <= 1e-3 * own.update, `weights after the step differ by ${differ}, the step moved them by up to ${own.update}`);
      assert.equal(own.relus, c.relus, "TensorFlow's own gradient keeps every ReLU apart (its ReluGrad reads the pre-activation)");
      // With oneDNN on, Grappler folds each ReLU into its convolution, matmul or BatchNorm once nothing else reads the pre-activation.
      if (process.env.TF_ENABLE_ONEDNN_OPTS !== "0") assert.ok(rewired.relus <= 1, `ReLUs left apart: ${rewired.relus}`);
    });
  }

  test("session thread settings serialise as ConfigProto varints", () => {
    assert.equal(sessionConfig(), null);
    assert.deepEqual(Array.from(sessionConfig({ intraOp: 2, interOp: 1 }) ?? []), [0x10, 2, 0x28, 1]);
    assert.deepEqual(Array.from(sessionConfig({ intraOp: 300 }) ?? []), [0x10, 0xac, 0x02]);
    assert.throws(() => sessionConfig({ intraOp: -1 }), /non-negative integer/);
  });
});
