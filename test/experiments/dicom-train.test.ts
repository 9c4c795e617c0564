/**
 * DICOM trains as the README says: a folder of .dcm files with labels.csv,
 * passed as the data of a pneumonia stage, goes through the format registry
 * into training and testing (validation held out by patient).
 */
import assert from "node:assert/strict";
import * as fs from "node:fs";
import * as os from "node:os";
import * as path from "node:path";
import { after, before, describe, test } from "node:test";
import { synthDicom } from "../../lib/data/synth-dicom";
import { applyOverrides, getExperiment, runExperiment } from "../../lib/experiments/index";
import { useNativeBackend } from "../helpers/native";

const root = fs.mkdtempSync(path.join(os.tmpdir(), "kdlab-dicom-train-"));

describe("training on a DICOM folder", () => {
  before(async () => {
    await useNativeBackend();
  });
  after(() => fs.rmSync(root, { recursive: true, force: true }));

  test("pneumonia-student-alone trains and tests on DICOM + labels.csv", async () => {
    const dataDir = path.join(root, "dicom");
    synthDicom(dataDir, { seed: 3 });
    const config = applyOverrides(getExperiment("pneumonia-student-alone", "quick"), ["epochs=1"]);
    const result = await runExperiment(config, { dataDir, runsRoot: path.join(root, "runs"), progress: "off", log: () => undefined });
    assert.equal(result.dataset.format, "dicom");
    assert.deepEqual([result.dataset.isDefault, result.dataset.isReal], [false, true]);
    assert.deepEqual(result.dataset.classNames, ["NORMAL", "PNEUMONIA"]);
    assert.ok(result.dataset.counts.train > 0 && result.dataset.counts.validation > 0 && result.dataset.counts.test > 0);
    assert.equal(result.student.history.length, 1);
    assert.ok(Number.isFinite(result.student.test.accuracy) && result.student.test.binary !== undefined);
  });
});
