/** The Markdown tables and ratios of a bench result, on hand-made results: two kdlab variants and two peers, then Keras in two configurations, one of which crashed; and the result file names. */
import assert from "node:assert/strict";
import * as fs from "node:fs";
import * as os from "node:os";
import * as path from "node:path";
import { describe, test } from "node:test";
import { freeBaseName } from "../../bench/common/files";
import { resultBaseName, writeBenchResult } from "../../bench/speed/files";
import { benchMarkdown, formatRate, frameworkOrder, ratioToBestPeer, throughputTable } from "../../bench/speed/report";
import { BenchResult, InferenceRow, ThroughputRow } from "../../bench/speed/schema";

function row(model: string, framework: string, imagesPerSec: number, extra: Partial<ThroughputRow> = {}): ThroughputRow {
  return { model, framework, imagesPerSec, batch: 16, inputSize: 224, warmupSeconds: [1], stepSeconds: [16 / imagesPerSec], ...extra };
}

function handMade(): BenchResult {
  return {
    date: "2026-01-02",
    startedAt: "2026-01-02T10:00:00.000Z",
    totalSeconds: 600,
    command: "kdlab bench",
    parts: ["train", "inference", "distill", "pipeline", "memory", "matmul"],
    machine: { cpu: "Test CPU", cores: 2, memoryGiB: 24, os: "Linux" },
    versions: { node: "v20", keras: "3" },
    backend: "kdlab backend tensorflow",
    threads: { kdlab: { intraOp: 2, interOp: 2 }, keras: { intraOp: 2, interOp: 2 }, torch: { intraOp: 2, interOp: 2 } },
    settings: {
      mode: "full",
      threads: { intraOp: 2, interOp: 2 },
      optimizer: "SGD",
      seed: 1,
      models: [
        { model: "m1", label: "Model one", inputSize: 224, batch: 16, warmupSteps: 1, timedSteps: 3 },
        { model: "m2", label: "Model two", inputSize: 32, batch: 64, warmupSteps: 1, timedSteps: 3 },
      ],
    },
    params: [],
    flops: [{ model: "m1", inputSize: 224, forwardGflops: 2, trainGflops: 6 }],
    // Listed out of order on purpose: the table orders models by settings, frameworks kdlab first.
    throughput: [
      row("m2", "torch", 400),
      row("m1", "keras", 10, { achievedGflops: 60, shareOfPeak: 0.5 }),
      row("m1", "torch", 8),
      row("m1", "kdlab", 5, { achievedGflops: 30, shareOfPeak: 0.3 }),
      row("m1", "kdlab-compiled", 12),
      row("m2", "kdlab", 100),
      row("m2", "keras", 300),
    ],
    inference: [{ model: "m1", framework: "kdlab", inputSize: 224, latencyBatch: 1, latencyMs: 12.34, throughputBatch: 32, imagesPerSec: 55.5 }],
    matmul: [{ framework: "kdlab", n: 2048, bestGflops: 100, medianGflops: 90 }, { framework: "keras", n: 2048, bestGflops: 120, medianGflops: 110 }],
    distillation: { model: "cifar", images: 1024, batch: 64, rounds: 3, studentAloneSeconds: 2, liveTeacherSeconds: 5, cachedLogitsSeconds: 2.1, cacheFillSeconds: 1, liveRatio: 2.5, cachedRatio: 1.05 },
    pipeline: { images: 2048, sourceSize: 512, size: 224, batch: 32, prefetch: 4, what: "decode", imagesPerSec: 150, trainingModel: "m1", trainingImagesPerSec: 5, headroom: 30, inputBound: false },
    memory: { model: "m1", framework: "kdlab", imagesStreamed: 5216, size: 224, batch: 16, trainSteps: 8, what: "streamed", peakRssMiB: 3072, rssAfterSetupMiB: 500, rssEndMiB: 2000, rssAfterStepsMiB: [1000, 2000], trainSeconds: 40, seconds: 80 },
    notes: ["a note"],
  };
}

describe("bench report", () => {
  test("each kdlab variant is compared with the fastest peer on each model", () => {
    const rows = handMade().throughput;
    assert.deepEqual(ratioToBestPeer(rows, "m1", "kdlab"), { ratio: 0.5, peer: "keras", peerImagesPerSec: 10 });
    assert.deepEqual(ratioToBestPeer(rows, "m1", "kdlab-compiled"), { ratio: 1.2, peer: "keras", peerImagesPerSec: 10 });
    assert.deepEqual(ratioToBestPeer(rows, "m2", "kdlab"), { ratio: 0.25, peer: "torch", peerImagesPerSec: 400 });
    assert.equal(ratioToBestPeer(rows, "m2", "kdlab-compiled"), undefined, "no kdlab-compiled row for m2");
    assert.equal(ratioToBestPeer(rows.filter((r) => r.framework.startsWith("kdlab")), "m1", "kdlab"), undefined, "no peer to compare with");
  });

  test("frameworks: kdlab variants first, then keras, then torch", () => {
    assert.deepEqual(frameworkOrder(handMade().throughput), ["kdlab", "kdlab-compiled", "keras", "torch"]);
  });

  test("the throughput table has one ratio column per kdlab variant and a dash where a number is missing", () => {
    const lines = throughputTable(handMade()).split("\n");
    assert.equal(lines[0], "| model | kdlab img/s | kdlab-compiled img/s | keras img/s | torch img/s | kdlab / best peer | kdlab-compiled / best peer |");
    assert.equal(lines[2], "| Model one (224×224, batch 16) | 5.00 | 12.0 | 10.0 | 8.00 | 0.50× (keras) | 1.20× (keras) |");
    assert.equal(lines[3], "| Model two (32×32, batch 64) | 100 | – | 300 | 400 | 0.25× (torch) | – |");
  });

  test("the whole report carries machine, FLOP shares, inference, distillation, pipeline, memory and notes", () => {
    const markdown = benchMarkdown(handMade());
    assert.match(markdown, /^# kdlab bench 2026-01-02 \(full\)/);
    assert.match(markdown, /Test CPU, 2 cores, 24 GiB; 600 s in all/);
    assert.match(markdown, /\| Model one \(224×224, batch 16\) \| 6\.00 \(fwd 2\.00\) \| 30\.0 \(30 %\) \| – \| 60\.0 \(50 %\) \| – \|/);
    assert.match(markdown, /kdlab 100 GFLOP\/s, keras 120 GFLOP\/s/);
    assert.match(markdown, /\| Model one \(224×224\) \| 12\.3 \| 55\.5 \|/);
    assert.match(markdown, /cached logits 2\.10 s \(1\.05×/);
    assert.match(markdown, /150 img\/s .*30\.0× the kdlab DenseNet121 training rate \(5\.00 img\/s\): training is not input-bound/);
    assert.match(markdown, /\*\*Peak RSS\*\* 3\.00 GiB \(3072 MiB; after model setup 500 MiB, after each step 1000, 2000 MiB\)/);
    assert.match(markdown, /- a note/);
  });

  test("numbers keep three significant digits", () => {
    assert.deepEqual([1234.5, 99.94, 5.005, 0.0489].map(formatRate), ["1235", "99.9", "5.00", "0.049"]);
  });

  test("a full run names the day's file; quick runs and subsets get a suffix", () => {
    const full = handMade();
    assert.equal(resultBaseName(full), "2026-01-02");
    assert.equal(resultBaseName({ ...full, settings: { ...full.settings, mode: "quick" } }), "2026-01-02-quick");
    assert.equal(resultBaseName({ ...full, parts: ["train", "matmul"] }), "2026-01-02-only-train-matmul");
  });

  test("no result file is ever replaced: a taken name (another machine kind, or a rerun on this one) moves the new result to -2, -3", () => {
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), "kdlab-bench-names-"));
    try {
      assert.equal(freeBaseName(dir, "2026-01-02"), "2026-01-02", "nothing there yet");
      const first = writeBenchResult(handMade(), dir);
      assert.equal(path.basename(first.json), "2026-01-02.json");
      const rerun = writeBenchResult({ ...handMade(), totalSeconds: 700 }, dir);
      assert.equal(path.basename(rerun.json), "2026-01-02-2.json", "a rerun on the same machine keeps the earlier result");
      assert.equal((JSON.parse(fs.readFileSync(first.json, "utf8")) as BenchResult).totalSeconds, 600, "the earlier result is untouched");
      fs.writeFileSync(path.join(dir, "2026-01-02-3.md"), "a Markdown file alone still takes the name");
      assert.equal(freeBaseName(dir, "2026-01-02"), "2026-01-02-4");
    } finally {
      fs.rmSync(dir, { recursive: true, force: true });
    }
  });
});

const KDLAB_KERAS = "keras (kdlab's oneDNN)";

function inferenceRow(model: string, framework: string, latencyMs: number): InferenceRow {
  return { model, framework, inputSize: 224, latencyBatch: 1, latencyMs, throughputBatch: 32, imagesPerSec: 1000 / latencyMs };
}

/** handMade plus Keras at kdlab's setting: faster on m1, crashed by SIGFPE on m2; and a matmul that crashed on torch. */
function twoKerasConfigs(): BenchResult {
  const base = handMade();
  return {
    ...base,
    throughput: [row("m1", KDLAB_KERAS, 15), ...base.throughput],
    inference: [...base.inference, inferenceRow("m1", KDLAB_KERAS, 20), inferenceRow("m1", "keras", 25)],
    crashes: [
      { framework: KDLAB_KERAS, model: "m2", signal: "SIGFPE", detail: 'm2 alone; last output: "keras: training m2"' },
      { framework: "torch", signal: "SIGSEGV", detail: "the 2048² matmul alone; no output" },
    ],
  };
}

describe("bench report, a peer in two configurations", () => {
  test("each configuration is its own column, next to its peer's defaults, after kdlab's variants", () => {
    const result = twoKerasConfigs();
    assert.deepEqual(frameworkOrder(result.throughput), ["kdlab", "kdlab-compiled", "keras", KDLAB_KERAS, "torch"]);
    const lines = throughputTable(result).split("\n");
    assert.equal(lines[0], `| model | kdlab img/s | kdlab-compiled img/s | keras img/s | ${KDLAB_KERAS} img/s | torch img/s | kdlab / best peer | kdlab-compiled / best peer |`);
  });

  test("the ratio is against the fastest configuration that ran; a crashed one reads crashed (SIGFPE) and is not compared", () => {
    const result = twoKerasConfigs();
    assert.deepEqual(ratioToBestPeer(result.throughput, "m1", "kdlab-compiled"), { ratio: 0.8, peer: KDLAB_KERAS, peerImagesPerSec: 15 });
    assert.deepEqual(ratioToBestPeer(result.throughput, "m2", "kdlab"), { ratio: 0.25, peer: "torch", peerImagesPerSec: 400 });
    const lines = throughputTable(result).split("\n");
    assert.equal(lines[2], `| Model one (224×224, batch 16) | 5.00 | 12.0 | 10.0 | 15.0 | 8.00 | 0.33× (${KDLAB_KERAS}) | 0.80× (${KDLAB_KERAS}) |`);
    assert.equal(lines[3], "| Model two (32×32, batch 64) | 100 | – | 300 | crashed (SIGFPE) | 400 | 0.25× (torch) | – |");
    const markdown = benchMarkdown(result);
    assert.match(markdown, new RegExp(String.raw`\| Model one \(224×224\) \| 12\.3 \| 55\.5 \| 25\.0 \| 40\.0 \| 20\.0 \| 50\.0 \|`), "inference: one pair of columns per configuration");
  });

  test("a Crashes section lists every crash, with or without a model", () => {
    const markdown = benchMarkdown(twoKerasConfigs());
    assert.match(markdown, /## Crashes\n\n.+\n\n- keras \(kdlab's oneDNN\), Model two \(32×32, batch 64\): SIGFPE \(m2 alone; last output: "keras: training m2"\)\.\n- torch: SIGSEGV \(the 2048² matmul alone; no output\)\.\n/);
    assert.doesNotMatch(benchMarkdown(handMade()), /## Crashes/, "no section without crashes");
  });
});

describe("bench report, bf16 rows beside float32", () => {
  /** handMade plus bf16 rows: Keras in bf16 is faster than every float32 row on m1, and must not be the float32 variants' yardstick. */
  function withBf16(): BenchResult {
    const base = handMade();
    return {
      ...base,
      throughput: [row("m1", "kdlab-compiled (bf16)", 21), row("m1", "keras (bf16)", 30), row("m1", "torch (bf16)", 14), ...base.throughput],
      matmul: [...base.matmul, { framework: "kdlab-compiled (bf16)", n: 2048, bestGflops: 400, medianGflops: 380 }],
    };
  }

  test("a bf16 variant is compared with the fastest bf16 peer, a float32 variant with the fastest float32 peer", () => {
    const rows = withBf16().throughput;
    assert.deepEqual(ratioToBestPeer(rows, "m1", "kdlab-compiled (bf16)"), { ratio: 0.7, peer: "keras (bf16)", peerImagesPerSec: 30 });
    assert.deepEqual(ratioToBestPeer(rows, "m1", "kdlab-compiled"), { ratio: 1.2, peer: "keras", peerImagesPerSec: 10 });
    assert.equal(ratioToBestPeer(rows, "m2", "kdlab-compiled (bf16)"), undefined, "no bf16 row on m2");
  });

  test("bf16 configurations sit with their peer, and the ratio headers name the precision they compare", () => {
    const result = withBf16();
    assert.deepEqual(frameworkOrder(result.throughput), ["kdlab-compiled (bf16)", "kdlab", "kdlab-compiled", "keras", "keras (bf16)", "torch", "torch (bf16)"]);
    const [header, , m1] = throughputTable(result).split("\n");
    assert.match(header, /\| kdlab-compiled \(bf16\) \/ best bf16 peer \| kdlab \/ best float32 peer \| kdlab-compiled \/ best float32 peer \|$/);
    assert.match(m1, /\| 0\.70× \(keras \(bf16\)\) \| 0\.50× \(keras\) \| 1\.20× \(keras\) \|$/);
    assert.match(benchMarkdown(result), /Attainable rate \(FP32; the bf16 rows' in bf16\) \(best of a 2048² matmul\): .*kdlab-compiled \(bf16\) 400 GFLOP\/s/);
    assert.match(benchMarkdown(handMade()), /Attainable FP32 rate/, "without bf16 rows the wording is as before");
    // `--only matmul`: no training rows, so the rates get a section of their own.
    const matmulOnly: BenchResult = { ...handMade(), parts: ["matmul"], throughput: [], inference: [], flops: [] };
    assert.match(benchMarkdown(matmulOnly), /## Attainable rate\n\nAttainable FP32 rate \(best of a 2048² matmul\): kdlab 100 GFLOP\/s, keras 120 GFLOP\/s\./);
  });
});
