/**
 * One worker launcher for every bench room (bench/common/worker.ts): a
 * worker's answer comes back as its zod schema reads it, an answer of
 * another shape fails naming the field, a failing worker fails with its own
 * message; and the peers' answers (bench/speed/peer-protocol.ts) and Keras's
 * fidelity answer (bench/fidelity/keras.ts) are checked the same way.
 */
import assert from "node:assert/strict";
import * as path from "node:path";
import { describe, test } from "node:test";
import { z } from "zod";
import { omittable } from "../../bench/common/answer";
import { paramCountSchema } from "../../bench/common/network";
import { checkAnswer, runWorker, threadEnv } from "../../bench/common/worker";
import { parseKerasFidelity } from "../../bench/fidelity/keras";
import { parsePeerResult } from "../../bench/speed/peer-protocol";

const ECHO = path.join(__dirname, "fixtures", "echo-worker.ts");

const answerSchema = z.object({ models: z.array(z.object({ model: z.string(), params: paramCountSchema, peakRssMiB: omittable(z.number()) })), threads: z.string().optional() });

function peerAnswer(framework: string, model: Record<string, unknown>): Record<string, unknown> {
  return { framework, versions: { keras: "3.0", numpy: 2 }, threads: { intraOp: 2, interOp: 2 }, settings: { precision: "float32" }, models: [{ model: "cifar-student", params: { trainable: 10, total: 12 }, ...model }] };
}

describe("bench workers", () => {
  test("runWorker: the worker gets the request and the thread counts, its answer comes back as the schema reads it (None as undefined)", async () => {
    const answer = { models: [{ model: "m", params: { trainable: 1, total: 2 }, peakRssMiB: null, extra: "dropped" }] };
    const lines: string[] = [];
    const result = await runWorker(ECHO, { answer, withThreads: true }, answerSchema, { label: "echo worker", env: threadEnv(3), log: (line) => lines.push(line), logPrefix: "echo: " });
    assert.deepEqual(result, { models: [{ model: "m", params: { trainable: 1, total: 2 }, peakRssMiB: undefined }], threads: "3" });
    assert.equal("extra" in result.models[0], false);
    assert.deepEqual(lines, ["  echo: answering"]);
  });

  test("runWorker: an answer of another shape fails naming the worker and each field that differs; a failing worker fails with its message", async () => {
    const answer = { models: [{ model: "m", params: { trainable: 1, total: "2" } }, { model: 3, params: { trainable: 1, total: 2 } }] };
    await assert.rejects(runWorker(ECHO, { answer }, answerSchema, { label: "echo worker" }), (error: Error) => {
      assert.match(error.message, /^echo worker: not the shape kdlab reads: /);
      assert.match(error.message, /models\[0\]\.params\.total: /);
      assert.match(error.message, /models\[1\]\.model: /);
      return true;
    });
    await assert.rejects(runWorker(ECHO, { fail: "no such model" }, answerSchema, { label: "echo worker" }), /echo worker failed with exit 1:[\s\S]*no such model/);
  });

  test("checkAnswer: absent optional fields stay absent; a wrong top level is named", () => {
    const read = checkAnswer({ models: [{ model: "m", params: { trainable: 1, total: 2 } }] }, answerSchema, "x");
    assert.equal("peakRssMiB" in read.models[0], false);
    assert.throws(() => checkAnswer([], answerSchema, "x worker"), /^Error: x worker: not the shape kdlab reads: \(the answer\): /);
  });

  test("a peer's answer: versions as strings, None fields left out, the framework it was asked for", () => {
    const result = parsePeerResult(peerAnswer("keras", { jitCompile: false, peakRssMiB: null, train: { batch: 64, warmupSeconds: [1], seconds: [0.5, 0.4] } }), "keras");
    assert.deepEqual(result.versions, { keras: "3.0", numpy: "2" });
    assert.equal(result.models[0].jitCompile, false);
    assert.equal(result.models[0].peakRssMiB, undefined);
    assert.deepEqual(result.models[0].train, { batch: 64, warmupSeconds: [1], seconds: [0.5, 0.4] });
    assert.equal(result.matmul, undefined);
    assert.throws(() => parsePeerResult(peerAnswer("torch", {}), "keras"), /keras peer answered as torch/);
    assert.throws(() => parsePeerResult(peerAnswer("keras", { train: { batch: 64, seconds: [0.5] } }), "keras"), /keras peer: not the shape kdlab reads: models\[0\]\.train\.warmupSeconds: /);
  });

  test("Keras's fidelity answer: each seed scored by kdlab's metrics, its epochs in kdlab's names; probabilities that do not fit the labels are refused", () => {
    const run = {
      seed: 1,
      testLabels: [0, 1, 1, 0],
      testProbabilities: [0.9, 0.1, 0.2, 0.8, 0.4, 0.6, 0.3, 0.7],
      epochsRun: 1,
      bestEpoch: null,
      stoppedEarly: false,
      seconds: { train: 2.5 },
      history: [{ epoch: 0, lr: 0.001, loss: 0.7, accuracy: 0.5, val_ce: 0.69, val_accuracy: 0.5, seconds: 2.5 }],
      params: { trainable: 10, total: 12 },
      decayed: { weights: 2, elements: 8 },
      dropout: [{ name: "dropout", rate: 0.5 }],
      batchNormMomenta: [0.99],
      jitCompile: true,
      runEagerly: false,
    };
    const answer = { framework: "keras", versions: { tensorflow: "2.21" }, threads: { intraOp: 2, interOp: 2 }, settings: {}, runs: [run] };
    const [scored] = parseKerasFidelity(answer, 2).runs;
    // Three of four right (the last image's 0.7 for class 1 is wrong), and the ranking puts one negative above a positive.
    assert.equal(scored.testAccuracy, 0.75);
    assert.equal(scored.testAuc, 0.75);
    assert.equal(scored.trainSeconds, 2.5);
    assert.equal(scored.bestEpoch, null);
    assert.deepEqual(scored.history[0], { epoch: 0, lr: 0.001, loss: 0.7, accuracy: 0.5, valLoss: 0.69, valAccuracy: 0.5, seconds: 2.5 });
    assert.equal("testProbabilities" in scored, false);
    assert.throws(() => parseKerasFidelity({ ...answer, runs: [{ ...run, testProbabilities: [0.5] }] }, 2), /1 probabilities for 4 test images × 2 classes/);
    assert.throws(() => parseKerasFidelity({ ...answer, runs: [{ ...run, history: [{ ...run.history[0], val_ce: "x" }] }] }, 2), /runs\[0\]\.history\[0\]\.val_ce/);
  });
});
