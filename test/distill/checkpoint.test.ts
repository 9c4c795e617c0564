import { before, describe, test } from "node:test";
import assert from "node:assert/strict";
import * as fs from "node:fs";
import * as os from "node:os";
import * as path from "node:path";
import * as tf from "@tensorflow/tfjs";
import { useNativeBackend } from "../helpers/native";
import { latestRunDirectory, loadCheckpoint, loadModelWeights, newRunDirectory, recoverCheckpoint, saveCheckpoint, TrainerState } from "../../lib/distill/checkpoint";
import { createOptimizer, optimizerState } from "../../lib/distill/optimizers";
import { evaluateModel, testReport } from "../../lib/distill/evaluate";
import { maxAbsDifference, syntheticTask, taskSource, tinyConvNet, weightsOf } from "./fixtures";

const state: TrainerState = { epochsDone: 2, monitor: "val_loss", bestMetric: 0.3, bestEpoch: 2, wait: 0, schedule: { lr: 0.1, best: null, wait: 0, cooldownLeft: 0 }, seed: 1, history: [] };

describe("checkpoints", () => {
  before(async () => {
    await useNativeBackend();
  });

  test("run folders are runs/<experiment>-<UTC timestamp>; the newest with a last/ checkpoint is found", async () => {
    const root = fs.mkdtempSync(path.join(os.tmpdir(), "kdlab-runs-"));
    const first = newRunDirectory(root, "pneumonia-final", new Date(Date.UTC(2026, 0, 2, 3, 4, 5)));
    assert.equal(path.basename(first), "pneumonia-final-20260102-030405");
    const second = newRunDirectory(root, "pneumonia-final", new Date(Date.UTC(2026, 0, 2, 3, 4, 5)));
    assert.equal(path.basename(second), "pneumonia-final-20260102-030405-2");
    const newer = newRunDirectory(root, "pneumonia-final", new Date(Date.UTC(2026, 0, 3, 0, 0, 0)));
    assert.equal(latestRunDirectory(root, "pneumonia-final"), undefined, "no checkpoint yet");
    const model = tinyConvNet(1);
    const optimizer = createOptimizer({ kind: "sgd", lr: 0.1, momentum: 0.8 });
    await saveCheckpoint(path.join(second, "last"), { model, optimizer, state });
    assert.equal(latestRunDirectory(root, "pneumonia-final"), second);
    await saveCheckpoint(path.join(newer, "last"), { model, optimizer, state });
    assert.equal(latestRunDirectory(root, "pneumonia-final"), newer);
    assert.equal(latestRunDirectory(root, "pneumonia"), undefined, "another experiment's prefix does not match");
    assert.throws(() => newRunDirectory(root, "../x"), /may only use letters/);
    fs.rmSync(root, { recursive: true, force: true });
  });

  test("processes starting the same experiment in the same second each get their own run folder", async () => {
    // Two test files (or two notebooks) may start runs side by side: a name is claimed by creating it.
    const root = fs.mkdtempSync(path.join(os.tmpdir(), "kdlab-runs-"));
    // Each child spins until the same moment, then claims 100 folders: their claims overlap.
    const startAt = Date.now() + 3000;
    const script = `const { newRunDirectory } = require(${JSON.stringify(path.resolve(__dirname, "../../lib/distill/checkpoint.ts"))});
      const at = new Date(Date.UTC(2026, 0, 2, 3, 4, 5));
      while (Date.now() < ${startAt});
      const dirs = []; for (let i = 0; i < 100; i++) dirs.push(newRunDirectory(${JSON.stringify(root)}, "pneumonia-final", at));
      console.log(JSON.stringify(dirs));`;
    const { spawn } = await import("node:child_process");
    const runOne = (): Promise<string[]> =>
      new Promise((resolve, reject) => {
        const child = spawn(process.execPath, ["--import", "tsx", "-e", script], { stdio: ["ignore", "pipe", "inherit"] });
        let out = "";
        child.stdout.on("data", (chunk: Buffer) => (out += chunk.toString()));
        child.on("close", (code) => (code === 0 ? resolve(JSON.parse(out) as string[]) : reject(new Error(`child exited ${code}`))));
      });
    const claimed = (await Promise.all([runOne(), runOne(), runOne()])).flat();
    assert.equal(claimed.length, 300);
    assert.equal(new Set(claimed).size, 300, "no folder was handed to two callers");
    assert.equal(fs.readdirSync(root).length, 300);
    fs.rmSync(root, { recursive: true, force: true });
  });

  test("round trip restores weights and optimizer slots into freshly built objects", async () => {
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), "kdlab-ckpt-"));
    const model = tinyConvNet(2);
    const optimizer = createOptimizer({ kind: "adam", lr: 0.01 });
    const xs = tf.randomUniform([4, 8, 8, 1], 0, 1, "float32", 2);
    const labels = tf.tensor1d([0, 1, 1, 0], "int32");
    const vars = model.trainableWeights.map((w) => w.read() as tf.Variable);
    optimizer.minimize(() => tf.losses.softmaxCrossEntropy(tf.oneHot(labels, 2), model.apply(xs) as tf.Tensor) as tf.Scalar, false, vars);
    await saveCheckpoint(path.join(dir, "last"), { model, optimizer, state });

    const fresh = tinyConvNet(3);
    const freshOptimizer = createOptimizer({ kind: "adam", lr: 0.01 });
    const restored = await loadCheckpoint(path.join(dir, "last"), fresh, freshOptimizer);
    assert.deepEqual(restored, state);
    assert.equal(maxAbsDifference(weightsOf(fresh), weightsOf(model)), 0);
    const [a, b] = [await optimizerState(optimizer), await optimizerState(freshOptimizer)];
    assert.equal(a.slots.length, b.slots.length);
    a.slots.forEach((slot, i) => assert.deepEqual(Array.from(b.slots[i].values), Array.from(slot.values)));

    const wider = tinyConvNet(4, 2, 6);
    assert.throws(() => loadModelWeights(wider, path.join(dir, "last")), /last\/model.json: weight 0 .* has shape \[3,3,1,4\], model weight .* has \[3,3,1,6\]/);
    tf.dispose([xs, labels]);
    optimizer.dispose();
    freshOptimizer.dispose();
    fs.rmSync(dir, { recursive: true, force: true });
  });

  test("testReport agrees with evaluateModel and gives the binary metrics", async () => {
    const model = tinyConvNet(5);
    const task = syntheticTask(40, 9);
    const evaluation = await evaluateModel(model, taskSource(task, 16, false)({ epoch: 0, seed: 0 }));
    const report = await testReport(model, taskSource(task, 16, false)({ epoch: 0, seed: 0 }));
    assert.equal(report.count, 40);
    assert.ok(Math.abs(report.accuracy - evaluation.accuracy) < 1e-12);
    assert.ok(Math.abs(report.loss - evaluation.loss) < 1e-12);
    assert.ok(report.binary && report.binary.auc >= 0 && report.binary.auc <= 1);
    assert.equal(report.confusion.flat().reduce((s, v) => s + v, 0), 40);
  });
});

describe("recovering a checkpoint folder after a kill mid-save", () => {
  const made = (dir: string, state: string): void => {
    fs.mkdirSync(dir, { recursive: true });
    fs.writeFileSync(path.join(dir, "state.json"), state);
  };
  test("a stale .writing is removed; an .old left between the renames is put back, or dropped when the new one is in place", () => {
    const root = fs.mkdtempSync(path.join(os.tmpdir(), "kdlab-recover-"));
    const last = path.join(root, "last");
    // Killed while writing: last/ intact, last.writing half done.
    made(last, "{\"epochsDone\":3}");
    made(`${last}.writing`, "{");
    assert.deepEqual(recoverCheckpoint(last), ["removed the unfinished last.writing"]);
    assert.equal(fs.readFileSync(path.join(last, "state.json"), "utf8"), "{\"epochsDone\":3}");
    // Killed between the two renames: only last.old (and the fsynced last.writing) remain.
    fs.renameSync(last, `${last}.old`);
    made(`${last}.writing`, "{\"epochsDone\":4}");
    assert.deepEqual(recoverCheckpoint(last), ["removed the unfinished last.writing", "restored last from last.old"]);
    assert.equal(fs.readFileSync(path.join(last, "state.json"), "utf8"), "{\"epochsDone\":3}");
    // Killed after the second rename, before the .old was removed.
    made(`${last}.old`, "{\"epochsDone\":3}");
    assert.deepEqual(recoverCheckpoint(last), ["removed the replaced last.old"]);
    assert.deepEqual(fs.readdirSync(root), ["last"]);
    assert.deepEqual(recoverCheckpoint(last), []);
    fs.rmSync(root, { recursive: true, force: true });
  });
});
