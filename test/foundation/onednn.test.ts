/**
 * The oneDNN trap (DESIGN.md): on VMs without visible CPU caches TF's oneDNN
 * dies with SIGFPE on some 1×1 convolutions. kdlab must pick a setting that
 * survives instead of dying: the full ISA with those convolutions routed as
 * MatMul when that survives, a cap only when it does not. Stand-in probes
 * that raise a real SIGFPE check the selection end to end: scripts that
 * crash under given settings, and kdlab's own machine probe with a stand-in
 * crash shape (lib/runtime/conv-probe-child.ts).
 */
import assert from "node:assert/strict";
import { describe, test } from "node:test";
import { ONEDNN_SETTINGS, pickSetting, probeInChild, probeMachine } from "../../lib/runtime/onednn";

const CRASHES_UNLESS_CAPPED = `
if (!process.env.ONEDNN_MAX_CPU_ISA && process.env.TF_ENABLE_ONEDNN_OPTS !== "0") process.kill(process.pid, "SIGFPE");
process.stdout.write("probe-ok");`;

const CRASHES_UNLESS_ROUTED = `
if (process.env.KDLAB_ONEDNN_ROUTE !== "1" && !process.env.ONEDNN_MAX_CPU_ISA && process.env.TF_ENABLE_ONEDNN_OPTS !== "0") process.kill(process.pid, "SIGFPE");
process.stdout.write("probe-ok");`;

const ALWAYS_CRASHES = `process.kill(process.pid, "SIGFPE");`;

describe("oneDNN setting selection", () => {
  test("a SIGFPE only without routing keeps the full ISA and routes", () => {
    const chosen = pickSetting(ONEDNN_SETTINGS, (setting) => probeInChild(CRASHES_UNLESS_ROUTED, [], setting));
    assert.deepEqual(chosen.env, { TF_ENABLE_ONEDNN_OPTS: "1", KDLAB_ONEDNN_ROUTE: "1" });
  });

  test("a SIGFPE under the full ISA, routed or not, moves to the AVX cap", () => {
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
      /every oneDNN setting \(oneDNN on: signal SIGFPE; oneDNN on, 1×1 convolutions that crash here run as MatMul: signal SIGFPE; oneDNN capped at AVX.*: signal SIGFPE; oneDNN off.*: signal SIGFPE\)/,
    );
  });

  test("no crash keeps oneDNN fully on, switched on explicitly (TensorFlow leaves it off on CPUs without AVX-512)", () => {
    const chosen = pickSetting(ONEDNN_SETTINGS, (setting) => probeInChild(`process.stdout.write("probe-ok")`, [], setting));
    assert.equal(chosen.label, "oneDNN on");
    assert.deepEqual(chosen.env, { TF_ENABLE_ONEDNN_OPTS: "1" });
  });

  test("kdlab's machine probe: a crashing 1×1 convolution picks routing, a crashing 3×3 the cap, and the crash names its shape", () => {
    const entry = require.resolve("@tensorflow/tfjs-node");
    const saved = process.env.KDLAB_ONEDNN_STAND_IN_CRASH;
    try {
      process.env.KDLAB_ONEDNN_STAND_IN_CRASH = "conv 1x1/1 SAME 6x6x8->16";
      assert.deepEqual(probeMachine(entry, ONEDNN_SETTINGS[0]), { ok: false, detail: "signal SIGFPE on conv 1x1/1 SAME 6x6x8->16" });
      assert.equal(pickSetting(ONEDNN_SETTINGS, (setting) => probeMachine(entry, setting)).label, "oneDNN on, 1×1 convolutions that crash here run as MatMul");
      process.env.KDLAB_ONEDNN_STAND_IN_CRASH = "conv 3x3/1 SAME 6x6x8->16";
      assert.match(pickSetting(ONEDNN_SETTINGS, (setting) => probeMachine(entry, setting)).label, /^oneDNN capped at AVX/);
    } finally {
      if (saved === undefined) delete process.env.KDLAB_ONEDNN_STAND_IN_CRASH;
      else process.env.KDLAB_ONEDNN_STAND_IN_CRASH = saved;
    }
  });
});
