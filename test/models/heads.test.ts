import assert from "node:assert/strict";
import { before, describe, test } from "node:test";
import * as tf from "@tensorflow/tfjs";
import { kerasBatchNorm } from "../../lib/models/batch-norm";
import { denseNet121 } from "../../lib/models/densenet";
import { model1Head, studentHead, teacherHead } from "../../lib/models/heads";
import { mobileNetV2 } from "../../lib/models/mobilenet-v2";
import { regularizationLoss } from "../../lib/models/seeds";
import { countParams } from "../../lib/models/summary";
import { useNativeBackend } from "../helpers/native";

const layerOutput = (model: tf.LayersModel, name: string): (number | null)[] => model.getLayer(name).outputShape as (number | null)[];
const square = (size: number): [number, number, number] => [size, size, 3];

describe("the study's heads", () => {
  before(async () => {
    await useNativeBackend();
  });

  test("Model 1 freezes the backbone: only the head trains, and frozen BatchNormalization keeps its moving statistics", () => {
    const backbone = mobileNetV2({ includeTop: false, inputShape: square(64), seed: 1 });
    const model = model1Head(backbone, { seed: 2 });
    assert.deepEqual(model.outputs[0].shape, [null, 2]);
    assert.deepEqual(countParams(model), { total: 2_257_984 + 1280 * 2 + 2, trainable: 1280 * 2 + 2, nonTrainable: 2_257_984 });

    const backboneBefore = backbone.getWeights().map((w) => Array.from(w.dataSync()));
    const x = tf.randomUniform([4, 64, 64, 3], -1, 1, "float32", 3);
    const inference = model.predict(x) as tf.Tensor;
    const training = model.apply(x, { training: true }) as tf.Tensor;
    // Frozen BN normalises with its moving statistics even in training mode (Keras's rule).
    assert.ok(tf.max(tf.abs(inference.sub(training))).dataSync()[0] < 1e-5);
    // Unbalanced labels: an untrained MobileNetV2 in inference mode gives near-zero features, so the bias carries the gradient.
    const labels = tf.oneHot(tf.tensor1d([0, 0, 0, 1], "int32"), 2);
    const optimizer = tf.train.sgd(0.1);
    const headWeights = (): number[][] => model.getLayer("logits").getWeights().map((w) => Array.from(w.dataSync()));
    const headBefore = headWeights();
    optimizer.minimize(() => tf.losses.softmaxCrossEntropy(labels, model.apply(x, { training: true }) as tf.Tensor) as tf.Scalar);
    assert.deepEqual(backbone.getWeights().map((w) => Array.from(w.dataSync())), backboneBefore, "backbone unchanged");
    assert.notDeepEqual(headWeights(), headBefore, "head trained");
    tf.dispose([x, inference, training, labels]);
    optimizer.dispose();
    model.dispose();
  });

  test("kerasBatchNorm: trainable normalises with batch statistics in training; frozen uses moving statistics and keeps them", () => {
    const x = tf.randomNormal([8, 2, 2, 3], 5, 2, "float32", 4);
    for (const frozen of [false, true]) {
      const bn = kerasBatchNorm({ axis: 3, epsilon: 1e-5, name: `bn_${frozen}` });
      const model = tf.sequential({ layers: [tf.layers.inputLayer({ inputShape: [2, 2, 3] }), bn] });
      bn.trainable = !frozen;
      const y = model.apply(x, { training: true }) as tf.Tensor;
      const mean = y.mean().dataSync()[0];
      const movingMean = Array.from(bn.getWeights()[2].dataSync());
      if (frozen) {
        // Moving mean 0, variance 1: the output is the input (up to epsilon) and nothing is updated.
        assert.ok(Math.abs(mean - x.mean().dataSync()[0]) < 1e-3, `frozen output mean ${mean}`);
        assert.deepEqual(movingMean, [0, 0, 0]);
      } else {
        assert.ok(Math.abs(mean) < 1e-3, `batch-normalised mean ${mean}`);
        assert.ok(movingMean.every((m) => m > 0), "moving mean updated");
      }
      tf.dispose(y);
      model.dispose();
    }
    x.dispose();
  });

  test("Model 1 can take an extra hidden dense layer", () => {
    const model = model1Head(mobileNetV2({ includeTop: false, inputShape: square(32) }), { hiddenUnits: 128 });
    assert.equal(countParams(model).trainable, 1280 * 128 + 128 + 128 * 2 + 2);
    model.dispose();
  });

  test("Model 2 teacher at 224: 7×7×1024 → conv 512 → 7×7 stride-1 max pool → 1×1×512 → Dense 64 → Dense 2", () => {
    const model = teacherHead(denseNet121({ includeTop: false, inputShape: square(224) }));
    assert.deepEqual(layerOutput(model, "relu"), [null, 7, 7, 1024]);
    assert.equal((model.getLayer("head_dropout").getConfig() as { rate: number }).rate, 0.5);
    assert.deepEqual(layerOutput(model, "head_conv"), [null, 7, 7, 512]);
    assert.deepEqual(layerOutput(model, "head_pool"), [null, 1, 1, 512]);
    assert.deepEqual(layerOutput(model, "head_fc1"), [null, 64]);
    assert.deepEqual(model.outputs[0].shape, [null, 2]);
    assert.equal(countParams(model).total, 7_037_504 + (3 * 3 * 1024 * 512 + 512) + (512 * 64 + 64) + (64 * 2 + 2));
    model.dispose();
  });

  test("Model 2 teacher at other sizes: pool window min(7, map), then flatten", () => {
    const small = teacherHead(denseNet121({ includeTop: false, inputShape: square(64) }));
    assert.deepEqual(layerOutput(small, "head_pool"), [null, 1, 1, 512], "64 → 2×2 map → 2×2 pool");
    const large = teacherHead(denseNet121({ includeTop: false, inputShape: square(320) }));
    assert.deepEqual(layerOutput(large, "head_pool"), [null, 4, 4, 512], "320 → 10×10 map → 7×7 pool");
    assert.deepEqual(layerOutput(large, "head_flatten"), [null, 4 * 4 * 512]);
    small.dispose();
    large.dispose();
  });

  test("Model 2 student: GAP → Dense 512 ReLU → Dense 2", () => {
    const model = studentHead(mobileNetV2({ includeTop: false, inputShape: square(224) }));
    assert.deepEqual(layerOutput(model, "head_gap"), [null, 1280]);
    assert.equal((model.getLayer("head_fc1").getConfig() as { activation: string }).activation, "relu");
    assert.equal(countParams(model).total, 2_257_984 + (1280 * 512 + 512) + (512 * 2 + 2));
    assert.equal(model.layers.filter((l) => l.getClassName() === "Dropout").length, 0);
    model.dispose();
  });

  test("final variants: dropout rate and L2 weight decay are settable", () => {
    const teacher = teacherHead(denseNet121({ includeTop: false, inputShape: square(32) }), { dropout: 0.3, weightDecay: 2e-4 });
    assert.equal((teacher.getLayer("head_dropout").getConfig() as { rate: number }).rate, 0.3);
    const student = studentHead(mobileNetV2({ includeTop: false, inputShape: square(32) }), { dropout: 0.2, weightDecay: 2e-4 });
    const rates = student.layers.filter((l) => l.getClassName() === "Dropout").map((l) => (l.getConfig() as { rate: number }).rate);
    assert.deepEqual(rates, [0.2, 0.2]);
    for (const model of [teacher, student]) {
      const headKernels = model.layers.filter((l) => l.name.startsWith("head_") || l.name === "logits").flatMap((l) => (l.weights.length ? [l.getWeights()[0]] : []));
      const expected = 1e-4 * headKernels.reduce((s, k) => s + k.square().sum().dataSync()[0], 0);
      const penalty = regularizationLoss(model);
      assert.ok(Math.abs(penalty.dataSync()[0] - expected) <= 1e-6 * expected, model.name);
      penalty.dispose();
      model.dispose();
    }
  });

  test("a backbone with its top is refused with a clear message", () => {
    const withTop = mobileNetV2({ inputShape: square(32) });
    assert.throws(() => studentHead(withTop), /needs a backbone without its top/);
    withTop.dispose();
  });
});
