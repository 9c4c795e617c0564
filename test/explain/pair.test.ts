import { before, describe, test } from "node:test";
import assert from "node:assert/strict";
import * as tf from "@tensorflow/tfjs";
import { compareGradCams } from "../../lib/explain/compare";
import { pairSettings, pickTestSamples, testImages, trainPair } from "../../lib/explain/train-pair";
import { Sample } from "../../lib/data";
import { useNativeBackend } from "../helpers/native";

describe("notebook 06's teacher and distilled student", () => {
  before(async () => {
    await useNativeBackend();
  });

  test("settings: profile defaults, overrides where given, null/empty keep the profile's", () => {
    const quick = pairSettings("quick", { inputSize: null, epochs: 3, dataDir: "", lr: 0.01 });
    assert.equal(quick.inputSize, 64);
    assert.equal(quick.epochs, 3);
    assert.equal(quick.optimizer.lr, 0.01);
    assert.equal(quick.optimizer.kind, "adam");
    const full = pairSettings("full");
    assert.deepEqual([full.inputSize, full.epochs, full.trainLimit, full.optimizer.kind, full.optimizer.lr], [224, 25, null, "sgd", 1e-4]);
    assert.throws(() => pairSettings("fast"), /profile must be "quick", "standard", "paper" or "full"/);
    // The standard pair is the pneumonia-model2 experiment's standard profile (so notebook 06 can load notebook 03's models).
    const standard = pairSettings("standard");
    assert.deepEqual([standard.inputSize, standard.batchSize, standard.trainLimit, standard.optimizer.kind, standard.teacherModel], [32, 64, null, "adam", "pneumonia-teacher-model2"]);
  });

  test("test images alternate between classes in folder order", () => {
    const sample = (label: number, i: number): Sample => ({ format: "chest-xray", file: `${label}-${i}`, label, className: String(label) });
    const test = [sample(0, 0), sample(0, 1), sample(0, 2), sample(1, 0)];
    assert.deepEqual(pickTestSamples(test, 3).map((s) => s.file), ["0-0", "1-0", "0-1"]);
    assert.equal(pickTestSamples(test, 10).length, 4);
  });

  test("trains both on the embedded default, reports test metrics, and explains test images with both", async () => {
    const settings = { ...pairSettings("quick", { inputSize: 32, epochs: 1, trainLimit: 16, batchSize: 8, seed: 3 }), validationLimit: 8 };
    const pair = await trainPair(settings, "off");
    assert.ok(pair.data.isDefault);
    assert.deepEqual([pair.data.counts.train, pair.data.counts.validation], [16, 8]);
    assert.equal(pair.teacher.history.length, 1);
    assert.equal(pair.student.history.length, 1);
    assert.equal(pair.student.test.count, pair.data.counts.test);
    assert.ok(pair.student.test.accuracy >= 0 && pair.student.test.accuracy <= 1);
    const before = tf.memory().numTensors;
    const sample = await testImages(pair, 4);
    assert.deepEqual(sample.images.shape, [4, 32, 32, 3]);
    assert.deepEqual(new Set(sample.labels), new Set([0, 1]));
    const maps = await compareGradCams(pair.teacher, pair.student, sample.images, sample.labels, pair.data.classNames, { minSize: 1 });
    sample.images.dispose();
    assert.equal(tf.memory().numTensors, before);
    assert.deepEqual(maps.classIndex, sample.labels);
    assert.equal(maps.rows.length, 4);
    assert.equal(maps.rows[0].teacher.length, 32 * 32);
    assert.equal(maps.rows[0].image.length, 32 * 32 * 3);
    assert.equal(maps.rows[0].trueLabel, pair.data.classNames[sample.labels[0]]);
    pair.teacher.model.dispose();
    pair.student.model.dispose();
  });
});
