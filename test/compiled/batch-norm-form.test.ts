/**
 * The frozen BatchNorm's form in the compiled predictor is chosen by timing
 * on this machine (lib/graph/batch-norm-form.ts), per place — standing
 * alone (DenseNet121's pre-activation BatchNorm) or right after a
 * convolution (MobileNetV2's) — and kept in the per-user cache; the
 * predictor's graph follows the recorded verdicts (its traced op types say
 * which form ran), except under an AVX cap, where every one is the pair.
 */
import assert from "node:assert/strict";
import * as fs from "node:fs";
import * as os from "node:os";
import * as path from "node:path";
import { after, before, describe, test } from "node:test";
import * as tf from "@tensorflow/tfjs";
import { batchNormFormKey, batchNormTiming, BatchNormTiming, forgetBatchNormTiming } from "../../lib/graph/batch-norm-form";
import { CompiledPredictor } from "../../lib/distill/compiled/predictor";
import { oneDnnBelowAvx2 } from "../../lib/runtime/onednn";
import { useNativeBackend } from "../helpers/native";

/** input → BatchNorm → ReLU (standalone) → 1×1 conv → BatchNorm → ReLU (after a convolution) → pool → logits. */
function twoPlaces(): tf.LayersModel {
  const input = tf.input({ shape: [8, 8, 4] });
  let x = tf.layers.batchNormalization({ name: "alone_bn" }).apply(input) as tf.SymbolicTensor;
  x = tf.layers.reLU().apply(x) as tf.SymbolicTensor;
  x = tf.layers.conv2d({ filters: 6, kernelSize: 1, useBias: false, name: "conv", kernelInitializer: tf.initializers.glorotNormal({ seed: 1 }) }).apply(x) as tf.SymbolicTensor;
  x = tf.layers.batchNormalization({ name: "conv_bn" }).apply(x) as tf.SymbolicTensor;
  x = tf.layers.reLU().apply(x) as tf.SymbolicTensor;
  x = tf.layers.globalAveragePooling2d({}).apply(x) as tf.SymbolicTensor;
  const logits = tf.layers.dense({ units: 2, kernelInitializer: tf.initializers.glorotNormal({ seed: 2 }) }).apply(x) as tf.SymbolicTensor;
  return tf.model({ inputs: input, outputs: logits });
}

describe("frozen BatchNorm form, timed per machine", () => {
  const saved = process.env.XDG_CACHE_HOME;
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), "kdlab-bn-form-"));
  const file = path.join(dir, "kdlab", "batch-norm-form.json");
  before(async () => {
    await useNativeBackend();
    process.env.XDG_CACHE_HOME = dir;
    forgetBatchNormTiming();
  });
  after(() => {
    if (saved === undefined) delete process.env.XDG_CACHE_HOME;
    else process.env.XDG_CACHE_HOME = saved;
    forgetBatchNormTiming();
    fs.rmSync(dir, { recursive: true, force: true });
  });

  test("the first use times both forms in both places and records the faster under this machine's key", () => {
    const timing = batchNormTiming();
    for (const place of ["standalone", "afterConvolution"] as const) {
      const t = timing[place];
      assert.ok(t.fusedMs > 0 && t.mulAddMs > 0 && Number.isFinite(t.fusedMs + t.mulAddMs), `${place}: ${JSON.stringify(t)}`);
      assert.equal(t.mulAdd, t.mulAddMs < t.fusedMs, `${place}: the faster form wins`);
    }
    const record = JSON.parse(fs.readFileSync(file, "utf8")) as { timings: Record<string, BatchNormTiming> };
    assert.deepEqual(record.timings[batchNormFormKey()], timing);
  });

  test("the predictor's graph follows the recorded verdicts, per place, and both forms give the same logits", async () => {
    const model = twoPlaces();
    // Non-trivial moving statistics, so the BatchNorms do something.
    for (const w of model.weights.filter((v) => /moving_(mean|variance)$/.test(v.originalName))) {
      const value = tf.tidy(() => tf.add(tf.randomUniform(w.shape as number[], 0, 0.5, "float32", 5), /variance/.test(w.originalName) ? 0.5 : -0.25));
      w.write(value);
      value.dispose();
    }
    const xs = tf.randomUniform([4, 8, 8, 4], 0, 1, "float32", 9) as tf.Tensor4D;
    const runWith = async (standalone: boolean, afterConvolution: boolean): Promise<{ ops: string[]; logits: Float32Array }> => {
      const verdict = (mulAdd: boolean) => ({ fusedMs: mulAdd ? 2 : 1, mulAddMs: mulAdd ? 1 : 2, mulAdd });
      fs.writeFileSync(file, JSON.stringify({ timings: { [batchNormFormKey()]: { standalone: verdict(standalone), afterConvolution: verdict(afterConvolution) } } }));
      forgetBatchNormTiming();
      const predictor = new CompiledPredictor(model);
      try {
        const ops = (await predictor.traceRun(xs)).map((op) => op.opType);
        const output = await predictor.predict(xs);
        const logits = output.dataSync() as Float32Array;
        output.dispose();
        return { ops, logits };
      } finally {
        predictor.dispose();
      }
    };
    const pairs = (ops: string[]): number => ops.filter((op) => op === "Mul" || /Mul$/.test(op)).length;
    const batchNorms = (ops: string[]): number => ops.filter((op) => /BatchNorm/.test(op)).length;
    const neither = await runWith(false, false);
    const alone = await runWith(true, false);
    const both = await runWith(true, true);
    const expected = model.predict(xs) as tf.Tensor;
    const reference = expected.dataSync();
    try {
      if (oneDnnBelowAvx2()) {
        // Under the AVX cap every frozen BatchNorm is the pair, whatever was timed.
        for (const run of [neither, alone, both]) assert.equal(batchNorms(run.ops), 0, run.ops.join(" "));
      } else {
        assert.ok(batchNorms(neither.ops) >= 1, `fused form where timed faster: ${neither.ops.join(" ")}`);
        assert.ok(pairs(alone.ops) > pairs(neither.ops), `the standalone BatchNorm became Mul + AddV2: ${alone.ops.join(" ")}`);
        assert.equal(batchNorms(both.ops), 0, `no BatchNorm op left when both places time the pair faster: ${both.ops.join(" ")}`);
      }
      for (const run of [neither, alone, both]) {
        const worst = Math.max(...Array.from(run.logits, (v, i) => Math.abs(v - reference[i])));
        assert.ok(worst <= 1e-4 * Math.max(...Array.from(reference, Math.abs), 1), `logits differ from tfjs by ${worst}`);
      }
    } finally {
      tf.dispose([xs, expected]);
      model.dispose();
    }
  });
});
