/**
 * The web model writer's quantization against tfjs's own decoder: float16
 * bits round to the nearest half (ties to even, subnormals, overflow), uint8
 * keeps 0 exact and every value within half a step; tf.loadLayersModel reads
 * the written folder (float32 exactly, quantized within their precision).
 */
import assert from "node:assert/strict";
import * as fs from "node:fs";
import * as os from "node:os";
import * as path from "node:path";
import { describe, test } from "node:test";
import * as tf from "@tensorflow/tfjs";
import { quantizeUint8, toFloat16Bits, webModelFromDisk, writeWebModel } from "../../lib/export/web-model";
import { useNativeBackend } from "../helpers/native";

/** A half's value from its bits (the IEEE 754 definition). */
function halfValue(bits: number): number {
  const sign = bits & 0x8000 ? -1 : 1;
  const exponent = (bits >> 10) & 0x1f;
  const mantissa = bits & 0x3ff;
  if (exponent === 0x1f) return mantissa ? NaN : sign * Infinity;
  if (exponent === 0) return sign * mantissa * 2 ** -24;
  return sign * (1 + mantissa / 1024) * 2 ** (exponent - 15);
}

describe("web model quantization", () => {
  test("float16: the nearest half, ties to even, subnormals and overflow", () => {
    assert.equal(toFloat16Bits(1), 0x3c00);
    assert.equal(toFloat16Bits(-2), 0xc000);
    assert.equal(toFloat16Bits(65504), 0x7bff);
    assert.equal(toFloat16Bits(65520), 0x7c00, "rounds up to infinity");
    assert.equal(toFloat16Bits(1e6), 0x7c00);
    assert.equal(toFloat16Bits(2 ** -24), 0x0001, "smallest subnormal");
    assert.equal(toFloat16Bits(2 ** -26), 0x0000, "below half the smallest subnormal");
    assert.equal(toFloat16Bits(1 + 2 ** -11), 0x3c00, "a tie goes to the even mantissa");
    assert.equal(toFloat16Bits(1 + 3 * 2 ** -11), 0x3c02, "a tie goes to the even mantissa (up)");
    assert.ok(Number.isNaN(halfValue(toFloat16Bits(NaN))));
    // Random values: no half is nearer than the one chosen.
    let seed = 12345;
    const random = () => ((seed = (seed * 1103515245 + 12345) % 2 ** 31) / 2 ** 31);
    for (let i = 0; i < 20000; i++) {
      const v = Math.fround((random() - 0.5) * 2 ** (random() * 40 - 26));
      const bits = toFloat16Bits(v);
      const error = Math.abs(halfValue(bits) - v);
      for (const neighbour of [bits - 1, bits + 1]) {
        if ((neighbour & 0x7fff) >= 0x7c00 || neighbour < 0 || (neighbour & 0x8000) !== (bits & 0x8000)) continue;
        assert.ok(error <= Math.abs(halfValue(neighbour) - v), `${v}: ${halfValue(bits)} chosen, ${halfValue(neighbour)} is nearer`);
      }
    }
  });

  test("uint8: 0 exact, every value within half a step, constant tensors", () => {
    const values = Float32Array.from([-0.7, -0.1, 0, 0.05, 0.33, 1.2]);
    const q = quantizeUint8(values);
    const back = Array.from(q.values, (v) => v * q.scale + q.min);
    assert.ok(Math.abs(back[2]) < 1e-7, `0 stays 0 (${back[2]})`);
    values.forEach((v, i) => assert.ok(Math.abs(back[i] - v) <= q.scale / 2 + 1e-7, `${v} → ${back[i]}`));
    const constant = quantizeUint8(Float32Array.from([0.5, 0.5]));
    assert.deepEqual(Array.from(constant.values, (v) => v * constant.scale + constant.min), [0.5, 0.5]);
  });

  test("tf.loadLayersModel reads the folder: float32 exactly, float16 and uint8 within their precision", async () => {
    await useNativeBackend();
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), "kdlab-web-model-"));
    const model = tf.sequential({ layers: [tf.layers.dense({ inputShape: [5], units: 7, activation: "relu" }), tf.layers.batchNormalization(), tf.layers.dense({ units: 3 })] });
    try {
      const x = tf.randomNormal([4, 5], 0, 1, "float32", 3);
      const reference = model.predict(x) as tf.Tensor;
      for (const [quantization, tolerance] of [["none", 0], ["float16", 5e-3], ["uint8", 0.1]] as const) {
        const out = path.join(dir, quantization);
        const files = await writeWebModel(model, out, quantization);
        assert.deepEqual(files.files, ["model.json", "group1-shard1of1.bin"]);
        const loaded = await tf.loadLayersModel(webModelFromDisk(out));
        const y = loaded.predict(x) as tf.Tensor;
        const worst = tf.max(tf.abs(tf.sub(y, reference))).dataSync()[0];
        assert.ok(worst <= tolerance, `${quantization}: max |Δ| ${worst} > ${tolerance}`);
        tf.dispose([y]);
        loaded.dispose();
      }
      tf.dispose([x, reference]);
    } finally {
      model.dispose();
      fs.rmSync(dir, { recursive: true, force: true });
    }
  });
});
