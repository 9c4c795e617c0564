import assert from "node:assert/strict";
import * as fs from "node:fs";
import * as path from "node:path";
import { before, describe, test } from "node:test";
import * as tf from "@tensorflow/tfjs";
import { denseNet121, densenetPreprocess } from "../../lib/models/densenet";
import { kerasSnakeCase, loadKerasWeights } from "../../lib/models/keras-weights";
import { mobileNetV2, mobilenetV2Preprocess } from "../../lib/models/mobilenet-v2";
import { loadH5wasm } from "../../lib/models/hdf5";
import { useNativeBackend } from "../helpers/native";
import { ensureKerasWeightFixtures, kerasInputOutput, WEIGHT_CASES } from "./keras-fixtures";

const TOLERANCE = 1e-4;

function build(c: (typeof WEIGHT_CASES)[number]): tf.LayersModel {
  const options = { includeTop: c.includeTop, inputShape: [c.size, c.size, 3] as [number, number, number], classifierActivation: "linear" as const };
  return c.model === "densenet121" ? denseNet121(options) : mobileNetV2(options);
}

function snapshot(model: tf.LayersModel): Float32Array[] {
  return model.getWeights().map((w) => w.dataSync() as Float32Array);
}

describe("Keras .h5 weights", () => {
  let dir = "";
  before(async () => {
    await useNativeBackend();
    dir = ensureKerasWeightFixtures();
  });

  for (const c of WEIGHT_CASES) {
    test(`${c.name}: loads by name and reproduces Keras's output within ${TOLERANCE}`, async () => {
      const model = build(c);
      const report = await loadKerasWeights(model, path.join(dir, `${c.name}.h5`));
      assert.equal(report.layout, c.name.endsWith("keras3") ? "keras3" : "keras2-legacy");
      assert.equal(report.loadedLayers.length, model.layers.filter((l) => l.weights.length > 0).length);
      assert.deepEqual(report.unusedInFile, []);
      const { input, output } = await kerasInputOutput(c.name);
      const preprocess = c.model === "densenet121" ? densenetPreprocess : mobilenetV2Preprocess;
      const ours = tf.tidy(() => model.predict(preprocess(input)) as tf.Tensor);
      assert.deepEqual(ours.shape, output.shape);
      const maxDiff = tf.tidy(() => tf.max(tf.abs(ours.sub(output))).dataSync()[0]);
      const scale = tf.tidy(() => tf.max(tf.abs(output)).dataSync()[0]);
      assert.ok(scale > 0.1, `Keras output is not trivially small (max |y| = ${scale})`);
      assert.ok(maxDiff <= TOLERANCE, `max |ours − Keras| = ${maxDiff}`);
      tf.dispose([input, output, ours]);
      model.dispose();
    });
  }

  test("a file for another architecture fails with every problem listed, and nothing is loaded", async () => {
    const model = mobileNetV2({ includeTop: false, inputShape: [67, 67, 3] });
    const before = snapshot(model);
    await assert.rejects(loadKerasWeights(model, path.join(dir, "densenet121-notop-64-legacy.h5")), (error: Error) => {
      assert.match(error.message, /densenet121-notop-64-legacy\.h5: cannot load keras2-legacy weights into model "mobilenetv2_1\.00_67", nothing was loaded; 104 problem\(s\)/);
      assert.match(error.message, /missing: Conv1 \(1 weights\) is not in the file/);
      assert.match(error.message, /missing: bn_Conv1 \(4 weights\)/);
      // Every weighted MobileNetV2 layer is missing: the first 50 are shown, the rest counted.
      assert.match(error.message, /… and 54 more$/);
      return true;
    });
    assert.deepEqual(snapshot(model), before);
    model.dispose();
  });

  test("shape mismatches are listed with both shapes, and nothing is loaded (no half-load)", async () => {
    // α = 0.5 has the same layers as α = 1.0 with narrower kernels: every layer is found, most shapes differ.
    const model = mobileNetV2({ includeTop: false, inputShape: [67, 67, 3], alpha: 0.5 });
    const before = snapshot(model);
    await assert.rejects(loadKerasWeights(model, path.join(dir, "mobilenetv2-notop-67-legacy.h5")), (error: Error) => {
      assert.match(error.message, /shape: Conv1\/kernel is \[3, 3, 3, 16\], file \/Conv1\/Conv1\/kernel is \[3, 3, 3, 32\]/);
      assert.doesNotMatch(error.message, /missing:/);
      return true;
    });
    assert.deepEqual(snapshot(model), before);
    model.dispose();
  });

  test("strict mode refuses a file with layers the model lacks; the default reports them", async () => {
    const withTop = path.join(dir, "mobilenetv2-top-96-keras3.h5");
    const notop = mobileNetV2({ includeTop: false, inputShape: [96, 96, 3] });
    const report = await loadKerasWeights(notop, withTop);
    assert.deepEqual(report.unusedInFile, ["dense"]);
    await assert.rejects(loadKerasWeights(notop, withTop, { strict: true }), /unused: the model has no layer for dense/);
    notop.dispose();
  });

  test("bad files get an error naming the file", async () => {
    const model = mobileNetV2({ includeTop: false, inputShape: [32, 32, 3] });
    await assert.rejects(loadKerasWeights(model, path.join(dir, "no-such.h5")), /no-such\.h5: no such file/);
    const notHdf5 = path.join(dir, "not-hdf5.h5");
    fs.writeFileSync(notHdf5, "this is not HDF5");
    await assert.rejects(loadKerasWeights(model, notHdf5), /not-hdf5\.h5: not an HDF5 file/);
    // An HDF5 file that is not a Keras weights file.
    await assert.rejects(loadKerasWeights(model, path.join(dir, "mobilenetv2-notop-67-legacy-io.h5")), /not a Keras weights file/);
    model.dispose();
  });

  test("old keras-applications names with '/' (conv1/conv) match today's (conv1_conv)", async () => {
    // Write a legacy-layout file by hand: one model layer under its old name.
    const h5 = await loadH5wasm();
    const file = path.join(dir, "slash-names.h5");
    const model = tf.sequential({ layers: [tf.layers.conv2d({ inputShape: [4, 4, 1], filters: 2, kernelSize: 1, name: "conv1_conv", useBias: false })] });
    const kernel = new Float32Array([0.25, -2]);
    const out = new h5.File(file, "w");
    out.create_attribute("layer_names", ["conv1/conv"]);
    // "/" nests groups, as h5py creates them: /conv1/conv/conv1/conv/kernel:0
    out.create_group("conv1");
    const group = out.create_group("conv1/conv");
    group.create_group("conv1");
    group.create_group("conv1/conv");
    group.create_attribute("weight_names", ["conv1/conv/kernel:0"]);
    group.create_dataset({ name: "conv1/conv/kernel:0", data: kernel, shape: [1, 1, 1, 2], dtype: "<f" });
    out.close();
    const report = await loadKerasWeights(model, file);
    assert.deepEqual(report.loadedLayers, ["conv1_conv"]);
    assert.deepEqual(Array.from(model.getWeights()[0].dataSync()), Array.from(kernel));
    model.dispose();
  });

  test("Keras 3 group keys follow Keras's snake case", () => {
    assert.equal(kerasSnakeCase("Conv2D"), "conv2d");
    assert.equal(kerasSnakeCase("DepthwiseConv2D"), "depthwise_conv2d");
    assert.equal(kerasSnakeCase("BatchNormalization"), "batch_normalization");
    assert.equal(kerasSnakeCase("ReLU"), "re_lu");
    assert.equal(kerasSnakeCase("GlobalAveragePooling2D"), "global_average_pooling2d");
  });
});
