import assert from "node:assert/strict";
import { before, describe, test } from "node:test";
import * as tf from "@tensorflow/tfjs";
import { UsageError } from "../../lib/commands/command";
import { modelsCommand } from "../../lib/commands/models";
import { buildModel, modelEntry, modelNames } from "../../lib/models/registry";
import { ModelSummary } from "../../lib/models/summary";
import { useNativeBackend } from "../helpers/native";
import { forwardBackward } from "./train-step";

/** The pneumonia models at the study's 224×224 (batch 1); the DenseNet121 ones take a few seconds each. */
const AT_STUDY_SIZE = ["pneumonia-teacher-model1", "pneumonia-student-model1", "pneumonia-teacher-final", "pneumonia-student-final"];

async function captureStdout(run: () => Promise<number>): Promise<{ code: number; out: string }> {
  const lines: string[] = [];
  const original = console.log;
  console.log = (...args: unknown[]) => void lines.push(args.map(String).join(" "));
  try {
    return { code: await run(), out: lines.join("\n") };
  } finally {
    console.log = original;
  }
}

describe("model registry", () => {
  before(async () => {
    await useNativeBackend();
  });

  for (const name of modelNames()) {
    const entry = modelEntry(name);
    const size = entry.inputSize === 32 ? 32 : 64;
    test(`${name}: forward and backward pass on the native backend at ${size}×${size}`, () => {
      const model = entry.build({ inputSize: size, seed: 1, classes: entry.task === "imagenet" ? 5 : undefined });
      const step = forwardBackward(model, 2);
      assert.ok(step.allFinite, "finite loss and gradients");
      assert.ok(step.loss > 0);
      assert.ok(step.nonZeroGradients > 0 && step.nonZeroGradients >= step.trainableWeights - 2, `${step.nonZeroGradients}/${step.trainableWeights} weights get a gradient`);
      model.dispose();
    });
  }

  for (const name of AT_STUDY_SIZE) {
    test(`${name}: forward and backward pass at the study's 224×224`, () => {
      const model = modelEntry(name).build({ seed: 1 });
      assert.deepEqual(model.inputs[0].shape, [null, 224, 224, 3]);
      const tensors = tf.memory().numTensors;
      const step = forwardBackward(model, 1);
      assert.equal(tf.memory().numTensors, tensors, "no tensors left behind");
      assert.ok(step.allFinite && step.nonZeroGradients > 0);
      if (name.includes("model1")) assert.equal(step.trainableWeights, 2, "Model 1 trains only its Dense layer");
      model.dispose();
    });
  }

  test("buildModel loads Keras backbone weights before adding the head; unknown names are refused", async () => {
    await assert.rejects(buildModel("resnet50"), /unknown model "resnet50"; known: cifar-teacher/);
    await assert.rejects(buildModel("pneumonia-student-model1", { inputSize: 32, backboneWeights: "/nonexistent.h5" }), /nonexistent\.h5: no such file/);
    await assert.rejects(buildModel("cifar-student", { backboneWeights: "/x.h5" }), /has no separate backbone/);
  });

  test("`kdlab models summary <name> --json` prints params and layers", async () => {
    const { code, out } = await captureStdout(() => modelsCommand.run(["summary", "densenet121", "--json"]));
    assert.equal(code, 0);
    const summary = JSON.parse(out) as ModelSummary;
    assert.equal(summary.name, "densenet121");
    assert.deepEqual(summary.params, { total: 8_062_504, trainable: 7_978_856, nonTrainable: 83_648 });
    assert.deepEqual(summary.layers[2], { name: "conv1_conv", class: "Conv2D", outputShape: [null, 112, 112, 64], params: 9408 });
    assert.equal(summary.layers.length, 429);

    const small = JSON.parse((await captureStdout(() => modelsCommand.run(["summary", "pneumonia-student-model2", "--input", "96", "--json"]))).out) as ModelSummary;
    assert.deepEqual(small.layers[0].outputShape, [null, 96, 96, 3]);
    assert.deepEqual(small.layers.at(-1), { name: "logits", class: "Dense", outputShape: [null, 2], params: 1026 });

    const list = await captureStdout(() => modelsCommand.run(["list"]));
    for (const name of modelNames()) assert.match(list.out, new RegExp(`^${name} `, "m"));
    const listed = JSON.parse((await captureStdout(() => modelsCommand.run(["list", "--json"]))).out) as { name: string; task: string }[];
    assert.deepEqual(
      ["cifar-student", "densenet121", "pneumonia-student-final"].map((name) => listed.find((e) => e.name === name)?.task),
      ["cifar10", "imagenet", "chest-xray"],
      "each model's task, from its entry",
    );

    await assert.rejects(modelsCommand.run(["summary", "vgg16"]), UsageError);
    await assert.rejects(modelsCommand.run(["summary", "cifar-student", "--input", "abc"]), /--input must be a positive integer/);
    await assert.rejects(modelsCommand.run(["frobnicate"]), UsageError);
    const tooSmall = await modelsCommand.run(["summary", "densenet121-notop", "--input", "16", "--json"]);
    assert.equal(tooSmall, 1);
  });
});
