/** Analytic FLOP counts of the bench models, against hand counts and the published multiply-adds of the backbones. */
import assert from "node:assert/strict";
import { before, describe, test } from "node:test";
import { forwardFlops } from "../../bench/speed/flops";
import { cifarStudent } from "../../lib/models/cifar";
import { modelEntry } from "../../lib/models/registry";
import { useNativeBackend } from "../helpers/native";

describe("bench FLOP counts", () => {
  before(async () => {
    await useNativeBackend();
  });

  test("CIFAR student: the sum of its layers' multiply-adds, counted by hand", () => {
    const model = cifarStudent();
    const multiplyAdds =
      32 * 32 * (3 * 3 * 3) * 32 + // conv1, stride 1
      16 * 16 * (3 * 3 * 32) * 64 + // conv2, stride 2
      8 * 8 * (3 * 3 * 64) * 64 + // conv3, stride 2
      4 * 4 * 64 * 256 + // fc on the flattened 4×4×64 pool
      256 * 10; // logits
    assert.equal(forwardFlops(model), 2 * multiplyAdds);
    model.dispose();
  });

  test("MobileNetV2 and DenseNet121 at 224 match their published multiply-adds (300 M, 2.87 G) within 3 %", () => {
    for (const [name, published] of [["mobilenetv2", 300e6], ["densenet121", 2.87e9]] as const) {
      const model = modelEntry(name).build({ inputSize: 224 });
      const multiplyAdds = forwardFlops(model) / 2;
      model.dispose();
      assert.ok(Math.abs(multiplyAdds / published - 1) < 0.03, `${name}: ${(multiplyAdds / 1e6).toFixed(0)} M multiply-adds, published ${(published / 1e6).toFixed(0)} M`);
    }
  });
});
