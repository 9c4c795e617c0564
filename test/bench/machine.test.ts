/** How a bench names its machine (ISA from /proc/cpuinfo, caches) and reads the load average. */
import assert from "node:assert/strict";
import { test } from "node:test";
import { describeCpu, loadNote, machineInfo } from "../../bench/common/machine";
import { speedDriftNote } from "../../bench/speed/drift";
import { matmulRow } from "../../bench/speed/rows";
import { vectorIsa } from "../../lib/runtime/cpu";

const cpuinfo = (flags: string): string => `processor\t: 0\nvendor_id\t: AuthenticAMD\nmodel name\t: AMD EPYC\nflags\t\t: ${flags}\nbugs\t\t: sysret_ss_attrs\n`;

test("vectorIsa names the widest extension and the extras oneDNN has kernels for, from the flags line", () => {
  assert.equal(vectorIsa(cpuinfo("fpu sse sse2 avx fma avx2 avx512f avx512dq avx512_vnni avx512_bf16")), "AVX-512 (avx512_vnni, avx512_bf16)");
  assert.equal(vectorIsa(cpuinfo("fpu sse sse2 avx fma avx2")), "AVX2");
  assert.equal(vectorIsa(cpuinfo("fpu sse sse2 avx")), "AVX");
  assert.equal(vectorIsa(cpuinfo("fpu sse sse2")), "SSE");
  // avx512_vnni alone does not make a CPU AVX-512 (AVX-VNNI parts have avx_vnni, and flags are matched whole).
  assert.equal(vectorIsa(cpuinfo("avx2 avx_vnni")), "AVX2");
  assert.equal(vectorIsa("processor : 0\n"), "unknown");
  assert.equal(vectorIsa(null), "unknown");
});

test("this machine's info names its ISA and whether its caches are visible, and the report header says both", () => {
  const machine = machineInfo();
  assert.match(machine.isa ?? "", /^(AVX-512|AVX2|AVX|SSE|unknown)/);
  assert.equal(typeof machine.cpuCachesVisible, "boolean");
  assert.equal(describeCpu({ cpu: "AMD EPYC", cores: 2, memoryGiB: 24, os: "Linux", isa: "AVX-512 (avx512_bf16)", cpuCachesVisible: false }), "AMD EPYC, AVX-512 (avx512_bf16), caches hidden");
  assert.equal(describeCpu({ cpu: "AMD EPYC", cores: 2, memoryGiB: 24, os: "Linux" }), "AMD EPYC", "results written before these fields existed");
});

test("the load note judges by the start figure only (the end counts the run's own threads)", () => {
  assert.match(loadNote(0.2, 1.9, 2), /quiet when the run began/);
  assert.match(loadNote(1.4, 0.3, 2), /other work was running when the run began/);
  assert.match(loadNote(0.2, 1.9, 2), /^Load average \(1 min\) 0\.2 at the start, 1\.9 at the end, on 2 cores/);
});

test("a framework whose matmul runs before and after its models differ by more than 25 % gets named: the machine's speed moved under it", () => {
  const n = 1000;
  const at = (gflops: number): number => (2 * n ** 3) / (gflops * 1e9);
  const steady = matmulRow("keras", n, [at(200), at(190), at(195), at(180)]);
  const moved = matmulRow("kdlab-compiled", n, [at(194), at(190), at(106), at(110)]);
  assert.equal(Math.round(moved.slowestGflops ?? 0), 106);
  assert.equal(speedDriftNote([steady]), undefined, "200 vs 180 is within the limit");
  assert.equal(
    speedDriftNote([steady, moved]),
    "The machine's speed moved during this run: the 1000² matmul, timed before and after each framework's models, ranged kdlab-compiled 106–194 GFLOP/s (more than 25 % apart); rows timed in those windows may be slow by as much, so read them beside a rerun.",
  );
  const { slowestGflops: _absent, ...older } = moved;
  assert.equal(speedDriftNote([older]), undefined, "results written before the field existed say nothing");
});
