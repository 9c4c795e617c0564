/**
 * A bench result as Markdown: training throughput per model and framework
 * with, for each kdlab variant, its ratio to the best peer on that model;
 * FLOP/s against each framework's attainable matmul rate; inference; the
 * distillation, pipeline and memory parts. Pure functions of the result, so
 * they are tested on hand-made results.
 */
import { BenchResult, Framework, PEER_FRAMEWORKS, ThroughputRow } from "./schema";
import { isKdlabFramework } from "./variants";

/** Three significant digits, without exponent notation for the sizes seen here. */
export function formatRate(value: number): string {
  if (!Number.isFinite(value)) return "–";
  if (value >= 100) return value.toFixed(0);
  if (value >= 10) return value.toFixed(1);
  if (value >= 1) return value.toFixed(2);
  return value.toPrecision(2);
}

/** kdlab variants first (in the order they appear), then the peers in their fixed order. */
export function frameworkOrder(rows: readonly { framework: Framework }[]): Framework[] {
  const seen = [...new Set(rows.map((r) => r.framework))];
  const peers = PEER_FRAMEWORKS.filter((p) => seen.includes(p));
  const others = seen.filter((f) => !isKdlabFramework(f) && !(PEER_FRAMEWORKS as readonly string[]).includes(f));
  return [...seen.filter(isKdlabFramework), ...peers, ...others];
}

export interface PeerRatio {
  ratio: number;
  /** The fastest peer on that model. */
  peer: Framework;
  peerImagesPerSec: number;
}

/** `framework`'s images/s over the fastest peer's on `model`; undefined when either is missing. */
export function ratioToBestPeer(rows: readonly ThroughputRow[], model: string, framework: Framework): PeerRatio | undefined {
  const mine = rows.find((r) => r.model === model && r.framework === framework);
  const peers = rows.filter((r) => r.model === model && !isKdlabFramework(r.framework));
  if (!mine || peers.length === 0) return undefined;
  const best = peers.reduce((a, b) => (b.imagesPerSec > a.imagesPerSec ? b : a));
  return { ratio: mine.imagesPerSec / best.imagesPerSec, peer: best.framework, peerImagesPerSec: best.imagesPerSec };
}

export function table(header: string[], rows: string[][]): string {
  const line = (cells: string[]): string => `| ${cells.join(" | ")} |`;
  return [line(header), line(header.map(() => "---")), ...rows.map(line)].join("\n");
}

function modelLabel(result: BenchResult, model: string): string {
  const spec = result.settings.models.find((m) => m.model === model);
  return spec ? `${spec.label} (${spec.inputSize}×${spec.inputSize}, batch ${spec.batch})` : model;
}

function modelsIn(rows: readonly { model: string }[], result: BenchResult): string[] {
  const order = result.settings.models.map((m) => m.model);
  return [...new Set(rows.map((r) => r.model))].sort((a, b) => order.indexOf(a) - order.indexOf(b));
}

export function throughputTable(result: BenchResult): string {
  const frameworks = frameworkOrder(result.throughput);
  const variants = frameworks.filter(isKdlabFramework);
  const header = ["model", ...frameworks.map((f) => `${f} img/s`), ...variants.map((v) => `${v} / best peer`)];
  const rows = modelsIn(result.throughput, result).map((model) => [
    modelLabel(result, model),
    ...frameworks.map((f) => {
      const row = result.throughput.find((r) => r.model === model && r.framework === f);
      return row ? formatRate(row.imagesPerSec) : "–";
    }),
    ...variants.map((v) => {
      const ratio = ratioToBestPeer(result.throughput, model, v);
      return ratio ? `${ratio.ratio.toFixed(2)}× (${ratio.peer})` : "–";
    }),
  ]);
  return table(header, rows);
}

export function flopsTable(result: BenchResult): string {
  const frameworks = frameworkOrder(result.throughput);
  const header = ["model", "GFLOP/image (train = 3 × fwd)", ...frameworks.map((f) => `${f} GFLOP/s (% of peak)`)];
  const rows = result.flops.map((flops) => [
    modelLabel(result, flops.model),
    `${formatRate(flops.trainGflops)} (fwd ${formatRate(flops.forwardGflops)})`,
    ...frameworks.map((f) => {
      const row = result.throughput.find((r) => r.model === flops.model && r.framework === f);
      if (!row || row.achievedGflops === undefined) return "–";
      return `${formatRate(row.achievedGflops)}${row.shareOfPeak === undefined ? "" : ` (${(row.shareOfPeak * 100).toFixed(0)} %)`}`;
    }),
  ]);
  const peaks = result.matmul.map((m) => `${m.framework} ${formatRate(m.bestGflops)} GFLOP/s`).join(", ");
  return `${table(header, rows)}\n\nAttainable FP32 rate (best of a ${result.matmul[0]?.n ?? "?"}² matmul): ${peaks || "not measured"}.`;
}

export function inferenceTable(result: BenchResult): string {
  const frameworks = frameworkOrder(result.inference);
  const header = ["model", ...frameworks.flatMap((f) => [`${f} ms/image (batch 1)`, `${f} img/s (batch 32)`])];
  const rows = modelsIn(result.inference, result).map((model) => [
    modelLabel(result, model).replace(/, batch \d+/, ""),
    ...frameworks.flatMap((f) => {
      const row = result.inference.find((r) => r.model === model && r.framework === f);
      return row ? [row.latencyMs.toFixed(1), formatRate(row.imagesPerSec)] : ["–", "–"];
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

export function benchMarkdown(result: BenchResult): string {
  const threads = Object.entries(result.threads).map(([f, t]) => `${f} ${t.intraOp}/${t.interOp}`).join(", ");
  const versions = Object.entries(result.versions).map(([k, v]) => `${k} ${v}`).join(", ");
  const parts: string[] = [
    `# kdlab bench ${result.date} (${result.settings.mode})`,
    "",
    `\`${result.command}\` — ${result.machine.cpu}, ${result.machine.cores} cores, ${result.machine.memoryGiB.toFixed(0)} GiB; ${result.totalSeconds.toFixed(0)} s in all.`,
    `${result.backend}. Threads (intra/inter-op): ${threads}. ${versions}.`,
    `Training: ${result.settings.optimizer}; images/s = batch / median of the timed steps after warm-up (every step time is in the JSON).`,
  ];
  if (result.throughput.length > 0) parts.push("", "## Training throughput", "", throughputTable(result));
  if (result.flops.length > 0 && result.throughput.length > 0) parts.push("", "## Achieved FLOP/s", "", flopsTable(result));
  if (result.inference.length > 0) parts.push("", "## Inference", "", inferenceTable(result));
  const other = [...distillLines(result), ...pipelineLines(result), ...memoryLines(result)];
  if (other.length > 0) parts.push("", "## Distillation, data pipeline, memory", "", ...other.flatMap((l) => [l, ""]).slice(0, -1));
  if (result.notes.length > 0) parts.push("", "## Notes", "", ...result.notes.map((n) => `- ${n}`));
  return `${parts.join("\n")}\n`;
}
