import assert from "node:assert/strict";
import * as fs from "node:fs";
import * as os from "node:os";
import * as path from "node:path";
import { after, before, describe, test } from "node:test";
import * as tf from "@tensorflow/tfjs";
import { applyOverrides, EXPERIMENT_NAMES, ExperimentResult, getExperiment, runExperiment } from "../../lib/experiments/index";
import { useNativeBackend } from "../helpers/native";
import { ensureKerasWeightFixtures } from "../models/keras-fixtures";

const runsRoot = fs.mkdtempSync(path.join(os.tmpdir(), "kdlab-experiments-"));
const quiet = { runsRoot, progress: "off" as const, log: () => undefined };

function readJson(file: string): unknown {
  return JSON.parse(fs.readFileSync(file, "utf8"));
}

function checkModelFolder(dir: string, epochs: number, binary: boolean): void {
  for (const name of ["history", "test-metrics", "test-confusion", ...(binary ? ["test-roc"] : [])]) {
    for (const ext of ["csv", "json"]) assert.ok(fs.existsSync(path.join(dir, `${name}.${ext}`)), `${dir}/${name}.${ext}`);
  }
  const history = readJson(path.join(dir, "history.json")) as Record<string, number>[];
  assert.equal(history.length, epochs);
  assert.ok(history.every((row) => Number.isFinite(row.loss) && Number.isFinite(row.val_loss)));
  const metrics = readJson(path.join(dir, "test-metrics.json")) as { metric: string; value: number }[];
  assert.ok(metrics.some((row) => row.metric === "accuracy"));
  if (binary) assert.ok(metrics.some((row) => row.metric === "auc"));
}

describe("experiments end to end (quick profile, embedded data: real PneumoniaMNIST, partial real CIFAR-10)", () => {
  const results = new Map<string, ExperimentResult>();

  before(async () => {
    await useNativeBackend();
  });

  after(() => {
    fs.rmSync(runsRoot, { recursive: true, force: true });
  });

  for (const name of EXPERIMENT_NAMES) {
    test(`${name} trains, tests, writes its run folder and leaves no tensors behind`, async () => {
      const config = getExperiment(name, "quick");
      const tensorsBefore = tf.memory().numTensors;
      const result = await runExperiment(config, quiet);
      assert.equal(tf.memory().numTensors, tensorsBefore, "tensors left after the run");
      results.set(name, result);

      const binary = config.dataset.kind === "chest-xray";
      const roles = config.teacher ? ["teacher", "student"] : ["student"];
      assert.equal(result.experiment, name);
      assert.ok(path.basename(result.runDir).startsWith(`${name}-`) && path.dirname(result.runDir) === runsRoot);
      assert.deepEqual((readJson(path.join(result.runDir, "config.json")) as { config: unknown }).config, config);
      assert.ok(fs.existsSync(path.join(result.runDir, "result.json")));
      for (const role of roles) checkModelFolder(path.join(result.runDir, role), config.epochs, binary);
      assert.equal(fs.existsSync(path.join(result.runDir, "teacher")), config.teacher !== null);

      assert.equal(result.teacher === undefined, config.teacher === null);
      assert.equal(result.student.distilled, config.teacher !== null);
      assert.ok(result.dataset.isDefault);
      // Both defaults are real: the shipped PneumoniaMNIST; the full CIFAR-10 when data/ holds it, else the shipped partial copy.
      if (binary) assert.deepEqual([result.dataset.format, result.dataset.isReal, result.dataset.classNames], ["medmnist", true, ["normal", "pneumonia"]]);
      else assert.deepEqual([result.dataset.format, result.dataset.isReal], ["cifar10", true]);
      assert.equal(result.dataset.counts.train, config.dataset.trainLimit);
      assert.equal(result.student.test.count, config.dataset.testLimit);
      // One curve row per model × split × epoch, in chart-ready long form.
      assert.equal(result.curves.length, roles.length * 2 * config.epochs);
      for (const role of roles) for (const split of ["train", "validation"]) assert.equal(result.curves.filter((r) => r.model === role && r.split === split).length, config.epochs);
      assert.ok(result.curves.every((r) => Number.isFinite(r.loss) && r.accuracy >= 0 && r.accuracy <= 1));
      const metricNames = new Set(result.metrics.filter((m) => m.model === "student").map((m) => m.metric));
      for (const metric of binary ? ["accuracy", "loss", "auc", "sensitivity", "specificity"] : ["accuracy", "loss"]) assert.ok(metricNames.has(metric), metric);
      assert.ok(result.student.params.total > result.student.params.trainable || result.student.params.total === result.student.params.trainable);
      assert.ok(result.student.seconds.train > 0 && result.seconds.total >= result.seconds.student);
      if (result.teacher) assert.ok(result.teacher.params.total > result.student.params.total, "the teacher is the larger model");
    });
  }

  test("Model 1 without a weights path runs from random init with frozen backbones, and says so", () => {
    const result = results.get("pneumonia-model1-pretrained");
    assert.ok(result?.teacher, "the Model 1 run above must have finished");
    for (const run of [result.teacher, result.student]) {
      assert.ok(run.frozenBackbone);
      assert.match(run.initialWeights, /^random init/);
      assert.ok(run.params.trainable < run.params.total / 100, `${run.model}: only the head trains`);
    }
    assert.ok(result.notes.some((note) => /teacher .*backbone frozen at random initialisation/.test(note)));
    assert.ok(result.notes.some((note) => /student .*backbone frozen at random initialisation/.test(note)));
  });

  test("the distilled student and the lone student start alike: same student model, same data", () => {
    const distilled = results.get("pneumonia-final");
    const alone = results.get("pneumonia-student-alone");
    assert.ok(distilled && alone);
    assert.equal(distilled.student.model, alone.student.model);
    assert.equal(distilled.student.initialWeights, alone.student.initialWeights);
    assert.deepEqual(distilled.dataset.counts, alone.dataset.counts);
  });

  test("Model 1 loads backbone weights from the given Keras files", async () => {
    const dir = ensureKerasWeightFixtures();
    const teacherWeights = path.join(dir, "densenet121-notop-64-legacy.h5");
    const studentWeights = path.join(dir, "mobilenetv2-notop-67-legacy.h5");
    const config = applyOverrides(getExperiment("pneumonia-model1-pretrained", "quick"), [`teacher.backboneWeights=${teacherWeights}`, `student.backboneWeights=${studentWeights}`, "epochs=1"]);
    const result = await runExperiment(config, quiet);
    assert.equal(result.teacher?.initialWeights, teacherWeights);
    assert.equal(result.student.initialWeights, studentWeights);
    assert.ok(result.teacher?.frozenBackbone && result.student.frozenBackbone);
    assert.ok(!result.notes.some((note) => note.includes("random initialisation")));
    // Loaded weights make different test predictions than the random-init run of the same seed.
    const random = results.get("pneumonia-model1-pretrained");
    assert.ok(random);
    assert.notEqual(result.teacher?.test.loss, random.teacher?.test.loss);
  });

  test("a missing weights file or dataset folder fails with its path", async () => {
    const config = applyOverrides(getExperiment("pneumonia-model1-pretrained", "quick"), ["teacher.backboneWeights=/nonexistent/densenet.h5"]);
    await assert.rejects(runExperiment(config, quiet), /\/nonexistent\/densenet\.h5/);
    await assert.rejects(runExperiment(getExperiment("pneumonia-final", "quick"), { ...quiet, dataDir: "/nonexistent/chest_xray" }), /\/nonexistent\/chest_xray/);
  });
});
