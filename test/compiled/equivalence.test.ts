/**
 * The compiled train step against the eager step (cases.ts) under every
 * oneDNN setting kdlab can choose (lib/runtime/onednn.ts ONEDNN_SETTINGS). Each
 * setting is forced in a child process (equivalence-child.ts), because
 * TensorFlow reads it when it loads, and oneDNN's own log in the child shows
 * that it took effect.
 *
 * Why the bounds survive oneDNN's kernel choices and still catch bugs
 * (measured: 10 batch seeds per small case and setting, one for the 32 px
 * nets):
 * - ReLU, ReLU6 and max pooling have kinks where their gradients jump. When
 *   eager tfjs and the graph run different oneDNN kernels, a rounding-sized
 *   difference now and then puts an activation on the other side of one, and
 *   that step's update moves by 1e-3 to 2e-2 (MobileNetV2 block: 2 seeds of
 *   10 crossed the old per-step bound of 1e-3). In a free run the two
 *   trajectories then fork (up to 4e-3 of what the run learned).
 * - Lockstep cases (each step from the same state) take the kinked nets.
 *   Forward values (loss, moving statistics) agree to ~1e-6 under any
 *   kernels: every step within 1e-3. A real bug (a wrong gradient, learning
 *   rate, decay or slot) moves every step, so the median step's update is
 *   held to 1e-4 over all weights (measured ≤ 8e-6) and to 1e-3 in its worst
 *   tensor (≤ 8e-5: a bias the pooled norm hides), and each step to 0.1 (a
 *   wrong learning rate or sign moves it by ≥ 0.5) — or to 1e-3 under
 *   TensorFlow's reference kernels, where both paths run the same
 *   convolutions and no step went past 3e-5.
 * - Twin cases (free runs: the step's own state across steps — optimizer
 *   slots, Nesterov, a schedule) take kink-free nets (tanh, average pooling),
 *   which stay a rounding apart: losses within 1e-4 (≤ 4e-7), what the run
 *   learned (final − initial weights) within 1e-4 (≤ 3e-6), per tensor 1e-3.
 */
import { describe, test, TestContext } from "node:test";
import assert from "node:assert/strict";
import * as fs from "node:fs";
import * as os from "node:os";
import * as path from "node:path";
import { spawnSync } from "node:child_process";
import { ONEDNN_SETTINGS, OneDnnSetting } from "../../lib/runtime/onednn";
import { useNativeBackend } from "../helpers/native";
import { CaseName, EQUIVALENCE_CASES } from "./cases";
import { LockstepResult, TwinRunResult } from "./equivalence";
import type { CaseLine } from "./equivalence-child";

const LOCKSTEP_FORWARD = 1e-3;
const UPDATE_MEDIAN = 1e-4;
const TENSOR_MEDIAN = 1e-3;
const UPDATE_EVERY_STEP_REFERENCE = 1e-3;
const UPDATE_EVERY_STEP_ONEDNN = 0.1;
const TWIN_LOSS = 1e-4;
const TWIN_DISPLACEMENT = 1e-4;
const TWIN_TENSOR = 1e-3;

/** oneDNN's name for the ISA a cap allows (its log's `isa:` field), for the caps whose name is unambiguous. */
const CAPPED_ISA: Record<string, string> = { AVX: "Intel AVX", AVX2: "Intel AVX2" };

const CHILD = path.join(__dirname, "equivalence-child.ts");

/** Signals of a crash inside TensorFlow (not a timeout's SIGTERM). */
const CRASH_SIGNALS = new Set(["SIGFPE", "SIGSEGV", "SIGILL", "SIGBUS", "SIGABRT"]);

interface ChildRun {
  status: number | null;
  signal: string | null;
  /** spawnSync's own failure (timeout, output over maxBuffer). */
  error?: string;
  stderr: string;
  backend?: string;
  /** The `isa:` field of oneDNN's log; undefined when oneDNN never initialised. */
  isa?: string;
  primitivesCreated: boolean;
  /** The MobileNetV2 block's 1×1 convolution (a stand-in crash of the routing child): created as a convolution, as a MatMul. */
  pointwiseAsConvolution: boolean;
  pointwiseAsMatMul: boolean;
  cases: Map<string, CaseLine>;
}

function settingName(setting: OneDnnSetting): string {
  return Object.entries(setting.env).map(([k, v]) => `${k}=${v}`).join(" ");
}

/**
 * The 1×1 convolution the routing setting's child treats as crashing (a
 * stand-in SIGFPE in its probe, lib/runtime/conv-probe-child.ts): the MobileNetV2 block's,
 * the only 1×1 among the cases that run under oneDNN, so that both steps run
 * it as MatMul there.
 */
const ROUTED_STAND_IN = "conv 1x1/1 SAME 8x8x8->8";

/** Exactly the setting's variables (the user's own oneDNN variables would override it), oneDNN's creation log on, and a label so the child skips kdlab's probe. */
function childEnv(setting: OneDnnSetting, dir: string): NodeJS.ProcessEnv {
  const env = { ...process.env };
  for (const name of ["TF_ENABLE_ONEDNN_OPTS", "ONEDNN_MAX_CPU_ISA", "DNNL_MAX_CPU_ISA", "ONEDNN_VERBOSE", "DNNL_VERBOSE", "KDLAB_ONEDNN", "KDLAB_ONEDNN_ROUTE", "KDLAB_ONEDNN_STAND_IN_CRASH"]) delete env[name];
  // The routing child's per-shape verdicts (stand-ins included) go to its own cache, never this machine's.
  const routing = setting.env.KDLAB_ONEDNN_ROUTE === "1" ? { KDLAB_ONEDNN_STAND_IN_CRASH: ROUTED_STAND_IN, XDG_CACHE_HOME: path.join(dir, "cache") } : {};
  return { ...env, ...setting.env, ...routing, ONEDNN_VERBOSE: "profile_create", KDLAB_ONEDNN: `${settingName(setting)} (forced by test)` };
}

function runChild(setting: OneDnnSetting, cases: CaseName[]): ChildRun {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), "kdlab-equivalence-"));
  const results = path.join(dir, "results.jsonl");
  try {
    // Results go to a file: oneDNN's log shares stdout and its C buffer can split a line.
    const child = spawnSync(process.execPath, ["--import", "tsx", CHILD, `--results=${results}`, ...cases], {
      env: childEnv(setting, dir),
      encoding: "utf8",
      timeout: 1_200_000,
      maxBuffer: 256 * 2 ** 20,
    });
    const lines = fs.existsSync(results) ? fs.readFileSync(results, "utf8").split("\n").filter((l) => l.trim() !== "") : [];
    const parsed = lines.map((l) => JSON.parse(l) as CaseLine | { backend: string });
    const stdout = child.stdout ?? "";
    return {
      status: child.status,
      signal: child.signal,
      error: child.error?.message,
      stderr: child.stderr ?? "",
      backend: parsed.flatMap((p) => ("backend" in p ? [p.backend] : []))[0],
      isa: /^onednn_verbose,(?:v\d+,)?info,cpu,isa:(.+)$/m.exec(stdout)?.[1]?.trim(),
      primitivesCreated: /^onednn_verbose,.*primitive,create/m.test(stdout),
      pointwiseAsConvolution: /^onednn_verbose,.*primitive,create.*,convolution,.*ic8oc8_ih8oh8kh1sh1/m.test(stdout),
      pointwiseAsMatMul: /^onednn_verbose,.*primitive,create.*,matmul,.*x8:8x8,/m.test(stdout),
      cases: new Map(parsed.flatMap((p) => ("case" in p ? [[p.case, p] as const] : []))),
    };
  } finally {
    fs.rmSync(dir, { recursive: true, force: true });
  }
}

/**
 * A setting kdlab's probe rejected on this machine (it comes before the one
 * kdlab chose) may crash TensorFlow itself (SIGFPE in oneDNN's convolution
 * set-up on VMs that hide their caches): that is no verdict on the compiled step.
 */
async function rejectedHere(setting: OneDnnSetting): Promise<boolean> {
  const chosen = (await useNativeBackend()).oneDnn;
  return ONEDNN_SETTINGS.findIndex((s) => s.label === chosen) > ONEDNN_SETTINGS.indexOf(setting);
}

function format(values: number[]): string {
  return values.map((v) => v.toExponential(1)).join(" ");
}

function median(values: number[]): number {
  const sorted = [...values].sort((a, b) => a - b);
  const mid = sorted.length >> 1;
  return sorted.length % 2 ? sorted[mid] : (sorted[mid - 1] + sorted[mid]) / 2;
}

function assertEveryStep(values: number[], limit: number, what: string, worstTensors?: string[]): void {
  const worst = Math.max(...values);
  const step = values.indexOf(worst);
  const where = worstTensors ? ` at step ${step} (worst tensor ${worstTensors[step]})` : ` at step ${step}`;
  assert.ok(worst <= limit, `${what}: ${worst.toExponential(2)} > ${limit}${where} (per step: ${format(values)})`);
}

function assertMedian(values: number[], limit: number, what: string): void {
  const m = median(values);
  assert.ok(m <= limit, `${what}: median step ${m.toExponential(2)} > ${limit} (per step: ${format(values)})`);
}

function checkTwin(result: TwinRunResult): void {
  assertEveryStep(result.lossRelativeDiffs, TWIN_LOSS, "loss");
  const learned = "what the run learned (final − initial weights)";
  assert.ok(result.displacementRelativeDiff <= TWIN_DISPLACEMENT, `${learned} differs by ${result.displacementRelativeDiff.toExponential(2)} > ${TWIN_DISPLACEMENT}`);
  assert.ok(result.worstWeightRelativeDiff <= TWIN_TENSOR, `${learned} differs in ${result.worstWeight} by ${result.worstWeightRelativeDiff.toExponential(2)} > ${TWIN_TENSOR}`);
  const last = result.eagerLosses.length - 1;
  assert.ok(result.eagerLosses[last] < result.eagerLosses[0], "the run learns something (the comparison is not between two frozen models)");
  // An argmax near-tie may round either way once; a wrong count differs at most steps.
  const miscounted = result.eagerCorrect.reduce((total, n, i) => total + Math.abs(n - result.compiledCorrect[i]), 0);
  assert.ok(miscounted <= 1, `correct counts differ by ${miscounted} samples: eager ${result.eagerCorrect.join(" ")}, compiled ${result.compiledCorrect.join(" ")}`);
}

function checkLockstep(result: LockstepResult, referenceKernels: boolean): void {
  assertEveryStep(result.lossRelativeDiffs, LOCKSTEP_FORWARD, "loss");
  assertEveryStep(result.stateRelativeDiffs, LOCKSTEP_FORWARD, "BatchNorm moving statistics");
  assertMedian(result.updateRelativeDiffs, UPDATE_MEDIAN, "update");
  assertMedian(result.tensorRelativeDiffs, TENSOR_MEDIAN, "update of the worst tensor");
  assertEveryStep(result.updateRelativeDiffs, referenceKernels ? UPDATE_EVERY_STEP_REFERENCE : UPDATE_EVERY_STEP_ONEDNN, "update", result.worstWeights);
}

for (const setting of ONEDNN_SETTINGS) {
  const name = settingName(setting);
  const referenceKernels = setting.env.TF_ENABLE_ONEDNN_OPTS === "0";
  const cases = (Object.keys(EQUIVALENCE_CASES) as CaseName[]).filter((c) => referenceKernels || !EQUIVALENCE_CASES[c].referenceKernelsOnly);

  describe(`compiled step against eager step, ${name}`, () => {
    let run: ChildRun | undefined;
    /** Runs the child once for the setting's tests; undefined (the test skipped) where TensorFlow crashed under a setting kdlab rejects here. */
    async function childRan(t: TestContext): Promise<ChildRun | undefined> {
      run ??= runChild(setting, cases);
      if (run.signal && CRASH_SIGNALS.has(run.signal) && (await rejectedHere(setting))) {
        t.skip(`TensorFlow died (${run.signal}) under a oneDNN setting kdlab's probe rejects on this machine`);
        return undefined;
      }
      assert.equal(run.status, 0, `child ${run.signal ? `died (${run.signal})` : `exited ${run.status}`}${run.error ? ` (${run.error})` : ""}: ${run.stderr.slice(-2000)}`);
      return run;
    }

    test(`the child ran with ${name}`, async (t) => {
      const ran = await childRan(t);
      if (!ran) return;
      assert.match(ran.backend ?? "", /forced by test/);
      if (referenceKernels) {
        assert.ok(!ran.primitivesCreated, "oneDNN created primitives: the reference kernels did not run");
        return;
      }
      assert.ok(ran.isa && ran.primitivesCreated, "oneDNN never initialised or created no primitive: its kernels did not run");
      if (setting.env.KDLAB_ONEDNN_ROUTE === "1") {
        assert.ok(!ran.pointwiseAsConvolution && ran.pointwiseAsMatMul, `the block's 1×1 convolution (a stand-in crash here) was ${ran.pointwiseAsConvolution ? "created as a convolution" : "never created as a MatMul"}`);
      } else {
        assert.ok(ran.pointwiseAsConvolution, "the block's 1×1 convolution was not created as a convolution: the routing check cannot see it");
      }
      const cap = setting.env.ONEDNN_MAX_CPU_ISA;
      if (cap && CAPPED_ISA[cap]) assert.equal(ran.isa, CAPPED_ISA[cap], `ONEDNN_MAX_CPU_ISA=${cap} did not reach oneDNN`);
      t.diagnostic(`oneDNN ISA: ${ran.isa}`);
    });

    for (const c of cases) {
      test(EQUIVALENCE_CASES[c].label, async (t) => {
        const ran = await childRan(t);
        if (!ran) return;
        const line = ran.cases.get(c);
        assert.ok(line, `the child printed no result for ${c}`);
        if ("error" in line) assert.fail(`${c} threw in the child: ${line.error}`);
        t.diagnostic(`${line.seconds.toFixed(1)} s`);
        if (line.kind === "twin") checkTwin(line.result);
        else checkLockstep(line.result, referenceKernels);
      });
    }
  });
}
