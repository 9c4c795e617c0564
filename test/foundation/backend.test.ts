import assert from "node:assert/strict";
import { spawnSync } from "node:child_process";
import * as path from "node:path";
import { before, describe, test } from "node:test";
import * as tf from "@tensorflow/tfjs";
import * as fs from "node:fs";
import * as os from "node:os";
import { BackendInfo, initBackend } from "../../lib/runtime/backend";
import { environmentProblems, KDLAB_VARIABLES } from "../../lib/runtime/env-vars";

const ROOT = path.resolve(__dirname, "..", "..");

/** Runs initBackend in a fresh process (the backend is chosen once per process). */
function backendInChild(env: Record<string, string>): { status: number | null; stdout: string; stderr: string } {
  const script = `require("./lib/runtime/backend").initBackend().then((b) => console.log(JSON.stringify(b)), (e) => { console.error(e.message); process.exit(3); });`;
  const result = spawnSync(process.execPath, ["--import", "tsx", "-e", script], { cwd: ROOT, env: { ...process.env, ...env }, encoding: "utf8" });
  return { status: result.status, stdout: result.stdout, stderr: result.stderr };
}

describe("backend selection", () => {
  let info: BackendInfo;
  before(async () => {
    info = await initBackend();
  });

  test("is native TensorFlow when KDLAB_REQUIRE_NATIVE is set", () => {
    assert.equal(process.env.KDLAB_REQUIRE_NATIVE, "1", "the test command must require native TensorFlow");
    assert.notEqual(info.kind, "js");
    assert.equal(tf.getBackend(), "tensorflow");
    assert.match(info.tfVersion, /^2\.\d+\.\d+/);
  });

  test("reports backend, TensorFlow version and threads in one line", () => {
    assert.equal(info.line.split("\n").length, 1);
    assert.ok(info.line.includes(`TensorFlow ${info.tfVersion}`), info.line);
    assert.match(info.line, /\d+ threads/);
  });

  test("computes on the native backend", () => {
    const product = tf.tidy(() => tf.matMul(tf.tensor2d([[1, 2], [3, 4]]), tf.tensor2d([[5, 6], [7, 8]])));
    assert.deepEqual(product.arraySync(), [[19, 22], [43, 50]]);
    product.dispose();
  });

  test("KDLAB_BACKEND=js falls back to pure JS when native is not required", () => {
    const child = backendInChild({ KDLAB_BACKEND: "js", KDLAB_REQUIRE_NATIVE: "" });
    assert.equal(child.status, 0, child.stderr);
    const chosen = JSON.parse(child.stdout) as BackendInfo;
    assert.equal(chosen.kind, "js");
    assert.match(chosen.line, /pure JS/);
  });

  test("KDLAB_REQUIRE_NATIVE turns a fallback to pure JS into an error", () => {
    const child = backendInChild({ KDLAB_BACKEND: "js", KDLAB_REQUIRE_NATIVE: "1" });
    assert.equal(child.status, 3);
    assert.match(child.stderr, /KDLAB_REQUIRE_NATIVE/);
  });

  test("an unknown KDLAB_BACKEND value is an error", () => {
    const child = backendInChild({ KDLAB_BACKEND: "tpu" });
    assert.equal(child.status, 3);
    assert.match(child.stderr, /KDLAB_BACKEND="tpu" is not accepted; use gpu, cpu, js, auto/);
  });

  test("an unknown KDLAB_BF16 value is an error naming the accepted values, not a silent fall to pure JS", () => {
    const child = backendInChild({ KDLAB_BF16: "maybe", KDLAB_REQUIRE_NATIVE: "" });
    assert.equal(child.status, 3, child.stdout);
    assert.match(child.stderr, /KDLAB_BF16="maybe" is not accepted; use 1, teacher, 0/);
  });

  test("every KDLAB_* variable kdlab reads has its values checked", () => {
    const bad: Record<string, string> = {
      KDLAB_BACKEND: "tpu",
      KDLAB_REQUIRE_NATIVE: "maybe",
      KDLAB_BF16: "maybe",
      KDLAB_ONEDNN_ROUTE: "yes",
      KDLAB_ONEDNN_STAND_IN_CRASH: "conv 1x1",
      KDLAB_RAY_STARTUP_S: "soon",
      KDLAB_DATA_DIR: "",
      KDLAB_PYTHON: " ",
      KDLAB_BENCH_DATA: "",
    };
    assert.deepEqual(Object.keys(bad).sort(), Object.keys(KDLAB_VARIABLES).sort(), "a bad value for each");
    const problems = environmentProblems(bad);
    assert.deepEqual(problems.map((p) => p.split("=")[0]).sort(), Object.keys(bad).sort());
    const good = { KDLAB_BACKEND: "CPU", KDLAB_REQUIRE_NATIVE: "0", KDLAB_BF16: "teacher", KDLAB_ONEDNN_ROUTE: "1", KDLAB_ONEDNN_STAND_IN_CRASH: "conv 1x1/1 VALID 14x14x1024->512", KDLAB_RAY_STARTUP_S: "30", KDLAB_DATA_DIR: "/tmp/d", KDLAB_ONEDNN: "anything kdlab set" };
    assert.deepEqual(environmentProblems(good), []);
  });

  test("kdlab train with a bad KDLAB_* value fails before it makes a run folder", () => {
    const runs = fs.mkdtempSync(path.join(os.tmpdir(), "kdlab-env-"));
    const result = spawnSync(process.execPath, [path.join(ROOT, "bin", "kdlab.js"), "train", "pneumonia-model2", "--runs", runs], { cwd: ROOT, env: { ...process.env, KDLAB_BF16: "maybe" }, encoding: "utf8" });
    assert.equal(result.status, 1, result.stdout);
    assert.match(result.stderr, /kdlab: environment: KDLAB_BF16="maybe" is not accepted; use 1, teacher, 0/);
    assert.deepEqual(fs.readdirSync(runs), []);
    fs.rmSync(runs, { recursive: true, force: true });
  });
});
