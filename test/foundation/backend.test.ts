import assert from "node:assert/strict";
import { spawnSync } from "node:child_process";
import * as path from "node:path";
import { before, describe, test } from "node:test";
import * as tf from "@tensorflow/tfjs";
import { BackendInfo, initBackend } from "../../lib/backend";

const ROOT = path.resolve(__dirname, "..", "..");

/** Runs initBackend in a fresh process (the backend is chosen once per process). */
function backendInChild(env: Record<string, string>): { status: number | null; stdout: string; stderr: string } {
  const script = `require("./lib/backend").initBackend().then((b) => console.log(JSON.stringify(b)), (e) => { console.error(e.message); process.exit(3); });`;
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
    assert.match(child.stderr, /KDLAB_BACKEND=tpu is not one of/);
  });
});
