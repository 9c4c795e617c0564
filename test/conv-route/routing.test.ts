/**
 * Routing around the convolutions that crash oneDNN at the full ISA (issue
 * 18, lib/conv-route). This machine does not crash, so a stand-in does: the
 * probe child kills itself with SIGFPE where it would run a named shape as a
 * convolution (KDLAB_ONEDNN_STAND_IN_CRASH). The routed run itself is not
 * told which shapes those are: it learns them from kdlab's probe, and
 * oneDNN's own log (ONEDNN_VERBOSE) is the witness that no convolution of
 * those shapes was ever created, on any path (eager forward and gradients,
 * the compiled step, the compiled predictor, Grad-CAM), while the same
 * products ran as MatMul and every result matches an unrouted run.
 */
import { describe, test } from "node:test";
import assert from "node:assert/strict";
import { spawnSync } from "node:child_process";
import * as fs from "node:fs";
import * as os from "node:os";
import * as path from "node:path";
import { convShapeKey, parseConvShapeKey, routableAsMatMul } from "../../lib/conv-route/shape";
import { mustRoute, UnroutableConvolutionError } from "../../lib/conv-route/routing";
import type { RouteChildResult } from "./route-child";

const CHILD = path.join(__dirname, "route-child.ts");

/** Two 1×1 convolutions of the MobileNetV2 student at 32 px (one used by three blocks). */
const STAND_IN = ["conv 1x1/1 SAME 8x8x24->144", "conv 1x1/1 SAME 2x2x384->64"];

/** The environment without any oneDNN choice, so the child's kdlab probes this machine itself. */
function cleanEnv(extra: Record<string, string>): NodeJS.ProcessEnv {
  const env = { ...process.env };
  for (const name of ["TF_ENABLE_ONEDNN_OPTS", "ONEDNN_MAX_CPU_ISA", "ONEDNN_VERBOSE", "KDLAB_ONEDNN", "KDLAB_ONEDNN_ROUTE", "KDLAB_ONEDNN_MACHINE", "KDLAB_ONEDNN_STAND_IN_CRASH"]) delete env[name];
  return { ...env, ...extra };
}

function runChild(env: NodeJS.ProcessEnv, dir: string, name: string): { result: RouteChildResult; stdout: string } {
  const results = path.join(dir, `${name}.json`);
  const child = spawnSync(process.execPath, ["--import", "tsx", CHILD, `--results=${results}`], { env, encoding: "utf8", timeout: 600_000, maxBuffer: 256 * 2 ** 20 });
  assert.equal(child.status, 0, `${name} child ${child.signal ? `died (${child.signal})` : `exited ${child.status}`}: ${(child.stderr ?? "").slice(-2000)}`);
  return { result: JSON.parse(fs.readFileSync(results, "utf8")) as RouteChildResult, stdout: child.stdout ?? "" };
}

function relativeDifference(actual: number[], expected: number[]): number {
  assert.equal(actual.length, expected.length);
  const scale = Math.max(...expected.map(Math.abs), 1e-6);
  return Math.max(...actual.map((a, i) => Math.abs(a - expected[i]))) / scale;
}

describe("convolution shapes", () => {
  test("a key names the primitive and parses back", () => {
    const shape = parseConvShapeKey("conv 1x1/1 VALID 14x14x1024->512");
    assert.deepEqual(shape, { kind: "conv", kernel: [1, 1], strides: [1, 1], padding: "VALID", height: 14, width: 14, inChannels: 1024, outChannels: 512 });
    assert.equal(convShapeKey(shape), "conv 1x1/1 VALID 14x14x1024->512");
    assert.throws(() => parseConvShapeKey("conv 1x1 14x14"), /not a convolution shape key: "conv 1x1 14x14"/);
  });

  test("only 1×1 stride-1 convolutions are a MatMul", () => {
    assert.ok(routableAsMatMul(parseConvShapeKey("conv 1x1/1 SAME 2x2x384->64")));
    assert.ok(!routableAsMatMul(parseConvShapeKey("conv 1x1/2 SAME 8x8x16->32")));
    assert.ok(!routableAsMatMul(parseConvShapeKey("conv 3x3/1 SAME 8x8x16->32")));
    assert.ok(!routableAsMatMul(parseConvShapeKey("depthwise 1x1/1 SAME 8x8x16->16")));
  });
});

describe("routing around a crashing convolution (stand-in SIGFPE)", () => {
  test("no convolution of a crashing shape is ever created, the products run as MatMul, and every path computes what it computes unrouted", () => {
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), "kdlab-route-"));
    try {
      const routed = runChild(cleanEnv({ XDG_CACHE_HOME: path.join(dir, "routed-cache"), KDLAB_ONEDNN_STAND_IN_CRASH: STAND_IN.join(","), ONEDNN_VERBOSE: "profile_create" }), dir, "routed");
      // The same full ISA without the stand-in: routing on (as on a VM that really crashes), nothing of this model routed.
      const plain = runChild(cleanEnv({ XDG_CACHE_HOME: path.join(dir, "plain-cache"), TF_ENABLE_ONEDNN_OPTS: "1", KDLAB_ONEDNN_ROUTE: "1" }), dir, "plain");

      assert.match(routed.result.backend, /oneDNN on, 1×1 convolutions that crash here run as MatMul/);
      assert.match(plain.result.backend, /1×1 convolutions that crash here run as MatMul \(set by user\)$/);
      const plainRecord = JSON.parse(fs.readFileSync(path.join(dir, "plain-cache", "kdlab", "onednn-shapes.json"), "utf8")) as { verdicts: Record<string, string> };
      for (const key of STAND_IN) assert.equal(plainRecord.verdicts[key], "ok", `without the stand-in ${key} runs`);
      for (const key of STAND_IN) assert.ok(routed.result.shapes.includes(key), `the student no longer has ${key}: pick another stand-in from ${routed.result.shapes.join("; ")}`);

      // What the probe learnt: the stand-ins crash, every other shape of the model runs.
      const record = JSON.parse(fs.readFileSync(path.join(dir, "routed-cache", "kdlab", "onednn-shapes.json"), "utf8")) as { verdicts: Record<string, string> };
      for (const key of routed.result.shapes) assert.equal(record.verdicts[key], STAND_IN.includes(key) ? "crash signal SIGFPE" : "ok", key);

      // oneDNN's creation log of the routed run.
      const created = routed.stdout.split("\n").filter((line) => line.includes("primitive,create"));
      const convolutions = created.filter((line) => line.includes(",convolution,"));
      assert.ok(convolutions.length > 20, `oneDNN logged ${convolutions.length} convolutions: its log did not work`);
      for (const key of STAND_IN) {
        const s = parseConvShapeKey(key);
        const problem = `ic${s.inChannels}oc${s.outChannels}_ih${s.height}oh${s.height}kh1sh1`;
        const crashing = convolutions.filter((line) => line.includes(problem));
        assert.deepEqual(crashing, [], `a convolution of ${key} was created`);
        assert.ok(
          created.some((line) => line.includes(",matmul,") && line.includes(`x${s.inChannels}:${s.inChannels}x${s.outChannels},`)),
          `no MatMul [·, ${s.inChannels}] × [${s.inChannels}, ${s.outChannels}] was created for ${key}`,
        );
      }

      // The same numbers as the unrouted run (a MatMul sums the same products; float32 order aside).
      const bounds: [keyof RouteChildResult, number][] = [
        ["eagerLogits", 1e-5],
        ["compiledLogits", 1e-5],
        ["heatmap", 1e-4],
        ["eagerLosses", 1e-4],
        ["compiledLosses", 1e-4],
        ["eagerWeights", 1e-4],
        ["compiledWeights", 1e-4],
      ];
      for (const [what, bound] of bounds) {
        const difference = relativeDifference(routed.result[what] as number[], plain.result[what] as number[]);
        assert.ok(difference <= bound, `${what}: routed − unrouted ${difference.toExponential(2)} > ${bound}`);
      }
    } finally {
      fs.rmSync(dir, { recursive: true, force: true });
    }
  });

  test("a crashing convolution that is not 1×1 stops the run with an error naming it and caps oneDNN from the next start", () => {
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), "kdlab-route-cap-"));
    const saved = { ...process.env };
    try {
      const key = "conv 3x3/1 SAME 6x6x8->8";
      // The routing setting: the full ISA, whatever cap the test run itself has.
      delete process.env.ONEDNN_MAX_CPU_ISA;
      Object.assign(process.env, { XDG_CACHE_HOME: dir, TF_ENABLE_ONEDNN_OPTS: "1", KDLAB_ONEDNN_ROUTE: "1", KDLAB_ONEDNN_MACHINE: "test-machine", KDLAB_ONEDNN_STAND_IN_CRASH: key });
      assert.throws(
        () => mustRoute(parseConvShapeKey(key), "model test"),
        (error: unknown) => error instanceof UnroutableConvolutionError && /^model test: the convolution conv 3x3\/1 SAME 6x6x8->8 crashes .* \(crash signal SIGFPE\) .*capped at AVX from the next start/.test(error.message),
      );
      const record = JSON.parse(fs.readFileSync(path.join(dir, "kdlab", "onednn.json"), "utf8")) as { fingerprint: string; label: string; env: Record<string, string> };
      assert.equal(record.fingerprint, "test-machine");
      assert.deepEqual(record.env, { TF_ENABLE_ONEDNN_OPTS: "1", ONEDNN_MAX_CPU_ISA: "AVX" });
      assert.match(record.label, /capped at AVX.*conv 3x3\/1 SAME 6x6x8->8 crashes at the full ISA and has no route/);
      // A shape that does not crash is simply not routed.
      assert.equal(mustRoute(parseConvShapeKey("conv 1x1/1 SAME 6x6x8->8"), "model test"), false);
    } finally {
      process.env = saved;
      fs.rmSync(dir, { recursive: true, force: true });
    }
  });
});
