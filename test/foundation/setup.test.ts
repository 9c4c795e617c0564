import assert from "node:assert/strict";
import { spawnSync } from "node:child_process";
import * as path from "node:path";
import { describe, test } from "node:test";
import { cpuHasBf16Kernels } from "../../lib/runtime/cpu";
import { bf16Line } from "../../lib/commands/doctor-report";

const ROOT = path.resolve(__dirname, "..", "..");

function kdlab(args: string[]): { status: number | null; stdout: string; stderr: string } {
  const result = spawnSync(process.execPath, [path.join(ROOT, "bin", "kdlab.js"), ...args], { cwd: ROOT, encoding: "utf8", env: process.env });
  return { status: result.status, stdout: result.stdout, stderr: result.stderr };
}

describe("setup and CLI", () => {
  test("a second setup run is a no-op", () => {
    // The test command has just run setup, so everything is in place.
    const started = Date.now();
    const result = spawnSync(process.execPath, [path.join(ROOT, "scripts", "setup.js")], { cwd: ROOT, encoding: "utf8" });
    const seconds = (Date.now() - started) / 1000;
    assert.equal(result.status, 0, result.stderr);
    assert.match(result.stdout, /\[setup\] nothing to do/);
    assert.doesNotMatch(result.stdout, /npm (ci|install)|pip install|node-pre-gyp/);
    assert.ok(seconds < 30, `second setup took ${seconds} s`);
  });

  test("kdlab doctor --json reports backend, TensorFlow, node, tslab, jupyter, kernel and whether bf16 runs here", () => {
    const result = kdlab(["doctor", "--json"]);
    assert.equal(result.status, 0, result.stderr);
    const report = JSON.parse(result.stdout) as Record<string, unknown>;
    for (const key of ["backend", "tfVersion", "node", "tslab", "jupyter", "kernel"]) assert.ok(key in report, `missing ${key}`);
    assert.notEqual(report.backend, "js");
    // Why the backends tried first were not chosen (on a CPU machine: the GPU one).
    const skipped = report.skipped as string[];
    assert.ok(Array.isArray(skipped), "the report says why backends were not chosen");
    if (report.backend === "cpu") assert.ok(skipped.some((reason) => reason.startsWith("gpu: ")), JSON.stringify(skipped));
    assert.equal(report.node, process.version);
    const kernel = report.kernel as { displayName: string; argv: string[] };
    assert.equal(kernel.displayName, "TypeScript (kdlab)");
    assert.ok(kernel.argv.some((a) => a.startsWith(ROOT)), "the kernel points at the project's own tslab launcher");
    // Whether KDLAB_BF16=1 can run here: never on a CPU without the flags; with them, only a reason from kdlab's oneDNN setting stops it.
    const bf16 = report.bf16 as { available: boolean; reason?: string };
    if (!cpuHasBf16Kernels()) assert.deepEqual(bf16, { available: false, reason: "this CPU has neither avx512_bf16 nor amx_bf16, so oneDNN has no bf16 kernels here" });
    else assert.ok(bf16.available || /oneDNN is (off|capped)/.test(bf16.reason ?? ""), JSON.stringify(bf16));
    assert.equal(bf16Line({ available: false, reason: "oneDNN is off here" }), "bf16 mixed precision: unavailable, oneDNN is off here");
  });

  test("an unknown command exits 2 with the command list", () => {
    const result = kdlab(["frobnicate"]);
    assert.equal(result.status, 2);
    assert.match(result.stderr, /unknown command "frobnicate"/);
    assert.match(result.stderr, /reproduce/);
  });
});
