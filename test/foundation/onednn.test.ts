/**
 * The oneDNN trap (DESIGN.md): on VMs without visible CPU caches TF's oneDNN
 * dies with SIGFPE on some 1×1 convolutions. kdlab must pick a setting that
 * survives instead of dying. A stand-in probe that raises SIGFPE exactly when
 * full-ISA oneDNN is on checks the selection end to end with a real signal.
 */
import assert from "node:assert/strict";
import { describe, test } from "node:test";
import { ONEDNN_SETTINGS, pickSetting, probeInChild } from "../../lib/onednn";

const CRASHES_UNLESS_CAPPED = `
if (!process.env.ONEDNN_MAX_CPU_ISA && process.env.TF_ENABLE_ONEDNN_OPTS !== "0") process.kill(process.pid, "SIGFPE");
process.stdout.write("probe-ok");`;

const ALWAYS_CRASHES = `process.kill(process.pid, "SIGFPE");`;

describe("oneDNN setting selection", () => {
  test("a SIGFPE under full oneDNN moves to the AVX cap, the next fastest", () => {
    const chosen = pickSetting(ONEDNN_SETTINGS, (setting) => probeInChild(CRASHES_UNLESS_CAPPED, [], setting));
    assert.deepEqual(chosen.env, { TF_ENABLE_ONEDNN_OPTS: "1", ONEDNN_MAX_CPU_ISA: "AVX" });
  });

  test("the crash is seen as a signal, not an exit code", () => {
    const outcome = probeInChild(ALWAYS_CRASHES, [], ONEDNN_SETTINGS[0]);
    assert.equal(outcome.ok, false);
    assert.equal(outcome.detail, "signal SIGFPE");
  });

  test("when every setting crashes the error lists each one", () => {
    assert.throws(
      () => pickSetting(ONEDNN_SETTINGS, (setting) => probeInChild(ALWAYS_CRASHES, [], setting)),
      /every oneDNN setting \(oneDNN on: signal SIGFPE; oneDNN capped at AVX.*: signal SIGFPE; oneDNN off.*: signal SIGFPE\)/,
    );
  });

  test("no crash keeps oneDNN fully on, switched on explicitly (TensorFlow leaves it off on CPUs without AVX-512)", () => {
    const chosen = pickSetting(ONEDNN_SETTINGS, (setting) => probeInChild(`process.stdout.write("probe-ok")`, [], setting));
    assert.equal(chosen.label, "oneDNN on");
    assert.deepEqual(chosen.env, { TF_ENABLE_ONEDNN_OPTS: "1" });
  });
});
