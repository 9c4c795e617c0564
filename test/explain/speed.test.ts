import { before, describe, test } from "node:test";
import assert from "node:assert/strict";
import * as tf from "@tensorflow/tfjs";
import { measureInference, modelSize } from "../../lib/explain/speed";
import { countParams } from "../../lib/models";
import { useNativeBackend } from "../helpers/native";

function convNet(filters: number, depth: number, name: string): tf.LayersModel {
  const input = tf.input({ shape: [32, 32, 3] });
  let x: tf.SymbolicTensor = input;
  for (let i = 0; i < depth; i++) x = tf.layers.conv2d({ filters, kernelSize: 3, padding: "same", activation: "relu", kernelInitializer: tf.initializers.glorotUniform({ seed: i }) }).apply(x) as tf.SymbolicTensor;
  x = tf.layers.batchNormalization({}).apply(x) as tf.SymbolicTensor;
  x = tf.layers.globalAveragePooling2d({}).apply(x) as tf.SymbolicTensor;
  return tf.model({ inputs: input, outputs: tf.layers.dense({ units: 2 }).apply(x) as tf.SymbolicTensor, name });
}

describe("inference speed and size", () => {
  before(async () => {
    await useNativeBackend();
  });

  test("size counts every weight, BatchNorm statistics included, at 4 bytes per float32", () => {
    const model = convNet(4, 1, "tiny");
    const size = modelSize(model);
    // conv 3·3·3·4 + 4, BN 4·4 (γ, β, moving mean, moving variance), dense 4·2 + 2.
    assert.equal(size.params, 112 + 16 + 10);
    assert.equal(size.params, countParams(model).total);
    assert.equal(size.bytes, size.params * 4);
    model.dispose();
  });

  test("a network with far more work per image has lower throughput; no tensors leak", async () => {
    const small = convNet(4, 1, "small");
    const large = convNet(64, 4, "large");
    const before = tf.memory().numTensors;
    const options = { inputSize: 32, throughputBatch: 16, timedRuns: 3 };
    const fast = await measureInference(small, options);
    const slow = await measureInference(large, options);
    assert.equal(tf.memory().numTensors, before);
    assert.equal(fast.latencyRunsMs.length, 3);
    assert.equal(fast.throughputBatch, 16);
    assert.ok(fast.latencyMs > 0 && slow.latencyMs > 0);
    assert.ok(fast.imagesPerSecond > 2 * slow.imagesPerSecond, `small ${fast.imagesPerSecond.toFixed(0)}/s, large ${slow.imagesPerSecond.toFixed(0)}/s`);
    assert.ok(Math.abs(slow.weightMB - (modelSize(large).params * 4) / 1e6) < 1e-12);
    assert.equal(slow.model, "large");
    small.dispose();
    large.dispose();
  });

  test("bad options are clear errors", async () => {
    const model = convNet(4, 1, "bad");
    await assert.rejects(measureInference(model, { inputSize: 0 }), /inputSize must be a positive integer/);
    await assert.rejects(measureInference(model, { inputSize: 32, timedRuns: 0 }), /timedRuns must be at least 1/);
    model.dispose();
  });
});
