/**
 * A run's numbers survive storage (lib/runtime/lossless-json.ts): +Infinity
 * (the ROC's first threshold, Youden's threshold chosen there), -Infinity and
 * NaN (a one-class AUC, a diverged loss) come back as themselves from a
 * model-cache entry, a run folder's result.json as the sweep and the
 * side-by-side studies read it, and the trainer's resumable state; plain
 * JSON.stringify wrote them as null. The files stay standard JSON for Python,
 * whose float() turns the three words back into numbers.
 */
import assert from "node:assert/strict";
import { spawnSync } from "node:child_process";
import * as fs from "node:fs";
import * as os from "node:os";
import * as path from "node:path";
import { after, describe, test } from "node:test";
import * as tf from "@tensorflow/tfjs";
import { readTrainerState, saveCheckpoint } from "../../lib/distill/checkpoint";
import { createOptimizer, disposeOptimizer } from "../../lib/distill/optimizers";
import { ModelCache } from "../../lib/experiments/model-cache";
import type { ModelRun } from "../../lib/experiments/results";
import { projectPython } from "../../lib/notebook/python";
import { losslessJson, parseLosslessJson, readLosslessJson } from "../../lib/runtime/lossless-json";
import { useNativeBackend } from "../helpers/native";

const scratch = fs.mkdtempSync(path.join(os.tmpdir(), "kdlab-lossless-json-"));
after(() => fs.rmSync(scratch, { recursive: true, force: true }));

const numbers = { inf: Infinity, negInf: -Infinity, nan: NaN, zero: 0, tiny: 5e-324, big: Number.MAX_VALUE, none: null, nested: [{ threshold: Infinity, tpr: 0, fpr: 0 }, { threshold: 0.5, tpr: 1, fpr: 0.25 }] };

describe("lossless JSON", () => {
  test("non-finite numbers round-trip, finite numbers, null and strings are untouched", () => {
    const text = losslessJson({ ...numbers, name: "Youden's J", note: "AUC NaN on a one-class split" }, 1);
    assert.ok(text.endsWith("}\n"));
    assert.match(text, /"inf": "Infinity"/);
    assert.match(text, /"nan": "NaN"/);
    assert.deepEqual(parseLosslessJson(text), { ...numbers, name: "Youden's J", note: "AUC NaN on a one-class split" });
    assert.deepEqual(JSON.parse(JSON.stringify(numbers)).inf, null, "what plain JSON did");
  });

  test("a file that is not JSON throws naming the file", () => {
    const file = path.join(scratch, "broken.json");
    fs.writeFileSync(file, '{"accuracy": 0.8,');
    assert.throws(() => readLosslessJson(file), (error: Error) => error.message.startsWith(`${file}: not valid JSON`));
  });

  test("the files are standard JSON to Python, and float() gives back inf, -inf and nan", () => {
    const file = path.join(scratch, "for-python.json");
    fs.writeFileSync(file, losslessJson(numbers));
    const script = "import json,math,sys; d=json.load(open(sys.argv[1])); v={k:(float(x) if isinstance(x,str) else x) for k,x in d.items() if k in ('inf','negInf','nan')}; print(v['inf']==math.inf, v['negInf']==-math.inf, math.isnan(v['nan']))";
    const result = spawnSync(projectPython(), ["-c", script, file], { encoding: "utf8" });
    assert.equal(result.status, 0, result.stderr);
    assert.equal(result.stdout.trim(), "True True True");
  });
});

describe("stored runs keep their non-finite numbers", () => {
  test("a model-cache entry gives back an infinite val threshold and a NaN AUC", async () => {
    await useNativeBackend();
    const model = tf.sequential({ layers: [tf.layers.dense({ units: 2, inputShape: [3] })] });
    const run = { role: "student", test: { accuracy: 0.5, loss: 0.7, binary: { auc: NaN, roc: numbers.nested } }, valThreshold: { val: { threshold: Infinity, youdenJ: 0 } } } as unknown as ModelRun;
    const cache = new ModelCache(path.join(scratch, "cache"));
    await cache.save("k", model, run);
    const loaded = cache.load("k", model) as unknown as typeof run & { valThreshold: { val: { threshold: number } }; test: { binary: { auc: number; roc: { threshold: number }[] } } };
    assert.ok(loaded, "the entry loads");
    assert.equal(loaded.valThreshold.val.threshold, Infinity);
    assert.ok(Number.isNaN(loaded.test.binary.auc));
    assert.equal(loaded.test.binary.roc[0].threshold, Infinity);
    model.dispose();
  });

  test("the trainer's resumable state keeps a diverged epoch's NaN loss", async () => {
    await useNativeBackend();
    const model = tf.sequential({ layers: [tf.layers.dense({ units: 2, inputShape: [3] })] });
    const dir = path.join(scratch, "checkpoint");
    const history = [{ epoch: 1, loss: NaN, valLoss: Infinity, valAccuracy: 0.5 }];
    const state = { epochsDone: 1, monitor: "valLoss", bestMetric: null, bestEpoch: null, wait: 1, schedule: {}, seed: 1, history };
    const optimizer = createOptimizer({ kind: "sgd", lr: 0.1, momentum: 0.9 });
    await saveCheckpoint(dir, { model, optimizer, state } as unknown as Parameters<typeof saveCheckpoint>[1]);
    disposeOptimizer(optimizer);
    const read = readTrainerState(dir) as unknown as typeof state;
    assert.ok(Number.isNaN(read.history[0].loss));
    assert.equal(read.history[0].valLoss, Infinity);
    assert.equal(read.bestMetric, null, "null stays null");
    model.dispose();
  });
});
