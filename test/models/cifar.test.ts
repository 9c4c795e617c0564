import assert from "node:assert/strict";
import { before, describe, test } from "node:test";
import * as tf from "@tensorflow/tfjs";
import { cifarStudent, cifarTeacher } from "../../lib/models/cifar";
import { regularizationLoss } from "../../lib/models/seeds";
import { useNativeBackend } from "../helpers/native";
import { forwardBackward } from "./train-step";

const countClass = (model: tf.LayersModel, className: string): number => model.layers.filter((l) => l.getClassName() === className).length;

describe("CIFAR-10 teacher and student", () => {
  before(async () => {
    await useNativeBackend();
  });

  test("layouts: teacher 10 conv + 1 pool + Dense 256 + 10 logits, student 3 conv + 1 pool + Dense 256 + 10 logits", () => {
    for (const [model, convs] of [[cifarTeacher(), 10], [cifarStudent(), 3]] as const) {
      assert.equal(countClass(model, "Conv2D"), convs, model.name);
      assert.equal(countClass(model, "MaxPooling2D"), 1, model.name);
      const dense = model.layers.filter((l) => l.getClassName() === "Dense");
      assert.deepEqual(dense.map((l) => l.outputShape), [[null, 256], [null, 10]]);
      assert.equal((dense[1].getConfig() as { activation: string }).activation, "linear", "logits out");
      assert.deepEqual(model.inputs[0].shape, [null, 32, 32, 3]);
      model.dispose();
    }
  });

  test("forward and backward pass on the native backend at 32×32 reach every weight, without leaking tensors", () => {
    for (const model of [cifarTeacher(), cifarStudent()]) {
      const first = forwardBackward(model, 4);
      const tensors = tf.memory().numTensors;
      const second = forwardBackward(model, 4, 2);
      assert.equal(tf.memory().numTensors, tensors, `${model.name} leaks tensors per step`);
      for (const step of [first, second]) {
        assert.ok(step.allFinite, model.name);
        assert.equal(step.nonZeroGradients, step.trainableWeights, `${model.name}: every weight gets a gradient`);
        assert.ok(step.loss > 0);
      }
      model.dispose();
    }
  });

  test("seeded initialisation: the same seed gives the same weights, another seed others", () => {
    const weights = (seed: number): number[][] => {
      const model = cifarTeacher({ seed });
      const values = model.getWeights().map((w) => Array.from(w.dataSync()));
      model.dispose();
      return values;
    };
    const a = weights(11);
    assert.deepEqual(weights(11), a);
    const c = weights(12);
    assert.notDeepEqual(c[0], a[0]);
    assert.notDeepEqual(c[c.length - 2], a[a.length - 2]);
  });

  test("weight decay adds (wd/2)·Σ kernel² to the loss; dropout appears only when asked", () => {
    const weightDecay = 1e-3;
    const model = cifarStudent({ weightDecay, dropout: 0.25 });
    const kernels = model.layers.filter((l) => ["Conv2D", "Dense"].includes(l.getClassName())).map((l) => l.getWeights()[0]);
    const expected = (weightDecay / 2) * kernels.reduce((s, k) => s + k.square().sum().dataSync()[0], 0);
    const penalty = regularizationLoss(model);
    assert.ok(Math.abs(penalty.dataSync()[0] - expected) < 1e-6 * Math.max(1, expected));
    assert.equal(countClass(model, "Dropout"), 1);
    const plain = cifarStudent();
    assert.equal(countClass(plain, "Dropout"), 0);
    const none = regularizationLoss(plain);
    assert.equal(none.dataSync()[0], 0);
    tf.dispose([penalty, none]);
    model.dispose();
    plain.dispose();
  });
});
