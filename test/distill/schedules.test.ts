import { before, describe, test } from "node:test";
import assert from "node:assert/strict";
import * as tf from "@tensorflow/tfjs";
import { useNativeBackend } from "../helpers/native";
import { createSchedule } from "../../lib/distill/schedules";
import { createOptimizer, getLearningRate, optimizerState, restoreOptimizerState, setLearningRate } from "../../lib/distill/optimizers";

const record = (valLoss: number) => ({ epoch: 1, lr: 0, loss: 0, accuracy: 0, seconds: 0, val_loss: valLoss });

describe("learning-rate schedules", () => {
  before(async () => {
    await useNativeBackend();
  });

  test("step decay", () => {
    const s = createSchedule({ kind: "step", everyEpochs: 2, gamma: 0.5 }, 0.1);
    assert.deepEqual([0, 1, 2, 3, 4].map((e) => s.learningRate(e)), [0.1, 0.1, 0.05, 0.05, 0.025]);
  });

  test("cosine annealing with warm-up", () => {
    const s = createSchedule({ kind: "cosine", epochs: 12, minLr: 0.01, warmupEpochs: 2 }, 0.1);
    assert.ok(Math.abs(s.learningRate(0) - 0.1 / 3) < 1e-12);
    assert.ok(Math.abs(s.learningRate(2) - 0.1) < 1e-12);
    assert.ok(Math.abs(s.learningRate(7) - 0.055) < 1e-12, "half-way is the mean of lr and minLr");
    assert.ok(Math.abs(s.learningRate(12) - 0.01) < 1e-12);
  });

  test("reduce-on-plateau cuts the rate after more than `patience` bad epochs, and its state restores", () => {
    const s = createSchedule({ kind: "plateau", monitor: "val_loss", factor: 0.1, patience: 1, minLr: 1e-4 }, 0.1);
    const rates: number[] = [];
    for (const loss of [1.0, 0.9, 0.95, 0.95, 0.85, 0.99, 0.99]) {
      s.observe(record(loss));
      rates.push(s.learningRate(0));
    }
    assert.deepEqual(rates.map((r) => Number(r.toPrecision(6))), [0.1, 0.1, 0.1, 0.01, 0.01, 0.01, 0.001]);
    const copy = createSchedule({ kind: "plateau", monitor: "val_loss", factor: 0.1, patience: 1, minLr: 1e-4 }, 0.1);
    copy.restore(s.state());
    copy.observe(record(0.99));
    s.observe(record(0.99));
    assert.equal(copy.learningRate(0), s.learningRate(0));
    assert.throws(() => createSchedule({ kind: "plateau", monitor: "val_loss", factor: 2, patience: 1 }, 0.1), /factor must be in \(0, 1\)/);
  });
});

describe("optimizers", () => {
  before(async () => {
    await useNativeBackend();
  });

  test("SGD with momentum follows v ← m·v + g, w ← w − lr·v, with the rate changed between steps", () => {
    const optimizer = createOptimizer({ kind: "sgd", lr: 0.1, momentum: 0.8 });
    const w = tf.variable(tf.scalar(1));
    const step = (lr: number): void => {
      setLearningRate(optimizer, lr);
      // loss ½w² → gradient w
      optimizer.minimize(() => tf.mul(tf.square(w), 0.5) as tf.Scalar, false, [w]);
    };
    step(0.1); // v = 1, w = 0.9
    step(0.5); // v = 0.8 + 0.9 = 1.7, w = 0.9 − 0.85 = 0.05
    assert.ok(Math.abs(w.dataSync()[0] - 0.05) < 1e-6);
    assert.equal(getLearningRate(optimizer), 0.5);
    optimizer.dispose();
    w.dispose();
  });

  test("Adam reads the new rate on the next step; its state restores into a fresh optimizer", async () => {
    const run = (lr: number) => {
      const optimizer = createOptimizer({ kind: "adam", lr: 0.1 });
      const w = tf.variable(tf.scalar(1));
      setLearningRate(optimizer, lr);
      optimizer.minimize(() => tf.mul(tf.square(w), 0.5) as tf.Scalar, false, [w]);
      return { optimizer, w };
    };
    const { optimizer, w } = run(0.01);
    // Adam's first step moves by lr·sign(g) (bias-corrected).
    assert.ok(Math.abs(w.dataSync()[0] - 0.99) < 1e-5);
    const state = await optimizerState(optimizer);
    assert.equal(state.slots.length, 3);
    const fresh = createOptimizer({ kind: "adam", lr: 0.01 });
    await restoreOptimizerState(fresh, state, [[]], "test");
    const w2 = tf.variable(tf.scalar(0.99));
    for (const [opt, v] of [[optimizer, w], [fresh, w2]] as const) opt.minimize(() => tf.mul(tf.square(v), 0.5) as tf.Scalar, false, [v]);
    assert.ok(Math.abs(w.dataSync()[0] - w2.dataSync()[0]) < 1e-7);
    await assert.rejects(restoreOptimizerState(createOptimizer({ kind: "sgd", lr: 0.1 }), state, [[]], "ckpt/optimizer.json"), /ckpt\/optimizer.json: optimizer state is for Adam/);
    tf.dispose([w, w2]);
    optimizer.dispose();
    fresh.dispose();
  });

  test("bad optimizer settings are rejected", () => {
    assert.throws(() => createOptimizer({ kind: "sgd", lr: -1 }), /optimizer.lr must be a positive number/);
    assert.throws(() => createOptimizer({ kind: "sgd", lr: 0.1, momentum: 1.2 }), /momentum must be in \[0, 1\)/);
  });
});
