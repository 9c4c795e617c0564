/**
 * A dataset format is one file and one registry line: the toy stripes
 * format (test/fixtures/toy/stripes-format.ts), registered here, is
 * synthesised by `kdlab data synth`, detected, inspected, decoded at its own
 * default size by the pipeline, and trains and tests a pneumonia-task
 * student end to end in the quick profile.
 */
import assert from "node:assert/strict";
import * as fs from "node:fs";
import * as os from "node:os";
import * as path from "node:path";
import { after, before, describe, test } from "node:test";
import { dataCommand } from "../../lib/commands/data";
import { detectFormat, openDataset } from "../../lib/data/dataset";
import { registerFormat } from "../../lib/data/formats/index";
import { inspectDataset } from "../../lib/data/inspect";
import { ImagePipeline } from "../../lib/data/pipeline";
import { applyOverrides, getExperiment, runExperiment } from "../../lib/experiments/index";
import { stripesFormat } from "../fixtures/toy/stripes-format";
import { useNativeBackend } from "../helpers/native";

registerFormat(stripesFormat);

const root = fs.mkdtempSync(path.join(os.tmpdir(), "kdlab-toy-format-"));
const dataDir = path.join(root, "stripes");

describe("a toy dataset format registered with one line", () => {
  before(async () => {
    await useNativeBackend();
  });
  after(() => fs.rmSync(root, { recursive: true, force: true }));

  test("kdlab data synth writes it; detection, inspect and the pipeline go through its entry", async () => {
    const original = console.log;
    const printed: string[] = [];
    console.log = (...parts: unknown[]) => void printed.push(parts.join(" "));
    try {
      assert.equal(await dataCommand.run(["synth", "toy-stripes", dataDir, "--seed", "1"]), 0);
    } finally {
      console.log = original;
    }
    assert.deepEqual(printed, [`wrote 60 toy stripes to ${dataDir}`]);
    assert.equal(detectFormat(dataDir), "toy-stripes");
    const report = await inspectDataset(dataDir);
    assert.equal(report.format, "toy-stripes");
    assert.deepEqual(report.splits.train, { count: 40, classes: { horizontal: 20, vertical: 20 } });
    assert.equal(report.splits.test.count, 20);
    await assert.rejects(inspectDataset(dataDir, { classes: ["a", "b"] }), /toy-stripes names its own classes/);

    const opened = await openDataset(dataDir);
    const pipeline = new ImagePipeline(opened.splits.train.slice(0, 4), { batchSize: 4, numClasses: 2, shuffle: false });
    for await (const batch of pipeline.epoch(0)) {
      assert.deepEqual(batch.xs.shape, [4, 16, 16, 3], "the format's default size (16) and gray tiled to RGB");
      const pixels = await batch.xs.data();
      // Image 0 is vertical stripes (seed 1: label 1): along a row the values change, down a column they do not.
      const at = (y: number, x: number): number => pixels[(y * 16 + x) * 3];
      assert.equal(batch.labels[0], 1);
      assert.notEqual(at(0, 0), at(0, 2));
      assert.equal(at(0, 0), at(5, 0));
      batch.dispose();
    }
  });

  test("pneumonia-student-alone trains and tests on it in the quick profile", async () => {
    const config = getExperiment("pneumonia-student-alone", "quick");
    const result = await runExperiment(config, { dataDir, runsRoot: path.join(root, "runs"), progress: "off", log: () => undefined });
    assert.equal(result.dataset.format, "toy-stripes");
    assert.deepEqual(result.dataset.classNames, ["horizontal", "vertical"]);
    assert.deepEqual([result.dataset.isDefault, result.dataset.counts.train, result.dataset.counts.test], [false, config.dataset.trainLimit, config.dataset.testLimit]);
    assert.ok(result.dataset.counts.validation > 0);
    assert.equal(result.student.history.length, config.epochs);
    assert.ok(Number.isFinite(result.student.test.accuracy) && result.student.test.binary !== undefined);
  });

  test("an experiment of a task the format does not train refuses it", async () => {
    const config = applyOverrides(getExperiment("cifar10-student-alone", "quick"), ["epochs=1"]);
    await assert.rejects(runExperiment(config, { dataDir, runsRoot: path.join(root, "runs-cifar"), progress: "off", log: () => undefined }), /a toy-stripes dataset, but cifar10-student-alone trains on cifar10 data/);
  });
});
