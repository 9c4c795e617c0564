/**
 * A fidelity result as Markdown (per-seed table, mean ± sd per framework,
 * the comparison and its verdict, the recipe on both sides) and its files,
 * bench/results/fidelity-<date>.json and .md (`-quick` for a quick run, so
 * it never replaces the day's full one). Pure functions of the result apart
 * from the writer, so they are tested on hand-made results.
 */
import { formatPercentSpread, Spread } from "../../lib/stats/summary";
import type { FidelityComparison, FidelityResult } from "./schema";
import { RESULTS_DIR, writeResultFiles } from "../common/files";
import { table } from "../common/markdown";

const percent = (value: number): string => (Number.isFinite(value) ? `${(value * 100).toFixed(2)} %` : "–");
const fixed = (value: number): string => (Number.isFinite(value) ? value.toFixed(4) : "–");

const fixedSpread = (s: Spread): string => (Number.isFinite(s.sd) ? `${s.mean.toFixed(4)} ± ${s.sd.toFixed(4)}` : s.mean.toFixed(4));

function perSeedTable(result: FidelityResult): string {
  const rows = result.frameworks.flatMap((f) =>
    f.runs.map((r) => [f.framework, String(r.seed), percent(r.testAccuracy), fixed(r.testAuc), `${r.epochsRun}${r.bestEpoch === null ? "" : ` (best ${r.bestEpoch})`}`, r.stoppedEarly ? "yes" : "no", r.trainSeconds.toFixed(0)]),
  );
  return table(["framework", "seed", "test accuracy", "test ROC AUC", "epochs run (best)", "stopped early", "train wall s"], rows);
}

function summaryTable(result: FidelityResult): string {
  const rows = result.frameworks.map((f) => [f.framework, String(f.accuracy.n), formatPercentSpread(f.accuracy, 2), `${percent(f.accuracy.min)} – ${percent(f.accuracy.max)}`, fixedSpread(f.auc), `${fixed(f.auc.min)} – ${fixed(f.auc.max)}`]);
  return table(["framework", "seeds", "test accuracy mean ± sd", "accuracy min – max", "test ROC AUC mean ± sd", "AUC min – max"], rows);
}

function comparisonTable(result: FidelityResult): string {
  const format = (c: FidelityComparison): ((v: number) => string) => (c.metric === "test accuracy" ? percent : fixed);
  const rows = result.comparison.map((c) => {
    const f = format(c);
    const diff = c.metric === "test accuracy" ? `${c.difference >= 0 ? "+" : ""}${(c.difference * 100).toFixed(2)} pp` : `${c.difference >= 0 ? "+" : ""}${c.difference.toFixed(4)}`;
    return [c.metric, f(c.kdlabMean), f(c.kerasMean), diff, `${f(c.kerasTwoSd[0])} – ${f(c.kerasTwoSd[1])}`, c.withinTwoSd ? "yes" : "no", `${f(c.kerasRange[0])} – ${f(c.kerasRange[1])}`, c.withinRange ? "yes" : "no"];
  });
  return table(["metric", "kdlab mean", "Keras mean", "kdlab − Keras", "Keras mean ± 2 sd", "kdlab within", "Keras min – max", "kdlab within"], rows);
}

/** One sentence per metric: where kdlab's mean lies against Keras's seed spread. */
export function fidelityVerdict(result: FidelityResult): string[] {
  return result.comparison.map((c) => {
    const f = c.metric === "test accuracy" ? percent : fixed;
    const twoSd = `${c.withinTwoSd ? "within" : "outside"} Keras's mean ± 2 sd (${f(c.kerasTwoSd[0])} – ${f(c.kerasTwoSd[1])})`;
    const range = `${c.withinRange ? "within" : "outside"} its seed range (${f(c.kerasRange[0])} – ${f(c.kerasRange[1])})`;
    return `kdlab's mean ${c.metric} ${f(c.kdlabMean)} lies ${twoSd} and ${range}.`;
  });
}

/**
 * A plateau schedule whose patience reaches early stopping's never cuts the
 * rate before training stops (both count the same epochs without
 * improvement): said when so, with whether any epoch in either framework ran
 * below the starting rate.
 */
export function plateauLine(result: FidelityResult): string | undefined {
  const { reduceLrOnPlateau: plateau, earlyStopping: stopping, monitor, optimizer } = result.kerasRecipe;
  if (!plateau || !stopping || plateau.monitor !== monitor || plateau.minDelta !== stopping.minDelta || plateau.patience < stopping.patience) return undefined;
  const reduced = result.frameworks.some((f) => f.runs.some((r) => r.history.some((h) => h.lr < optimizer.learningRate * (1 - 1e-6))));
  return `The plateau schedule cuts the rate after ${plateau.patience} epochs without improvement (Keras's count), early stopping ends training after ${stopping.patience}: the cut can only come on the epoch training stops, so no epoch runs at a reduced rate (${reduced ? "yet some epoch did: check the histories" : `every epoch of both frameworks ran at ${optimizer.learningRate}`}).`;
}

function recipeLines(result: FidelityResult): string[] {
  const k = result.kerasRecipe;
  const optimizer = k.optimizer.kind === "adam" ? `Adam lr ${k.optimizer.learningRate}, β ${k.optimizer.beta1}/${k.optimizer.beta2}, ε ${k.optimizer.epsilon}` : `SGD lr ${k.optimizer.learningRate}, momentum ${k.optimizer.momentum}`;
  const plateau = k.reduceLrOnPlateau ? `ReduceLROnPlateau(${k.reduceLrOnPlateau.monitor}, factor ${k.reduceLrOnPlateau.factor}, patience ${k.reduceLrOnPlateau.patience}, min_lr ${k.reduceLrOnPlateau.minLr})` : "constant rate";
  const stopping = k.earlyStopping ? `EarlyStopping(${k.monitor}, patience ${k.earlyStopping.patience}, restore_best_weights ${k.earlyStopping.restoreBestWeights})` : "no early stopping";
  const n = result.network;
  return [
    `- **Recipe** (read from kdlab at run time): up to ${k.epochs} epochs, batch ${k.batchSize}, ${k.inputSize}×${k.inputSize}, ${optimizer}, ${plateau}, ${stopping}, L2 ${k.l2} on every kernel, BatchNorm momentum ${k.batchNormMomentum ?? "as built"}, head dropout ${k.dropout}.`,
    `- **Network** ${n.model}: ${n.params.trainable.toLocaleString("en-US")} trainable / ${n.params.total.toLocaleString("en-US")} total parameters in both (Keras ${n.keras.params.trainable.toLocaleString("en-US")} / ${n.keras.params.total.toLocaleString("en-US")}); weight decay on ${n.decayed.weights} kernels (${n.decayed.elements.toLocaleString("en-US")} values) in both; dropout ${n.dropout.map((d) => `${d.name} ${d.rate}`).join(", ") || "none"}; ${n.batchNormLayers} BatchNorm layers.`,
    ...result.translation.map((t) => `- ${t}`),
    ...[plateauLine(result)].filter((line) => line !== undefined).map((line) => `- ${line}`),
  ];
}

export function fidelityMarkdown(result: FidelityResult): string {
  const d = result.data;
  const threads = Object.entries(result.threads).map(([f, t]) => `${f} ${t.intraOp}/${t.interOp}`).join(", ");
  const versions = Object.entries(result.versions).map(([k, v]) => `${k} ${v}`).join(", ");
  const parts = [
    `# kdlab fidelity ${result.date} (${result.mode})`,
    "",
    `The same recipe trained in kdlab and in Keras on the same images: \`${result.experiment}\` (${result.profile} profile${result.overrides.length > 0 ? `, ${result.overrides.join(", ")}` : ""}), seeds ${result.seeds.join(", ")}.`,
    `Data: ${d.isReal ? "real images" : "NOT real images"}, ${d.description}; ${d.counts.train} train / ${d.counts.validation} validation / ${d.counts.test} test images at ${d.size}×${d.size}, ${d.pixels}.`,
    `\`${result.command}\` — ${result.machine.cpu}, ${result.machine.cores} cores; ${result.totalSeconds.toFixed(0)} s in all. Threads (intra/inter-op): ${threads}. ${versions}.`,
    "",
    "## Mean ± sd over seeds",
    "",
    summaryTable(result),
    "",
    "## kdlab against Keras's seed spread",
    "",
    comparisonTable(result),
    "",
    ...fidelityVerdict(result),
    "",
    "## Per seed",
    "",
    perSeedTable(result),
    "",
    "## Recipe and network",
    "",
    ...recipeLines(result),
    "",
    "## Notes",
    "",
    ...result.frameworks.map((f) => `- ${f.framework}: ${f.what}.`),
    ...result.notes.map((n) => `- ${n}`),
  ];
  return `${parts.join("\n")}\n`;
}

export function fidelityBaseName(result: Pick<FidelityResult, "date" | "mode">): string {
  return `fidelity-${result.date}${result.mode === "quick" ? "-quick" : ""}`;
}

/** Writes <base>.json and <base>.md under `dir`; returns their paths. */
export function writeFidelityResult(result: FidelityResult, dir = RESULTS_DIR): { json: string; markdown: string } {
  return writeResultFiles(dir, fidelityBaseName(result), result, fidelityMarkdown(result));
}
