import { before, describe, test } from "node:test";
import assert from "node:assert/strict";
import * as tf from "@tensorflow/tfjs";
import { featureLayers, gradCam, pickFeatureLayer } from "../../lib/explain/gradcam";
import { buildModel } from "../../lib/models";
import { useNativeBackend } from "../helpers/native";

const SIZE = 16;

/** A conv layer with fixed positive kernels and no bias, so activations are zero wherever the input is. */
function positiveConv(filters: number, name: string): tf.layers.Layer {
  const kernelInitializer = tf.initializers.randomUniform({ minval: 0.1, maxval: 1, seed: 7 });
  return tf.layers.conv2d({ filters, kernelSize: 3, padding: "same", activation: "relu", useBias: false, name, kernelInitializer });
}

/** Logits read only the left half of the image: the right half is cropped away and padded back with zeros before any convolution. */
function leftHalfModel(): tf.LayersModel {
  const input = tf.input({ shape: [SIZE, SIZE, 1] });
  let x = tf.layers.cropping2D({ cropping: [[0, 0], [0, SIZE / 2]] }).apply(input) as tf.SymbolicTensor;
  x = tf.layers.zeroPadding2d({ padding: [[0, 0], [0, SIZE / 2]] }).apply(x) as tf.SymbolicTensor;
  x = positiveConv(4, "features").apply(x) as tf.SymbolicTensor;
  x = tf.layers.globalAveragePooling2d({}).apply(x) as tf.SymbolicTensor;
  const logits = tf.layers.dense({ units: 2, kernelInitializer: tf.initializers.ones(), name: "logits" }).apply(x) as tf.SymbolicTensor;
  return tf.model({ inputs: input, outputs: logits });
}

/** conv → max pool (8×8 map) → GAP → dense: the map's cells are coarser than the input's pixels. */
function pooledModel(): tf.LayersModel {
  const input = tf.input({ shape: [SIZE, SIZE, 1] });
  let x = positiveConv(3, "conv").apply(input) as tf.SymbolicTensor;
  x = tf.layers.maxPooling2d({ poolSize: 2, name: "features" }).apply(x) as tf.SymbolicTensor;
  x = tf.layers.globalAveragePooling2d({}).apply(x) as tf.SymbolicTensor;
  const logits = tf.layers.dense({ units: 2, kernelInitializer: tf.initializers.glorotUniform({ seed: 5 }), name: "logits" }).apply(x) as tf.SymbolicTensor;
  return tf.model({ inputs: input, outputs: logits });
}

function leftShare(map: number[][]): number {
  let left = 0;
  let total = 0;
  map.forEach((row) => row.forEach((v, j) => ((total += v), j < SIZE / 2 && (left += v))));
  return left / total;
}

describe("gradCam", () => {
  before(async () => {
    await useNativeBackend();
  });

  test("a model that reads only the left half gets its heatmap mass in the left half", async () => {
    const model = leftHalfModel();
    const images = tf.randomUniform([3, SIZE, SIZE, 1], 0, 1, "float32", 11) as tf.Tensor4D;
    const result = await gradCam(model, images, { classIndex: [0, 1, 0] });
    assert.deepEqual(result.heatmaps.shape, [3, SIZE, SIZE]);
    assert.equal(result.layer.name, "features");
    for (const map of result.heatmaps.arraySync()) {
      // One column past the half still sees the left half through the 3×3 kernel.
      assert.ok(leftShare(map) > 0.9, `left share ${leftShare(map)}`);
    }
    tf.dispose([images, result.heatmaps]);
    model.dispose();
  });

  test("the heatmap peaks on the one bright patch, through a coarser feature map", async () => {
    const model = pooledModel();
    const pixels = Array.from({ length: SIZE * SIZE }, (_, k) => (Math.floor(k / SIZE) >= 10 && Math.floor(k / SIZE) < 14 && k % SIZE >= 2 && k % SIZE < 6 ? 1 : 0));
    const image = tf.tensor4d(pixels, [1, SIZE, SIZE, 1]);
    // Explain whichever class has positive evidence in the patch: with all-positive activations, one of the two does.
    const both = await Promise.all([0, 1].map((c) => gradCam(model, image, { classIndex: c })));
    const best = both.find((r) => r.heatmaps.max().arraySync() === 1);
    assert.ok(best, "one of the two classes has a non-zero map");
    const map = best.heatmaps.arraySync()[0];
    const peak = map.flat().indexOf(Math.max(...map.flat()));
    const [row, col] = [Math.floor(peak / SIZE), peak % SIZE];
    assert.ok(row >= 9 && row <= 14 && col >= 1 && col <= 6, `peak at (${row}, ${col})`);
    assert.ok(map[1][14] < 0.05, "far corner is cold");
    tf.dispose([image, ...both.map((r) => r.heatmaps)]);
    model.dispose();
  });

  test("matches the closed form for features → GAP → dense: weights W[:, c] / (h·w)", async () => {
    const input = tf.input({ shape: [6, 6, 2] });
    const features = tf.layers.conv2d({ filters: 3, kernelSize: 3, padding: "same", activation: "relu", kernelInitializer: tf.initializers.glorotUniform({ seed: 1 }), name: "features" }).apply(input) as tf.SymbolicTensor;
    const pooled = tf.layers.globalAveragePooling2d({}).apply(features) as tf.SymbolicTensor;
    const dense = tf.layers.dense({ units: 2, kernelInitializer: tf.initializers.glorotUniform({ seed: 2 }), name: "logits" });
    const model = tf.model({ inputs: input, outputs: dense.apply(pooled) as tf.SymbolicTensor });
    const images = tf.randomUniform([2, 6, 6, 2], -1, 1, "float32", 4) as tf.Tensor4D;
    const result = await gradCam(model, images, { classIndex: 1 });
    const expected = tf.tidy(() => {
      const a = (tf.model({ inputs: input, outputs: features }).predict(images) as tf.Tensor4D);
      const w = (dense.getWeights()[0] as tf.Tensor2D).slice([0, 1], [3, 1]).reshape([1, 1, 1, 3]).div(36);
      const cam = tf.relu(tf.sum(tf.mul(a, w), 3));
      return tf.divNoNan(cam, tf.max(cam, [1, 2], true)).arraySync() as number[][][];
    });
    // The map's own size equals the input's here, so upsampling is the identity.
    const actual = result.heatmaps.arraySync();
    actual.flat(2).forEach((v, i) => assert.ok(Math.abs(v - expected.flat(2)[i]) < 1e-5, `cell ${i}: ${v} vs ${expected.flat(2)[i]}`));
    tf.dispose([images, result.heatmaps]);
    model.dispose();
  });

  test("on the Model 2 student: shapes, range [0, 1], predicted class by default, no leaked tensors", async () => {
    const beforeModel = tf.memory().numTensors;
    const model = await buildModel("pneumonia-student-model2", { seed: 1, inputSize: 64 });
    const layers = featureLayers(model);
    assert.equal(layers[layers.length - 1].name, "out_relu");
    assert.equal(pickFeatureLayer(model).name, "out_relu");
    const layer = pickFeatureLayer(model, { minSize: 4 });
    assert.deepEqual([layer.height, layer.width], [4, 4]);
    assert.ok(layers.findIndex((l) => l.name === layer.name) > layers.findIndex((l) => l.name === "block_12_add"), layer.name);
    const images = tf.randomUniform([2, 64, 64, 3], -1, 1, "float32", 9) as tf.Tensor4D;
    const warm = await gradCam(model, images, { minSize: 4 });
    warm.heatmaps.dispose();
    const before = tf.memory().numTensors;
    const result = await gradCam(model, images, { minSize: 4 });
    assert.deepEqual(result.heatmaps.shape, [2, 64, 64]);
    const values = result.heatmaps.dataSync();
    assert.ok(values.every((v) => v >= 0 && v <= 1));
    assert.ok(Math.max(...values) === 1 || Math.max(...values) === 0);
    result.probabilities.forEach((p, i) => assert.equal(result.classIndex[i], p.indexOf(Math.max(...p))));
    result.heatmaps.dispose();
    assert.equal(tf.memory().numTensors, before);
    images.dispose();
    model.dispose();
    // Grad-CAM's probe model and eager graph walk hold no extra references: disposing the model frees its weights.
    assert.equal(tf.memory().numTensors, beforeModel);
  });

  test("around a skip connection, the gradient flows through the chosen activation only", async () => {
    // logits = dense(GAP(features + shortcut)), shortcut a separate conv of the input: the feature map is not a cut point.
    const input = tf.input({ shape: [6, 6, 1] });
    const conv = (name: string, seed: number) => tf.layers.conv2d({ filters: 2, kernelSize: 3, padding: "same", kernelInitializer: tf.initializers.glorotUniform({ seed }), name });
    const features = conv("features", 1).apply(input) as tf.SymbolicTensor;
    const shortcut = conv("shortcut", 2).apply(input) as tf.SymbolicTensor;
    const sum = tf.layers.add({}).apply([features, shortcut]) as tf.SymbolicTensor;
    const pooled = tf.layers.globalAveragePooling2d({}).apply(sum) as tf.SymbolicTensor;
    const dense = tf.layers.dense({ units: 2, kernelInitializer: tf.initializers.glorotUniform({ seed: 3 }) });
    const model = tf.model({ inputs: input, outputs: dense.apply(pooled) as tf.SymbolicTensor });
    const image = tf.randomUniform([1, 6, 6, 1], 0, 1, "float32", 5) as tf.Tensor4D;
    const result = await gradCam(model, image, { layer: "features", classIndex: 0 });
    // ∂y/∂A = W[:, 0] / 36 at every cell, as without the shortcut.
    const expected = tf.tidy(() => {
      const a = tf.model({ inputs: input, outputs: features }).predict(image) as tf.Tensor4D;
      const w = (dense.getWeights()[0] as tf.Tensor2D).slice([0, 0], [2, 1]).reshape([1, 1, 1, 2]);
      const cam = tf.relu(tf.sum(tf.mul(a, w), 3));
      return tf.divNoNan(cam, tf.max(cam)).dataSync();
    });
    const actual = result.heatmaps.dataSync();
    assert.equal(Math.max(...actual), 1, "the map is not blank");
    actual.forEach((v, i) => assert.ok(Math.abs(v - expected[i]) < 1e-5, `cell ${i}: ${v} vs ${expected[i]}`));
    tf.dispose([image, result.heatmaps]);
    model.dispose();
  });

  test("a bad layer name or class is a clear error", async () => {
    const model = pooledModel();
    const images = tf.zeros([1, SIZE, SIZE, 1]) as tf.Tensor4D;
    await assert.rejects(gradCam(model, images, { layer: "nope" }), /no layer named nope/);
    await assert.rejects(gradCam(model, images, { layer: "logits" }), /no 4-D feature map/);
    await assert.rejects(gradCam(model, images, { classIndex: 2 }), /classIndex 2 is not a class/);
    assert.throws(() => pickFeatureLayer(model, { minSize: 20 }), /no convolutional feature map of at least 20×20/);
    images.dispose();
    model.dispose();
  });
});
