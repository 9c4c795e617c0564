/**
 * The compiled train step's behaviour beyond numerical agreement with the
 * eager step (that is equivalence.test.ts): frozen layers, dropout seeds,
 * checkpoints across step kinds, leaks, fallbacks, session settings. Runs
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

  test("session thread settings serialise as ConfigProto varints", () => {
    assert.equal(sessionConfig(), null);
    assert.deepEqual(Array.from(sessionConfig({ intraOp: 2, interOp: 1 }) ?? []), [0x10, 2, 0x28, 1]);
    assert.deepEqual(Array.from(sessionConfig({ intraOp: 300 }) ?? []), [0x10, 0xac, 0x02]);
    assert.throws(() => sessionConfig({ intraOp: -1 }), /non-negative integer/);
  });
});
