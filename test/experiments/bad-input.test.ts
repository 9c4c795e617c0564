/**
 * Bad data and unwritable places are clear errors before a run folder is
 * made: one class (all-zero labels), a class with no training images or
 * none that decode, a read-only runs folder; a full disk names the path;
 * a run that fails after its folder was made leaves no half-made folder.
 */
import assert from "node:assert/strict";
import { spawnSync } from "node:child_process";
import * as fs from "node:fs";
import * as path from "node:path";
import { before, describe, test } from "node:test";
import { applyOverrides, getExperiment, runExperiment } from "../../lib/experiments/index";
import { writeProblem } from "../../lib/experiments/writable";
import { projectPython } from "../../lib/notebook/python";
import { useNativeBackend } from "../helpers/native";
import { tempDir } from "../data/helpers";

const config = getExperiment("pneumonia-student-alone", "quick");

/** A MedMNIST-layout npz of 28×28 gray images whose labels are `labels` (Python, per split n). */
function writeNpz(file: string, labels: string): string {
  const script = `import numpy as np, sys
rng = np.random.default_rng(3)
arrays = {}
for split, n in (("train", 12), ("val", 4), ("test", 4)):
    arrays[f"{split}_images"] = rng.integers(0, 256, (n, 28, 28), dtype=np.uint8)
    arrays[f"{split}_labels"] = (${labels}).astype(np.uint8).reshape(n, 1)
np.savez(sys.argv[1], **arrays)`;
  const made = spawnSync(projectPython(), ["-c", script, file], { encoding: "utf8" });
  assert.equal(made.status, 0, made.stderr);
  return file;
}

/** Runs the config on `dataDir` and expects `message`, with no run folder left under a fresh runs folder. */
async function refused(dataDir: string, message: RegExp, overrides: string[] = []): Promise<void> {
  const runsRoot = tempDir("bad-input-runs");
  await assert.rejects(runExperiment(applyOverrides(config, overrides), { dataDir, runsRoot, progress: "off", log: () => undefined }), message);
  assert.deepEqual(fs.readdirSync(runsRoot), [], "no run folder left");
}

describe("bad input is a clear error before a run folder", () => {
  before(useNativeBackend);

  test("all-zero labels: one class, named with the dataset (not oneHot's depth error)", async () => {
    const file = writeNpz(path.join(tempDir("one-class"), "zeros.npz"), "np.zeros(n)");
    await refused(file, new RegExp(`^Error: ${file}: one class \\("0"\\): every label is the same`));
    // Named after PneumoniaMNIST, the class list has two classes and one has no image.
    const named = writeNpz(path.join(tempDir("one-class-named"), "pneumoniamnist.npz"), "np.zeros(n)");
    await refused(named, new RegExp(`${named}: class "pneumonia" has no training images; only class "normal" could train`));
  });

  test("a runs folder that cannot be written is named before any work; a full disk names the path", async () => {
    // /proc refuses new folders even to root (mkdir there gives ENOENT, the message users saw).
    const unwritable = "/proc/kdlab-runs";
    await assert.rejects(runExperiment(config, { runsRoot: unwritable, progress: "off", log: () => undefined }), {
      message: /^\/proc\/kdlab-runs: not writable \(ENOENT: .*\); choose a runs folder you can write \(--runs\), or fix its permissions$/,
    });
    const file = path.join(tempDir("runs-is-a-file"), "runs");
    fs.writeFileSync(file, "");
    await assert.rejects(runExperiment(config, { runsRoot: path.join(file, "inner"), progress: "off", log: () => undefined }), { message: new RegExp(`^${file}/inner: not writable \\(ENOTDIR`) });
    // A real ENOSPC (writing /dev/full), reworded to name the path and "disk full".
    let full: unknown;
    try {
      fs.writeFileSync("/dev/full", "x");
    } catch (error) {
      full = error;
    }
    assert.equal((full as NodeJS.ErrnoException).code, "ENOSPC");
    assert.match(writeProblem(full, "/runs/pneumonia-final-1") ?? "", /^\/runs\/pneumonia-final-1: disk full \(ENOSPC: no space left on device, write\); free some space, or choose a runs folder on another disk \(--runs\)$/);
    assert.equal(writeProblem(Object.assign(new Error("ENOENT: no such file"), { code: "ENOENT" }), "/x"), undefined, "a missing file is not reworded as a write error");
  });

  test("a run that fails after its folder was made leaves no half-made folder", async () => {
    const runsRoot = tempDir("half-made");
    const withWeights = applyOverrides(getExperiment("pneumonia-model1-pretrained", "quick"), ["teacher.backboneWeights=/nonexistent/densenet.h5"]);
    await assert.rejects(runExperiment(withWeights, { runsRoot, progress: "off", log: () => undefined }), /\/nonexistent\/densenet\.h5/);
    assert.deepEqual(fs.readdirSync(runsRoot), []);
  });
});
