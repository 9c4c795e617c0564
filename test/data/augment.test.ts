import { before, describe, test } from "node:test";
import assert from "node:assert/strict";
import * as tf from "@tensorflow/tfjs";
import { useNativeBackend } from "../helpers/native";
import { affineWarp, affineWarpByGather } from "../../lib/data/affine-warp";
import { augmentBatch, drawAugmentParams } from "../../lib/data/augment";

/** A batch with structure (so flips and rotations show): a ramp plus an off-centre bright square. */
function testBatch(): tf.Tensor4D {
  return tf.tidy(() => {
    const ramp = tf.linspace(0, 1, 24).reshape([1, 1, 24, 1]).tile([4, 24, 1, 2]);
    const square = tf.zeros([4, 24, 24, 2]).bufferSync();
    for (let b = 0; b < 4; b++) for (let y = 3; y < 8; y++) for (let x = 2; x < 9; x++) square.set(1, b, y, x, b % 2);
    return ramp.mul(0.5).add(square.toTensor().mul(0.5)) as tf.Tensor4D;
  });
}

const NONE = { flipProbability: 0, maxRotationDegrees: 0, cropArea: [1, 1] as [number, number], cropAspect: [1, 1] as [number, number], brightness: 0, contrast: 0 };

describe("augmentation", () => {
  before(async () => {
    await useNativeBackend();
  });

  test("same seed gives the same batch; another seed a different one", () => {
    const images = testBatch();
    const a = augmentBatch(images, 42);
    const b = augmentBatch(images, 42);
    const c = augmentBatch(images, 43);
    assert.deepEqual(a.shape, images.shape);
    assert.deepEqual(Array.from(a.dataSync()), Array.from(b.dataSync()));
    assert.ok(tf.tidy(() => a.sub(c).abs().max().dataSync()[0]) > 0.01);
    assert.ok(tf.tidy(() => a.sub(images).abs().max().dataSync()[0]) > 0.01, "augmentation changed nothing");
    const [min, max] = [a.min().dataSync()[0], a.max().dataSync()[0]];
    assert.ok(min >= 0 && max <= 1);
    tf.dispose([images, a, b, c]);
  });

  test("with every effect off the batch comes back unchanged", () => {
    const images = testBatch();
    const out = augmentBatch(images, 1, NONE);
    assert.ok(tf.tidy(() => out.sub(images).abs().max().dataSync()[0]) < 1e-5);
    tf.dispose([images, out]);
  });

  test("flip-only with probability 1 mirrors every image left to right", () => {
    const images = testBatch();
    const out = augmentBatch(images, 9, { ...NONE, flipProbability: 1 });
    const mirrored = tf.reverse(images, 2);
    assert.ok(tf.tidy(() => out.sub(mirrored).abs().max().dataSync()[0]) < 1e-5);
    tf.dispose([images, out, mirrored]);
  });

  test("a 90° affine map rotates the pixel grid", () => {
    const images = testBatch();
    // Output (x, y) samples source (−y, x): out[r][c] = in[c][W−1−r], a quarter turn.
    const out = affineWarp(images, [0, 1, 2, 3].map(() => [0, -1, 0, 1, 0, 0]));
    const expected = tf.tidy(() => tf.reverse(images.transpose([0, 2, 1, 3]), 1));
    assert.ok(tf.tidy(() => out.sub(expected).abs().max().dataSync()[0]) < 1e-4);
    tf.dispose([images, out, expected]);
  });

  test("the native TensorFlow warp agrees with the portable gather warp", () => {
    const images = testBatch();
    const { affine } = drawAugmentParams(4, 77, { maxRotationDegrees: 20, cropArea: [0.6, 1] });
    const native = affineWarp(images, affine);
    const portable = affineWarpByGather(images, affine);
    const diff = tf.tidy(() => native.sub(portable).abs());
    // Identical inside the image; the two fill rules may differ by a pixel's worth at the very border.
    const inner = tf.tidy(() => diff.slice([0, 2, 2, 0], [4, 20, 20, 2]).max().dataSync()[0]);
    assert.ok(inner < 1e-4, `interior differs by ${inner}`);
    assert.ok(tf.tidy(() => diff.mean().dataSync()[0]) < 0.01);
    tf.dispose([images, native, portable, diff]);
  });

  test("leaks no tensors", () => {
    const images = testBatch();
    const before = tf.memory().numTensors;
    for (let i = 0; i < 5; i++) augmentBatch(images, i).dispose();
    assert.equal(tf.memory().numTensors, before);
    images.dispose();
  });
});
