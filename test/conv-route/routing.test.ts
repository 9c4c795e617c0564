/**
 * Routing around the convolutions that crash oneDNN at the full ISA (issue
 * 18, lib/runtime/conv-*.ts). The test's models have no shape that crashes on any
 * machine seen, so a stand-in does: the probe child kills itself with
 * SIGFPE where it would run a named shape as a convolution
 * (KDLAB_ONEDNN_STAND_IN_CRASH). The routed run itself is not
 * told which shapes those are: it learns them from kdlab's probe, and
 * oneDNN's own log (ONEDNN_VERBOSE) is the witness that no convolution of
 * those shapes was ever created, on any path (eager forward and gradients,
 * the compiled step, the compiled predictor, Grad-CAM), while the same
 * products ran as MatMul and every result matches an unrouted run: forward
 * outputs directly, training in lock-step (each step from the unrouted run's
 * weights; free-running steps diverge chaotically on some CPUs, see
 * route-child.ts). The same comparison must catch a wrong route, so a
 * second test plants one (KDLAB_ROUTE_FAULT, lib/runtime/conv-fault.ts).
 */
import { describe, test } from "node:test";
import assert from "node:assert/strict";
import { spawnSync } from "node:child_process";
import * as fs from "node:fs";
import * as os from "node:os";
import * as path from "node:path";
import { convShapeKey, parseConvShapeKey, routableAsMatMul } from "../../lib/runtime/conv-shape";
import { mustRoute, UnroutableConvolutionError } from "../../lib/runtime/conv-routing";
import { ROUTE_FAULT_VARIABLE, RouteFault } from "../../lib/runtime/conv-fault";
import type { RouteChildResult } from "./route-child";

const CHILD = path.join(__dirname, "route-child.ts");

/** Two 1×1 convolutions of the MobileNetV2 student at 32 px (one used by three blocks). */
const STAND_IN = ["conv 1x1/1 SAME 8x8x24->144", "conv 1x1/1 SAME 2x2x384->64"];

/** The environment without any oneDNN choice, so the child's kdlab probes this machine itself. */
function cleanEnv(extra: Record<string, string>): NodeJS.ProcessEnv {
  const env = { ...process.env };
  for (const name of ["TF_ENABLE_ONEDNN_OPTS", "ONEDNN_MAX_CPU_ISA", "ONEDNN_VERBOSE", "KDLAB_ONEDNN", "KDLAB_ONEDNN_ROUTE", "KDLAB_ONEDNN_MACHINE", "KDLAB_ONEDNN_STAND_IN_CRASH", ROUTE_FAULT_VARIABLE]) delete env[name];
  return { ...env, ...extra };
}

function runChild(env: NodeJS.ProcessEnv, dir: string, name: string, args: string[] = []): { result: RouteChildResult; stdout: string } {
  const results = path.join(dir, `${name}.json`);
  const child = spawnSync(process.execPath, ["--import", "tsx", CHILD, `--results=${results}`, ...args], { env, encoding: "utf8", timeout: 600_000, maxBuffer: 256 * 2 ** 20 });
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

/**
 * What a right route must keep, routed against unrouted: the same products
 * summed in another order. Forward results and each lock-step step (from the
 * same weights) are well-conditioned, so their bounds hold on every CPU kind;
 * the free run is bounded at its second step only (one update apart), far
 * above rounding and far below what a wrong route gives.
 */
const BOUNDS = {
  logits: 1e-5,
  heatmap: 1e-4,
  lockstepLoss: 1e-4,
  lockstepUpdate: 1e-3,
  lockstepTensor: 1e-2,
  lockstepState: 1e-4,
  freeFirstLoss: 1e-4,
  freeSecondLoss: 1e-2,
};

/** Every bound the routed run breaks, as messages; none for a right route. */
function violations(routed: RouteChildResult, plain: RouteChildResult): string[] {
  const found: string[] = [];
  const check = (what: string, value: number, bound: number): void => {
    if (!(value <= bound)) found.push(`${what}: routed − unrouted ${value.toExponential(2)} > ${bound}`);
  };
  check("eagerLogits", relativeDifference(routed.eagerLogits, plain.eagerLogits), BOUNDS.logits);
  check("compiledLogits", relativeDifference(routed.compiledLogits, plain.compiledLogits), BOUNDS.logits);
  if (plain.heatmap.length) check("heatmap", relativeDifference(routed.heatmap, plain.heatmap), BOUNDS.heatmap);
  for (const pathName of ["eager", "compiled"] as const) {
    routed.lockstep?.[pathName].forEach((step, i) => {
      check(`${pathName} lock-step ${i + 1} loss`, step.loss, BOUNDS.lockstepLoss);
      check(`${pathName} lock-step ${i + 1} update (all gradients)`, step.update, BOUNDS.lockstepUpdate);
      check(`${pathName} lock-step ${i + 1} gradient of ${step.worstTensorName}`, step.worstTensor, BOUNDS.lockstepTensor);
      check(`${pathName} lock-step ${i + 1} moving statistics ${step.worstStateName}`, step.state, BOUNDS.lockstepState);
    });
    const [first, second] = [0, 1].map((i) => relativeDifference([routed.freeLosses[pathName][i]], [plain.freeLosses[pathName][i]]));
    check(`${pathName} free run step 1 loss`, first, BOUNDS.freeFirstLoss);
    check(`${pathName} free run step 2 loss`, second, BOUNDS.freeSecondLoss);
  }
  return found;
}

describe("routing around a crashing convolution (stand-in SIGFPE)", () => {
  test("no convolution of a crashing shape is ever created, the products run as MatMul, and every path computes what it computes unrouted, step by step", (t) => {
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), "kdlab-route-"));
    try {
      // The same full ISA without the stand-in: routing on (as on a VM that really crashes), nothing of this model routed.
      const plain = runChild(cleanEnv({ XDG_CACHE_HOME: path.join(dir, "plain-cache"), TF_ENABLE_ONEDNN_OPTS: "1", KDLAB_ONEDNN_ROUTE: "1" }), dir, "plain", [`--trajectory-out=${dir}`]);
      const routed = runChild(cleanEnv({ XDG_CACHE_HOME: path.join(dir, "routed-cache"), KDLAB_ONEDNN_STAND_IN_CRASH: STAND_IN.join(","), ONEDNN_VERBOSE: "profile_create" }), dir, "routed", [`--trajectory-in=${dir}`]);

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

      // The same numbers as the unrouted run: forward, and each training step from the same weights.
      assert.equal(routed.result.lockstep?.eager.length, 3);
      assert.equal(routed.result.lockstep?.compiled.length, 3);
      const margins = (["eager", "compiled"] as const).map((p) => `${p}: ${routed.result.lockstep?.[p].map((s) => `loss ${s.loss.toExponential(1)} update ${s.update.toExponential(1)} tensor ${s.worstTensor.toExponential(1)} state ${s.state.toExponential(1)}`).join(" | ")}; free ${routed.result.freeLosses[p].join(", ")} vs ${plain.result.freeLosses[p].join(", ")}`);
      t.diagnostic(`lock-step, routed against unrouted: ${margins.join(" || ")}`);
      assert.deepEqual(violations(routed.result, plain.result), []);
    } finally {
      fs.rmSync(dir, { recursive: true, force: true });
    }
  });

  test("the same comparison catches a wrong route: a transposed kernel, a wrong reshape, a missing bias, gradients scaled by 1.05", () => {
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), "kdlab-route-fault-"));
    try {
      // A small net whose routed 1×1 convolutions have biases; one probe cache for every routed run.
      // One of the two routed: a fault planted in both could cancel (two spatial transposes are none).
      const standIn = ["conv 1x1/1 SAME 8x8x6->10"];
      const plain = runChild(cleanEnv({ XDG_CACHE_HOME: path.join(dir, "plain-cache"), TF_ENABLE_ONEDNN_OPTS: "1", KDLAB_ONEDNN_ROUTE: "1" }), dir, "plain", ["--model=tiny", `--trajectory-out=${dir}`]);
      const routedRun = (fault?: RouteFault): string[] => {
        const env = cleanEnv({ XDG_CACHE_HOME: path.join(dir, "routed-cache"), KDLAB_ONEDNN_STAND_IN_CRASH: standIn.join(","), ...(fault ? { [ROUTE_FAULT_VARIABLE]: fault } : {}) });
        const routed = runChild(env, dir, fault ?? "right", ["--model=tiny", `--trajectory-in=${dir}`]);
        assert.match(routed.result.backend, /1×1 convolutions that crash here run as MatMul/);
        return violations(routed.result, plain.result);
      };
      assert.deepEqual(routedRun(), [], "the right route passes");
      const caught = (fault: RouteFault, expected: RegExp): void => {
        const found = routedRun(fault);
        assert.ok(found.some((v) => expected.test(v)), `${fault}: expected a violation matching ${expected}, got ${found.join("; ") || "none"}`);
      };
      caught("transpose", /^eagerLogits/);
      caught("transpose", /^compiledLogits/);
      caught("reshape", /^eagerLogits/);
      caught("bias", /^compiledLogits/);
      // The forward pass stays exact: only the gradients show it, on both paths, at the first lock-step.
      const scaled = routedRun("gradient-scale");
      assert.ok(!scaled.some((v) => /Logits/.test(v)), `gradient-scale: the forward pass is exact, yet ${scaled.join("; ")}`);
      for (const pathName of ["eager", "compiled"]) assert.ok(scaled.some((v) => v.startsWith(`${pathName} lock-step 1 update`)), `gradient-scale on ${pathName}: ${scaled.join("; ") || "no violation"}`);
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
