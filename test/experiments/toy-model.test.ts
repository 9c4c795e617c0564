/**
 * A model is one file and one registry entry: the toy CNN
 * (test/fixtures/toy/tiny-model.ts), registered here, is a valid
 * student.model for the pneumonia task (its entry's task, no name matching),
 * refused for CIFAR-10, and trains and tests end to end in the quick profile
 * on the embedded data.
 */
import assert from "node:assert/strict";
import * as fs from "node:fs";
import * as os from "node:os";
import * as path from "node:path";
import { after, before, describe, test } from "node:test";
import { applyOverrides, getExperiment, runExperiment } from "../../lib/experiments/index";
import { countParams, modelNames, registerModel } from "../../lib/models/index";
import { tinyModel } from "../fixtures/toy/tiny-model";
import { useNativeBackend } from "../helpers/native";

registerModel(tinyModel);

const root = fs.mkdtempSync(path.join(os.tmpdir(), "kdlab-toy-model-"));

describe("a toy model registered with one line", () => {
  before(async () => {
    await useNativeBackend();
  });
  after(() => fs.rmSync(root, { recursive: true, force: true }));

  test("it is a model name for overrides, and its task decides which experiments take it", () => {
    assert.ok(modelNames().includes("toy-tiny-cnn"));
    assert.equal(applyOverrides(getExperiment("pneumonia-student-alone", "quick"), ["student.model=toy-tiny-cnn"]).student.model, "toy-tiny-cnn");
    assert.throws(() => applyOverrides(getExperiment("cifar10-student-alone", "quick"), ["student.model=toy-tiny-cnn"]), /toy-tiny-cnn does not fit the cifar10 dataset/);
    assert.throws(() => applyOverrides(getExperiment("pneumonia-student-alone", "quick"), ["student.model=toy-tiny-cnn", "student.backboneWeights=/x.h5"]), /toy-tiny-cnn has no separate backbone/);
    assert.throws(() => registerModel(tinyModel), /registered twice/);
  });

  test("pneumonia-student-alone trains and tests it in the quick profile", async () => {
    const config = applyOverrides(getExperiment("pneumonia-student-alone", "quick"), ["student.model=toy-tiny-cnn"]);
    const result = await runExperiment(config, { runsRoot: path.join(root, "runs"), progress: "off", log: () => undefined });
    assert.equal(result.student.model, "toy-tiny-cnn");
    const built = tinyModel.build({ inputSize: config.dataset.inputSize, classes: 2 });
    assert.deepEqual(result.student.params, countParams(built));
    built.dispose();
    assert.equal(result.student.history.length, config.epochs);
    assert.ok(Number.isFinite(result.student.test.accuracy) && result.student.test.binary !== undefined);
  });
});
