/**
 * The model cache (lib/experiments/model-cache.ts) through the experiment
 * runner: the same settings load the trained model instead of training it
 * (same test results, said in the log), a changed setting trains afresh, a
 * fixed teacherSeed shares one teacher between students of two seeds, and
 * the seed study summarises them with one teacher. An entry whose content
 * hash is missing or wrong (NaN weights, truncation) is said, deleted and
 * trained again, never copied into a run.
 */
import assert from "node:assert/strict";
import * as fs from "node:fs";
import * as os from "node:os";
import * as path from "node:path";
import { after, before, describe, test } from "node:test";
import * as tf from "@tensorflow/tfjs";
import { applyOverrides, getExperiment, runExperiment, runExperimentWithModels, runSeedStudy, seedResultRows, summariseSeedStudy } from "../../lib/experiments/index";
import { ModelCache } from "../../lib/experiments/model-cache";
import type { ModelRun } from "../../lib/experiments/results";
import { spawnSync } from "node:child_process";
import { SHIPPED_PNEUMONIAMNIST } from "../../lib/data/default-data";
import { projectPython } from "../../lib/notebook/python";
import { useNativeBackend } from "../helpers/native";

const runsRoot = fs.mkdtempSync(path.join(os.tmpdir(), "kdlab-model-cache-"));

function options(lines: string[]) {
  return { runsRoot, progress: "off" as const, log: (line: string) => lines.push(line), modelCache: "use" as const };
}

describe("model cache", () => {
  before(async () => {
    await useNativeBackend();
  });
  after(() => fs.rmSync(runsRoot, { recursive: true, force: true }));

  test("same settings load the trained models; a changed setting trains again", async () => {
    const config = applyOverrides(getExperiment("cifar10-teacher-student", "quick"), ["epochs=1", "dataset.trainLimit=8"]);
    const first: string[] = [];
    const a = await runExperiment(config, options(first));
    assert.deepEqual([a.teacher?.cache?.reused, a.student.cache?.reused], [false, false]);
    assert.ok(!first.some((l) => l.includes("loaded the model")));

    const second: string[] = [];
    const tensorsBefore = tf.memory().numTensors;
    const { result: b, models } = await runExperimentWithModels(config, options(second));
    assert.deepEqual([b.teacher?.cache?.reused, b.student.cache?.reused], [true, true]);
    assert.equal(second.filter((l) => l.includes("loaded the model trained earlier")).length, 2);
    // As stored (JSON: an ROC threshold of Infinity reads back as null).
    assert.deepEqual(b.student.test, JSON.parse(JSON.stringify(a.student.test)));
    assert.deepEqual(b.teacher?.history, a.teacher?.history);
    // The loaded student predicts what the trained one reported: its weights are the trained ones.
    assert.ok(models.teacher && models.student.countParams() === a.student.params.total);
    models.dispose();
    assert.equal(tf.memory().numTensors, tensorsBefore, "disposing the handed-back models frees them");
    assert.ok(fs.existsSync(path.join(b.runDir, "student", "history.json")), "a reused model's history is in the new run folder too");

    const changed = await runExperiment(applyOverrides(config, ["optimizer.lr=0.0005"]), options([]));
    assert.deepEqual([changed.teacher?.cache?.reused, changed.student.cache?.reused], [false, false]);
    // Without the cache nothing is loaded.
    const off = await runExperiment(config, { runsRoot, progress: "off", log: () => undefined });
    assert.equal(off.student.cache, undefined);
  });

  test("a corrupt, truncated or unhashed entry is said, deleted and trained again, never loaded", async () => {
    const config = applyOverrides(getExperiment("cifar10-teacher-student", "quick"), ["epochs=1", "dataset.trainLimit=8", "seed=31"]);
    const first = await runExperiment(config, options([]));
    const entry = path.join(runsRoot, "model-cache", first.teacher?.cache?.key as string);
    const weights = path.join(entry, "weights.bin");
    const spoilings: [string, () => void, RegExp][] = [
      ["NaN bytes of the same size", () => fs.writeFileSync(weights, Buffer.alloc(fs.statSync(weights).size, 0xff)), /weights\.bin does not match its content hash/],
      ["a truncated weights.bin", () => fs.truncateSync(weights, 100), /weights\.bin does not match its content hash/],
      ["an entry from before content hashes", () => fs.rmSync(path.join(entry, "content.sha256")), /no content\.sha256/],
    ];
    for (const [what, spoil, why] of spoilings) {
      spoil();
      const lines: string[] = [];
      const again = await runExperiment(config, options(lines));
      assert.equal(again.teacher?.cache?.reused, false, `${what}: the teacher is trained again`);
      const said = lines.find((l) => l.includes(entry));
      assert.match(said ?? "", why, what);
      assert.match(said ?? "", /invalid cached model: .*deleted it, training the model again/, what);
      const copied = new Float32Array(new Uint8Array(fs.readFileSync(path.join(again.runDir, "teacher", "final", "weights.bin"))).buffer);
      assert.ok(copied.every(Number.isFinite), `${what}: the run's teacher/final holds finite weights`);
      assert.ok(fs.existsSync(path.join(entry, "content.sha256")), `${what}: the rebuilt entry has its hash`);
    }
    const reused = await runExperiment(config, options([]));
    assert.equal(reused.teacher?.cache?.reused, true, "the rebuilt entry is used");
  });

  test("a fixed teacherSeed distils students of two seeds from one teacher, and the seed study counts one teacher", async () => {
    // A small real-format set (no subset limits, so every seed trains on the same images).
    const dataDir = path.join(runsRoot, "small-pneumoniamnist.npz");
    const script = `import numpy as np, sys
d = np.load(sys.argv[1])
np.savez(sys.argv[2], **{f"{s}_{k}": d[f"{s}_{k}"][::step][:n] for s, step, n in (("train", 97, 24), ("val", 40, 8), ("test", 50, 8)) for k in ("images", "labels")})`;
    const made = spawnSync(projectPython(), ["-c", script, SHIPPED_PNEUMONIAMNIST, dataDir], { encoding: "utf8" });
    assert.equal(made.status, 0, made.stderr);
    const study = { profile: "quick", seeds: 2, firstSeed: 7, shared: ["epochs=1", "dataset.trainLimit=null", "dataset.validationLimit=null", "dataset.testLimit=null"] };
    const runs = await runSeedStudy(study, (config) => runExperiment(config, { ...options([]), dataDir }));
    assert.deepEqual(runs.map((r) => r.seed), [7, 8]);
    assert.deepEqual(runs.map((r) => r.distilled.config.teacherSeed), [7, 7]);
    assert.deepEqual(runs.map((r) => r.distilled.teacher?.cache?.reused), [false, true]);
    assert.equal(runs[0].distilled.teacher?.cache?.key, runs[1].distilled.teacher?.cache?.key);
    assert.notEqual(runs[0].distilled.student.cache?.key, runs[1].distilled.student.cache?.key, "students of different seeds are different models");
    const summary = summariseSeedStudy(runs);
    assert.deepEqual([summary.teachers, summary.teacherSeeds, summary.accuracy.alone.n, summary.accuracy.teacher.n], [1, [7], 2, 1]);
    assert.equal(seedResultRows(runs).filter((r) => r.metric === "test accuracy").length, 6);
    assert.equal(runs[0].alone.dataset.counts.train, 24);
  });
  test("two processes saving the same key: the entry already in place stays, the second write is dropped, no staging is left", async () => {
    const tiny = (value: number): tf.LayersModel => {
      const model = tf.sequential({ layers: [tf.layers.dense({ units: 2, inputShape: [3], kernelInitializer: tf.initializers.constant({ value }) })] });
      return model;
    };
    const otherDir = path.join(runsRoot, "other-process-cache");
    const sharedDir = path.join(runsRoot, "shared-cache");
    const theirs = tiny(1);
    const ours = tiny(2);
    await new ModelCache(otherDir).save("k", theirs, { written: "by the other process" } as unknown as ModelRun);
    // The other process's rename lands between our rm and our rename.
    const nodeFs = (await import("node:fs")).default; // the module object itself, which the cache's fs reads through
    const rename = nodeFs.renameSync;
    let raced = 0;
    nodeFs.renameSync = ((from: fs.PathLike, to: fs.PathLike): void => {
      if (String(to) === path.join(sharedDir, "k") && raced++ === 0) fs.cpSync(path.join(otherDir, "k"), String(to), { recursive: true });
      rename(from, to);
    }) as typeof fs.renameSync;
    try {
      await new ModelCache(sharedDir).save("k", ours, { written: "by us" } as unknown as ModelRun);
    } finally {
      nodeFs.renameSync = rename;
    }
    assert.equal(raced, 1, "the save renamed its staging onto the entry");
    assert.deepEqual(fs.readdirSync(sharedDir), ["k"], "no .writing-<pid> folder is left");
    const loadInto = tiny(0);
    const run = new ModelCache(sharedDir).load("k", loadInto) as unknown as { written: string };
    assert.equal(run.written, "by the other process");
    assert.deepEqual(Array.from(loadInto.getWeights()[0].dataSync()), new Array(6).fill(1));
    for (const model of [theirs, ours, loadInto]) model.dispose();
  });
});
