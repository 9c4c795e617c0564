/**
 * A tiny bench run end to end: the CIFAR student for 2 timed steps on kdlab,
 * Keras and PyTorch (each peer at its own defaults, and again at kdlab's
 * oneDNN setting where that differs; kdlab-compiled and each peer in bf16
 * too where oneDNN has bf16 kernels), inference and a small matmul on each
 * (each kdlab variant on its own path, eager op or graph session),
 * a one-round distillation comparison, the data pipeline and the memory child
 * on a few generated images. Checks the result has the schema's shape and that the
 * files it writes parse; no speed is asserted (speed belongs in bench/).
 */
import assert from "node:assert/strict";
import * as fs from "node:fs";
import * as os from "node:os";
import * as path from "node:path";
import { after, before, describe, test } from "node:test";
import { writeBenchResult } from "../../bench/speed/files";
import { peerConfigs, peerOf } from "../../bench/speed/peer-configs";
import { runBench } from "../../bench/speed/run";
import { isBf16Framework, isKdlabFramework } from "../../bench/common/framework";
import { BENCH_PARTS, BenchResult, PEER_FRAMEWORKS } from "../../bench/speed/schema";
import { BenchSettings, benchSettings } from "../../bench/speed/settings";
import { bf16Unavailable } from "../../lib/runtime/precision";
import { benchVariants } from "../../bench/common/variants";
import { useNativeBackend } from "../helpers/native";

function tinySettings(threads: number): BenchSettings {
  const base = benchSettings("quick", threads);
  const student = base.models.find((m) => m.model === "cifar-student")!;
  return {
    ...base,
    models: [{ ...student, train: { warmup: 1, timed: 2 }, inference: { warmup: 1, timed: 2 } }],
    inference: { ...base.inference, peers: true },
    distill: { images: 64, batch: 32, rounds: 1 },
    pipeline: { images: 24, sourceSize: 64, size: 32, batch: 8, prefetch: 2 },
    memory: { images: 24, trainSteps: 1, batch: 8, size: 32 },
    matmul: { n: 128, warmup: 1, timed: 2 },
  };
}

const positive = (value: unknown, where: string): void => assert.ok(typeof value === "number" && Number.isFinite(value) && value > 0, `${where}: ${String(value)}`);

/** kdlab's variants on this machine: float32, and bf16 where oneDNN has bf16 kernels once the backend is up. */
function variantFrameworks(): string[] {
  return benchVariants(true).map((v) => v.framework);
}

/** The peers' configurations on this machine, in the order they run (kdlab's oneDNN setting is in process.env once the backend is up). */
function peerFrameworks(): string[] {
  const bf16 = benchVariants(true).some((v) => v.precision !== "float32");
  return PEER_FRAMEWORKS.flatMap((peer) => peerConfigs(peer, process.env, { bf16 }).map((c) => c.framework));
}

/** The shape bench/results/<date>.json promises (schema.ts), checked on parsed JSON. */
function checkResultShape(json: BenchResult, threads: number): void {
  const peers = peerFrameworks();
  assert.ok(Array.isArray(json.throughput) && json.throughput.length > 0, "throughput rows");
  for (const row of json.throughput) {
    assert.equal(typeof row.model, "string");
    assert.ok(isKdlabFramework(row.framework) || peerOf(row.framework) !== undefined, row.framework);
    positive(row.imagesPerSec, `${row.framework} imagesPerSec`);
    positive(row.achievedGflops, `${row.framework} achievedGflops`);
    positive(row.shareOfPeak, `${row.framework} shareOfPeak`);
  }
  assert.equal(typeof json.machine.cpu, "string");
  positive(json.machine.cores, "cores");
  for (const key of ["node", "tfjs", "tensorflow (tfjs-node)", "keras", "tensorflow (python)", "torch", "torchvision"]) assert.equal(typeof json.versions[key], "string", `version of ${key}`);
  for (const framework of [...variantFrameworks(), ...peers]) assert.deepEqual(json.threads[framework], { intraOp: threads, interOp: threads }, `${framework} threads`);
  assert.equal(json.inference.length, variantFrameworks().length + peers.length);
  for (const row of json.inference) {
    positive(row.latencyMs, `${row.framework} latency`);
    positive(row.imagesPerSec, `${row.framework} inference rate`);
  }
  assert.deepEqual(json.matmul.map((m) => m.framework).sort(), [...variantFrameworks(), ...peers].sort(), "a matmul per kdlab variant, on its own path, and per peer configuration");
  for (const m of json.matmul) positive(m.bestGflops, `${m.framework} matmul`);
  positive(json.distillation?.cachedRatio, "distillation cachedRatio");
  positive(json.pipeline?.imagesPerSec, "pipeline rate");
  assert.equal(json.pipeline?.images, 24);
  positive(json.memory?.peakRssMiB, "peak RSS");
  assert.equal(json.memory?.imagesStreamed, 24);
  assert.equal(json.memory?.trainSteps, 1);
}

describe("kdlab bench, tiny run", () => {
  let dataDir: string;
  let outDir: string;
  const savedDataDir = process.env.KDLAB_BENCH_DATA;

  before(async () => {
    await useNativeBackend();
    dataDir = fs.mkdtempSync(path.join(os.tmpdir(), "kdlab-bench-test-data-"));
    outDir = fs.mkdtempSync(path.join(os.tmpdir(), "kdlab-bench-test-out-"));
    process.env.KDLAB_BENCH_DATA = dataDir;
  });

  after(() => {
    if (savedDataDir === undefined) delete process.env.KDLAB_BENCH_DATA;
    else process.env.KDLAB_BENCH_DATA = savedDataDir;
    fs.rmSync(dataDir, { recursive: true, force: true });
    fs.rmSync(outDir, { recursive: true, force: true });
  });

  test("every part on kdlab, Keras and PyTorch produces a result of the schema's shape, written as JSON and Markdown", async () => {
    const { threads } = await useNativeBackend();
    const settings = tinySettings(threads);
    const result = await runBench({ settings, parts: BENCH_PARTS, command: "test", log: () => undefined });
    assert.deepEqual(result.crashes, undefined, "no peer crashed on the CIFAR student");
    assert.match(result.notes.join("\n"), /own defaults \(keras TF_ENABLE_ONEDNN_OPTS=unset, ONEDNN_MAX_CPU_ISA=unset,/, "Keras reported its oneDNN variables removed");
    // bf16 rows where oneDNN has bf16 kernels here (three: kdlab-compiled, keras, torch), else a note that says why not.
    const bf16Rows = result.throughput.filter((r) => isBf16Framework(r.framework)).map((r) => r.framework);
    const reason = bf16Unavailable();
    if (reason) {
      assert.deepEqual(bf16Rows, []);
      assert.ok(result.notes.includes(`No bf16 rows: ${reason}.`), result.notes.join("\n"));
    } else {
      assert.deepEqual(bf16Rows, ["kdlab-compiled (bf16)", "keras (bf16)", "torch (bf16)"]);
      assert.match(result.notes.join("\n"), /keras \(bf16\) bf16 \(Grappler's auto_mixed_precision_onednn_bfloat16\); torch \(bf16\) bf16 \(torch\.autocast cpu\)/);
    }
    const timed = result.throughput.map((r) => [r.framework, r.model, r.stepSeconds.length, r.warmupSeconds.length]);
    assert.deepEqual(timed, [...variantFrameworks(), ...peerFrameworks()].map((framework) => [framework, "cifar-student", 2, 1]));
    const files = writeBenchResult(result, outDir);
    assert.equal(path.basename(files.json), `${result.date}-quick.json`);
    const json = JSON.parse(fs.readFileSync(files.json, "utf8")) as BenchResult;
    checkResultShape(json, threads);
    const markdown = fs.readFileSync(files.markdown, "utf8");
    const cell = String.raw`[\d.]+`;
    // The fastest of this machine's peer configurations, by its exact name.
    const escaped = peerFrameworks().map((f) => f.replace(/[()]/g, "\\$&"));
    const ratio = String.raw`[\d.]+× \((${escaped.join("|")})\)`;
    const frameworks = variantFrameworks().length + peerFrameworks().length;
    assert.match(markdown, new RegExp(String.raw`\| CIFAR student \(32×32, batch 64\) \| ${Array(frameworks).fill(cell).join(" \\| ")} \| ${Array(variantFrameworks().length).fill(ratio).join(" \\| ")} \|`));
    assert.match(markdown, /\*\*Peak RSS\*\*/);
  });
});
