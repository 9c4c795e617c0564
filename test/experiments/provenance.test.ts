/**
 * A run records where it came from (config.json provenance) and writes
 * TensorBoard event files per model whose scalars TensorFlow's own reader
 * (Python, the project's .venv) reads back equal to history.json.
 */
import assert from "node:assert/strict";
import { spawnSync } from "node:child_process";
import * as fs from "node:fs";
import * as os from "node:os";
import * as path from "node:path";
import { after, before, describe, test } from "node:test";
import { tensorboardArgs } from "../../lib/commands/tensorboard";
import { crc32c } from "../../lib/experiments/tensorboard-log";
import { applyOverrides, getExperiment, runExperiment } from "../../lib/experiments/index";
import { projectPython } from "../../lib/notebook/python";
import { useNativeBackend } from "../helpers/native";

const runsRoot = fs.mkdtempSync(path.join(os.tmpdir(), "kdlab-provenance-"));

const READ_EVENTS = `
import glob, json, sys
import tensorflow as tf
out = {}
for name in glob.glob(sys.argv[1] + "/events.out.tfevents.*"):
    for event in tf.compat.v1.train.summary_iterator(name):
        for value in event.summary.value:
            number = float(tf.make_ndarray(value.tensor)) if value.HasField("tensor") else value.simple_value
            out.setdefault(value.tag, {})[str(event.step)] = number
print(json.dumps(out))
`;

describe("run provenance and TensorBoard logs", () => {
  before(async () => {
    await useNativeBackend();
  });
  after(() => fs.rmSync(runsRoot, { recursive: true, force: true }));

  test("config.json names versions, commit, backend, machine and seeds; event files hold the history", async () => {
    const config = applyOverrides(getExperiment("pneumonia-student-alone", "quick"), ["epochs=2", "seed=5"]);
    const result = await runExperiment(config, { runsRoot, progress: "off", log: () => undefined });
    const written = JSON.parse(fs.readFileSync(path.join(result.runDir, "config.json"), "utf8"));
    const p = written.provenance;
    const pkg = JSON.parse(fs.readFileSync(path.resolve(__dirname, "..", "..", "package.json"), "utf8"));
    assert.equal(p.kdlab, pkg.version);
    assert.match(p.git?.commit ?? "", /^[0-9a-f]{40}$/, "the checkout's commit");
    assert.equal(typeof p.git.dirty, "boolean");
    assert.equal(p.tensorflow, "2.21.0");
    assert.match(p.backend, /native CPU|GPU/);
    assert.match(p.oneDnn, /oneDNN/);
    assert.equal(p.seed, 5);
    assert.equal(p.teacherSeed, null);
    assert.ok(p.machine.cores >= 1 && p.machine.memoryGiB >= 1 && p.machine.cpu.length > 0);
    assert.ok(p.machine.vectorExtensions.includes("avx"), "x86 machines here all have AVX");

    const dir = path.join(result.runDir, "student");
    assert.ok(fs.readdirSync(dir).some((f) => f.startsWith("events.out.tfevents.")), "an event file in the model's folder");
    const read = spawnSync(projectPython(), ["-c", READ_EVENTS, dir], { encoding: "utf8", env: { ...process.env, TF_CPP_MIN_LOG_LEVEL: "3" } });
    assert.equal(read.status, 0, read.stderr);
    const scalars = JSON.parse(read.stdout.trim().split("\n").pop() ?? "{}") as Record<string, Record<string, number>>;
    const history = JSON.parse(fs.readFileSync(path.join(dir, "history.json"), "utf8")) as Record<string, number>[];
    for (const tag of ["loss", "accuracy", "val_loss", "val_accuracy", "lr"]) {
      assert.deepEqual(Object.keys(scalars[tag] ?? {}).sort(), ["1", "2"], tag);
      for (const row of history) assert.ok(Math.abs(scalars[tag][String(row.epoch)] - row[tag]) <= 1e-6 * Math.max(1, Math.abs(row[tag])), `${tag} at epoch ${row.epoch}`);
    }
  });

  test("CRC-32C (TFRecord's checksum) gives the standard check value", () => {
    assert.equal(crc32c(Buffer.from("123456789")), 0xe3069283);
  });

  test("kdlab tensorboard listens on 127.0.0.1 by default", () => {
    assert.deepEqual(tensorboardArgs({ logdir: "/r" }), ["-m", "tensorboard.main", "--logdir", "/r", "--host", "127.0.0.1", "--port", "6006"]);
  });
});
