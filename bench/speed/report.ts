/**
 * A bench result as Markdown: training throughput per model and framework
 * (each peer configuration its own column, a crashed one "crashed (SIGFPE)")
 * with, for each kdlab variant, its ratio to the fastest peer configuration
 * of the same precision (bf16 with bf16, float32 with float32) that ran on
 * that model; FLOP/s against each framework's attainable matmul
 * rate; inference; the distillation, pipeline and memory parts; the crashes.
 * Pure functions of the result, so they are tested on hand-made results.
 */
import { describeCpu } from "../common/machine";
import { table } from "../common/markdown";
import { peerOf } from "./peer-configs";
import { Framework, isBf16Framework, isKdlabFramework } from "../common/framework";
import { BenchResult, PEER_FRAMEWORKS, ThroughputRow } from "./schema";

/** Three significant digits, without exponent notation for the sizes seen here. */
export function formatRate(value: number): string {
  if (!Number.isFinite(value)) return "–";
  if (value >= 100) return value.toFixed(0);
  if (value >= 10) return value.toFixed(1);
  if (value >= 1) return value.toFixed(2);
  return value.toPrecision(2);
}

/** kdlab variants first (in the order they appear), then the peers in their fixed order, each peer's configurations together (its own defaults first). */
export function frameworkOrder(rows: readonly { framework: Framework }[]): Framework[] {
  const seen = [...new Set(rows.map((r) => r.framework))];
  const peers = PEER_FRAMEWORKS.flatMap((p) => seen.filter((f) => peerOf(f) === p).sort((a, b) => Number(b === p) - Number(a === p)));
  const others = seen.filter((f) => !isKdlabFramework(f) && peerOf(f) === undefined);
  return [...seen.filter(isKdlabFramework), ...peers, ...others];
}

export interface PeerRatio {
  ratio: number;
  /** The fastest peer configuration on that model. */
  peer: Framework;
  peerImagesPerSec: number;
}

/** `framework`'s images/s over the fastest peer configuration's of its precision on `model` (a crashed one has no row); undefined when either is missing. */
export function ratioToBestPeer(rows: readonly ThroughputRow[], model: string, framework: Framework): PeerRatio | undefined {
  const mine = rows.find((r) => r.model === model && r.framework === framework);
  const peers = rows.filter((r) => r.model === model && peerOf(r.framework) !== undefined && isBf16Framework(r.framework) === isBf16Framework(framework));
  if (!mine || peers.length === 0) return undefined;
  const best = peers.reduce((a, b) => (b.imagesPerSec > a.imagesPerSec ? b : a));
  return { ratio: mine.imagesPerSec / best.imagesPerSec, peer: best.framework, peerImagesPerSec: best.imagesPerSec };
}

function modelLabel(result: BenchResult, model: string): string {
  const spec = result.settings.models.find((m) => m.model === model);
  return spec ? `${spec.label} (${spec.inputSize}×${spec.inputSize}, batch ${spec.batch})` : model;
}

function modelsIn(rows: readonly { model: string }[], result: BenchResult): string[] {
  const order = result.settings.models.map((m) => m.model);
  return [...new Set(rows.map((r) => r.model))].sort((a, b) => order.indexOf(a) - order.indexOf(b));
}

/** What a cell with no number says: "crashed (SIGFPE)" when `framework` crashed running `model`, else a dash. */
function missing(result: BenchResult, model: string, framework: Framework): string {
  const crash = result.crashes?.find((c) => c.model === model && c.framework === framework);
  return crash ? `crashed (${crash.signal})` : "–";
}

/** The training tables' columns and models: what has rows, and what crashed on a model. */
function trainingCells(result: BenchResult): { frameworks: Framework[]; models: string[] } {
  const cells = [...result.throughput, ...(result.crashes ?? []).flatMap((c) => (c.model === undefined ? [] : [{ framework: c.framework, model: c.model }]))];
  return { frameworks: frameworkOrder(cells), models: modelsIn(cells, result) };
}

export function throughputTable(result: BenchResult): string {
  const { frameworks, models } = trainingCells(result);
  const variants = frameworks.filter(isKdlabFramework);
  // With bf16 rows present, say which precision each ratio's peers are.
  const mixed = frameworks.some(isBf16Framework);
  const versus = (v: Framework): string => (mixed ? `best ${isBf16Framework(v) ? "bf16" : "float32"} peer` : "best peer");
  const header = ["model", ...frameworks.map((f) => `${f} img/s`), ...variants.map((v) => `${v} / ${versus(v)}`)];
  const rows = models.map((model) => [
    modelLabel(result, model),
    ...frameworks.map((f) => {
      const row = result.throughput.find((r) => r.model === model && r.framework === f);
      return row ? formatRate(row.imagesPerSec) : missing(result, model, f);
    }),
    ...variants.map((v) => {
      const ratio = ratioToBestPeer(result.throughput, model, v);
      return ratio ? `${ratio.ratio.toFixed(2)}× (${ratio.peer})` : "–";
    }),
  ]);
  return table(header, rows);
}

export function flopsTable(result: BenchResult): string {
  const { frameworks } = trainingCells(result);
  const header = ["model", "GFLOP/image (train = 3 × fwd)", ...frameworks.map((f) => `${f} GFLOP/s (% of peak)`)];
  const rows = result.flops.map((flops) => [
    modelLabel(result, flops.model),
    `${formatRate(flops.trainGflops)} (fwd ${formatRate(flops.forwardGflops)})`,
    ...frameworks.map((f) => {
      const row = result.throughput.find((r) => r.model === flops.model && r.framework === f);
      if (!row) return missing(result, flops.model, f);
      if (row.achievedGflops === undefined) return "–";
      return `${formatRate(row.achievedGflops)}${row.shareOfPeak === undefined ? "" : ` (${(row.shareOfPeak * 100).toFixed(0)} %)`}`;
    }),
  ]);
  return `${table(header, rows)}\n\n${peakLine(result)}`;
}

/** Each framework's best square matmul: the rate its FLOP shares are taken against. */
export function peakLine(result: BenchResult): string {
  const peaks = result.matmul.map((m) => `${m.framework} ${formatRate(m.bestGflops)} GFLOP/s`).join(", ");
  const precision = result.matmul.some((m) => isBf16Framework(m.framework)) ? "rate (FP32; the bf16 rows' in bf16)" : "FP32 rate";
  return `Attainable ${precision} (best of a ${result.matmul[0]?.n ?? "?"}² matmul): ${peaks || "not measured"}.`;
}

/** Columns for what was timed: a peer configuration that crashed on every model has none here (the Crashes section names it). */
export function inferenceTable(result: BenchResult): string {
  const frameworks = frameworkOrder(result.inference);
  const header = ["model", ...frameworks.flatMap((f) => [`${f} ms/image (batch 1)`, `${f} img/s (batch 32)`])];
  const rows = modelsIn(result.inference, result).map((model) => [
    modelLabel(result, model).replace(/, batch \d+/, ""),
    ...frameworks.flatMap((f) => {
      const row = result.inference.find((r) => r.model === model && r.framework === f);
      return row ? [row.latencyMs.toFixed(1), formatRate(row.imagesPerSec)] : [missing(result, model, f), missing(result, model, f)];
    }),
  ]);
  return table(header, rows);
}

function distillLines(result: BenchResult): string[] {
  const d = result.distillation;
  if (!d) return [];
  return [
    `**Distillation overhead** (${d.model}, ${d.images} images, batch ${d.batch}, min of ${d.rounds} rounds): ` +
      `student alone ${d.studentAloneSeconds.toFixed(2)} s/epoch, live teacher ${d.liveTeacherSeconds.toFixed(2)} s (${d.liveRatio.toFixed(2)}×), ` +
      `cached logits ${d.cachedLogitsSeconds.toFixed(2)} s (${d.cachedRatio.toFixed(2)}×; one-time cache fill ${d.cacheFillSeconds.toFixed(2)} s).`,
  ];
}

function pipelineLines(result: BenchResult): string[] {
  const p = result.pipeline;
  if (!p) return [];
  const versus =
    p.trainingImagesPerSec === undefined || p.headroom === undefined
      ? "no training rate to compare with (train part not run)"
      : `${p.headroom.toFixed(1)}× the kdlab DenseNet121 training rate (${formatRate(p.trainingImagesPerSec)} img/s): ${p.inputBound ? "training would be input-bound" : "training is not input-bound"}`;
  return [`**Data pipeline**: ${formatRate(p.imagesPerSec)} img/s (${p.what}); ${versus}.`];
}

function memoryLines(result: BenchResult): string[] {
  const m = result.memory;
  if (!m) return [];
  return [
    `**Peak RSS** ${(m.peakRssMiB / 1024).toFixed(2)} GiB (${m.peakRssMiB.toFixed(0)} MiB; after model setup ${m.rssAfterSetupMiB.toFixed(0)} MiB, after each step ${m.rssAfterStepsMiB.map((v) => v.toFixed(0)).join(", ")} MiB): ${m.what}.` +
      (m.peers && m.peers.length > 0
        ? ` For scale, the peer processes' peak RSS after training the same model on one in-memory batch (no pipeline; after the CIFAR models): ${m.peers.map((p) => `${p.framework} ${p.peakRssMiB.toFixed(0)} MiB`).join(", ")}.`
        : ""),
  ];
}

export function crashLines(result: BenchResult): string[] {
  return (result.crashes ?? []).map((c) => `- ${c.framework}${c.model === undefined ? "" : `, ${modelLabel(result, c.model)}`}: ${c.signal} (${c.detail}).`);
}

export function benchMarkdown(result: BenchResult): string {
  const threads = Object.entries(result.threads).map(([f, t]) => `${f} ${t.intraOp}/${t.interOp}`).join(", ");
  const versions = Object.entries(result.versions).map(([k, v]) => `${k} ${v}`).join(", ");
  const parts: string[] = [
    `# kdlab bench ${result.date} (${result.settings.mode})`,
    "",
    `\`${result.command}\` — ${describeCpu(result.machine)}, ${result.machine.cores} cores, ${result.machine.memoryGiB.toFixed(0)} GiB; ${result.totalSeconds.toFixed(0)} s in all.`,
    `${result.backend}. Threads (intra/inter-op): ${threads}. ${versions}.`,
    `Training: ${result.settings.optimizer}; images/s = batch / median of the timed steps after warm-up (every step time is in the JSON).`,
  ];
  if (result.throughput.length > 0) parts.push("", "## Training throughput", "", throughputTable(result));
  if (result.flops.length > 0 && result.throughput.length > 0) parts.push("", "## Achieved FLOP/s", "", flopsTable(result));
  else if (result.matmul.length > 0) parts.push("", "## Attainable rate", "", peakLine(result));
  if (result.inference.length > 0) parts.push("", "## Inference", "", inferenceTable(result));
  const other = [...distillLines(result), ...pipelineLines(result), ...memoryLines(result)];
  if (other.length > 0) parts.push("", "## Distillation, data pipeline, memory", "", ...other.flatMap((l) => [l, ""]).slice(0, -1));
  const crashes = crashLines(result);
  if (crashes.length > 0) parts.push("", "## Crashes", "", "Peer processes that died by a signal. After a whole run crashed, its matmul and each model ran in a process of its own, so what did not crash still has its numbers.", "", ...crashes);
  if (result.notes.length > 0) parts.push("", "## Notes", "", ...result.notes.map((n) => `- ${n}`));
  return `${parts.join("\n")}\n`;
}
