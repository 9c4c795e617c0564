/**
 * The peers' part of the bench with a stand-in peer (fixtures/stand-in-peer.js,
 * node, no TensorFlow): each configuration runs, a crash by signal is recorded
 * and the crashed configuration is rerun model by model, so the model that
 * runs keeps its row and the one that crashes is named; any other failure
 * still fails the bench.
 */
import assert from "node:assert/strict";
import * as path from "node:path";
import { describe, test } from "node:test";
import { PEER_ONEDNN_VARIABLES } from "../../bench/speed/peer-configs";
import { benchPeers, PeerBenchOptions } from "../../bench/speed/peer-runs";
import { benchMarkdown } from "../../bench/speed/report";
import { ParamCount } from "../../bench/common/network";
import { BenchPart, BenchResult, PeerFramework } from "../../bench/speed/schema";
import { benchSettings, settingsRecord } from "../../bench/speed/settings";
import { modelEntry } from "../../lib/models/registry";

const STAND_IN = path.join(__dirname, "fixtures", "stand-in-peer.js");
const settings = { ...benchSettings("quick", 1), models: benchSettings("quick", 1).models.filter((m) => modelEntry(m.model).task === "cifar10") };
const counts = new Map<string, ParamCount>(settings.models.map((m, i) => [m.model, { trainable: 1000 + i, total: 1100 + i }]));

/** A result with no rows yet, as runBench has it when the peers start. */
function emptyResult(): BenchResult {
  const header = { date: "2026-01-02", startedAt: "2026-01-02T10:00:00.000Z", totalSeconds: 0, command: "test", backend: "test backend", versions: {}, threads: {} };
  const rows = { params: [], flops: [], throughput: [], inference: [], matmul: [], notes: [] };
  return { ...header, ...rows, parts: ["train", "matmul"], machine: { cpu: "Test CPU", cores: 2, memoryGiB: 8, os: "Linux" }, settings: settingsRecord(settings) };
}

/** This process's environment with kdlab's oneDNN setting "oneDNN on" (TF_ENABLE_ONEDNN_OPTS=1, no ISA cap). */
function kdlabEnv(): NodeJS.ProcessEnv {
  const env = { ...process.env };
  for (const name of [...PEER_ONEDNN_VARIABLES.keras, ...PEER_ONEDNN_VARIABLES.torch, "KDLAB_ONEDNN_ROUTE"]) delete env[name];
  return { ...env, TF_ENABLE_ONEDNN_OPTS: "1", KDLAB_ONEDNN: "oneDNN on" };
}

function options(behaviour: Partial<Record<PeerFramework, string>>, parts: readonly BenchPart[] = ["train", "matmul"]): PeerBenchOptions {
  return {
    settings,
    parts,
    counts,
    peers: ["keras", "torch"],
    env: kdlabEnv(),
    kdlabOneDnn: "oneDNN on",
    peakModel: "cifar-student",
    log: () => undefined,
    command: (peer) => ({ command: process.execPath, args: [STAND_IN, peer, behaviour[peer] ?? "answer"] }),
  };
}

describe("bench peers: configurations and crashes", () => {
  test("a configuration that crashes on one model is rerun model by model: the other model keeps its row, the crash is named", async () => {
    const result = emptyResult();
    const peaks = await benchPeers(result, options({ keras: "crash:cifar-teacher" }));
    assert.deepEqual(
      result.throughput.map((r) => [r.framework, r.model]),
      [
        ["keras", "cifar-student"],
        ["keras", "cifar-teacher"],
        ["keras (kdlab's oneDNN)", "cifar-student"],
        ["torch", "cifar-student"],
        ["torch", "cifar-teacher"],
      ],
    );
    assert.equal(result.crashes?.length, 1);
    const [crash] = result.crashes ?? [];
    assert.equal(crash.framework, "keras (kdlab's oneDNN)");
    assert.equal(crash.model, "cifar-teacher");
    assert.equal(crash.signal, "SIGFPE");
    assert.match(crash.detail, /^cifar-teacher alone; last output: "keras: training cifar-teacher"$/);
    // The matmul ran alone after the crash, so every configuration has one.
    assert.deepEqual(result.matmul.map((m) => m.framework), ["keras", "keras (kdlab's oneDNN)", "torch"]);
    assert.deepEqual(Object.keys(result.threads), ["keras", "keras (kdlab's oneDNN)", "torch"]);
    // A one-model process's peak is not comparable with a whole run's.
    assert.deepEqual(peaks.map((p) => p.framework), ["keras", "torch"]);
    const note = result.notes.find((n) => n.startsWith("Each peer ran first at its own defaults")) ?? "";
    assert.match(note, /keras TF_ENABLE_ONEDNN_OPTS=unset, ONEDNN_MAX_CPU_ISA=unset, DNNL_MAX_CPU_ISA=unset; torch ONEDNN_MAX_CPU_ISA=unset, DNNL_MAX_CPU_ISA=unset/);
    assert.match(note, /kdlab's oneDNN setting \(oneDNN on\) sets one of its variables \(keras \(kdlab's oneDNN\): TF_ENABLE_ONEDNN_OPTS=1, ONEDNN_MAX_CPU_ISA=unset, DNNL_MAX_CPU_ISA=unset\)/);
    const markdown = benchMarkdown(result);
    assert.match(markdown, /\| CIFAR teacher \(32×32, batch 64\) \| [\d.]+ \| crashed \(SIGFPE\) \| [\d.]+ \|/);
    assert.match(markdown, /## Crashes\n\n.*\n\n- keras \(kdlab's oneDNN\), CIFAR teacher \(32×32, batch 64\): SIGFPE \(cifar-teacher alone; last output: "keras: training cifar-teacher"\)\./);
  });

  test("where kdlab routes, each peer's second configuration is the AVX cap and the note says why", async () => {
    const result = emptyResult();
    const routed = "oneDNN on, 1×1 convolutions that crash here run as MatMul";
    await benchPeers(result, { ...options({}), env: { ...kdlabEnv(), KDLAB_ONEDNN_ROUTE: "1", KDLAB_ONEDNN: routed }, kdlabOneDnn: routed });
    assert.deepEqual(Object.keys(result.threads), ["keras", "keras (oneDNN capped at AVX)", "torch", "torch (oneDNN capped at AVX)"]);
    const note = result.notes.find((n) => n.startsWith("Each peer ran first at its own defaults")) ?? "";
    assert.match(note, /then again at the AVX cap, because kdlab's setting \(oneDNN on, 1×1 convolutions that crash here run as MatMul\) routes the convolutions that crash here, which a peer cannot \(keras \(oneDNN capped at AVX\): TF_ENABLE_ONEDNN_OPTS=1, ONEDNN_MAX_CPU_ISA=AVX, DNNL_MAX_CPU_ISA=unset; torch \(oneDNN capped at AVX\): ONEDNN_MAX_CPU_ISA=AVX, DNNL_MAX_CPU_ISA=unset\)/);
  });

  test("a whole run that crashes while each model alone runs is recorded without a model", async () => {
    const result = emptyResult();
    await benchPeers(result, { ...options({ torch: "crash-whole" }), peers: ["torch"] });
    assert.deepEqual(result.throughput.map((r) => [r.framework, r.model]), [["torch", "cifar-student"], ["torch", "cifar-teacher"]]);
    assert.equal(result.crashes?.length, 1);
    assert.equal(result.crashes?.[0].model, undefined);
    assert.match(result.crashes?.[0].detail ?? "", /^the whole run; each part then ran alone without crashing/);
  });

  test("a peer that fails without a crash signal still fails the bench", async () => {
    await assert.rejects(benchPeers(emptyResult(), options({ keras: "fail:cifar-teacher" })), /keras peer .*failed with exit 1:[\s\S]*ValueError: no such layer/);
  });
});
