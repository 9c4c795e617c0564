/**
 * The model card of an export (Mitchell et al. 2019, "Model Cards for Model
 * Reporting", cut to what a run folder knows): model-card.json, which the
 * page also reads for its input settings, and model-card.md for people.
 *
 * Spread: one run is one training seed, so seed-to-seed spread is not known
 * here (kdlab's seed studies measure it). What is known is the test set's
 * sampling spread: 95 % Wilson intervals for accuracy, sensitivity and
 * specificity, and the Hanley–McNeil (1982) standard error for the AUC.
 */
import type { ModelRun, Role, TestReport } from "../experiments/index";
import type { PreprocessorName } from "./preprocessors";
import type { RunFolder } from "./run-folder";
import type { Quantization, WebModelFiles } from "./web-model";

const Z_975 = 1.959964;

export interface Estimate {
  value: number;
  /** 95 % interval from the test set's size; null where it cannot be computed. */
  ci95: [number, number] | null;
}

export interface CardMetrics {
  count: number;
  accuracy: Estimate;
  auc?: Estimate;
  sensitivity?: Estimate;
  specificity?: Estimate;
  ece: number;
}

/** What the export itself scored on the run's test split, beside the float32 model it came from. */
export interface ExportEvaluation {
  count: number;
  exported: CardMetrics;
  float32: CardMetrics;
  /** Share of test images whose predicted class is the float32 model's. */
  agreement: number;
  /** Largest |p_export − p_float32| over images and classes. */
  maxProbabilityDifference: number;
  seconds: number;
}

export interface ModelCard {
  schema: "kdlab-model-card/1";
  title: string;
  generated: string;
  kdlab: string;
  model: {
    role: Role;
    architecture: string;
    description: string;
    params: ModelRun["params"];
    classNames: string[];
    positiveClass: string | null;
    quantization: Quantization;
    files: string[];
    bytes: WebModelFiles["bytes"];
  };
  /** What the page does to an image before the model sees it (the training pipeline's steps). */
  input: { size: number; channels: number; scale: string; preprocessing: PreprocessorName; source: string };
  gradcam: { layer: string; height: number; width: number; minSize: number };
  training: {
    experiment: string;
    profile: string;
    description: string;
    runFolder: string;
    epochsRun: number;
    bestEpoch: number | null;
    seed: number;
    optimizer: string;
    initialWeights: string;
    distilledFrom: { model: string; params: ModelRun["params"]; test: CardMetrics; method: string; methodParams: Record<string, unknown> } | null;
    provenance: Record<string, unknown>;
  };
  data: RunFolder["dataset"];
  /** The run's own test report of this model (float32, in Node). */
  test: CardMetrics & { spread: string };
  /** The exported weights evaluated again on the same test split (null when skipped or the data was not found). */
  exportEvaluation: ExportEvaluation | null;
  intendedUse: string;
  limitations: string[];
}

/** Wilson score interval of a proportion `p` of `n`. */
export function wilsonInterval(p: number, n: number): [number, number] | null {
  if (!(n > 0) || !Number.isFinite(p)) return null;
  const z2 = Z_975 * Z_975;
  const centre = (p + z2 / (2 * n)) / (1 + z2 / n);
  const half = (Z_975 * Math.sqrt((p * (1 - p)) / n + z2 / (4 * n * n))) / (1 + z2 / n);
  return [Math.max(0, centre - half), Math.min(1, centre + half)];
}

/** AUC ± 1.96 · SE with Hanley & McNeil's SE for `positives` and `negatives`. */
export function aucInterval(auc: number, positives: number, negatives: number): [number, number] | null {
  if (!(positives > 0 && negatives > 0) || !Number.isFinite(auc)) return null;
  const q1 = auc / (2 - auc);
  const q2 = (2 * auc * auc) / (1 + auc);
  const variance = (auc * (1 - auc) + (positives - 1) * (q1 - auc * auc) + (negatives - 1) * (q2 - auc * auc)) / (positives * negatives);
  const se = Math.sqrt(Math.max(0, variance));
  return [Math.max(0, auc - Z_975 * se), Math.min(1, auc + Z_975 * se)];
}

/** A test report's headline metrics with their sampling intervals. */
export function cardMetrics(report: Omit<TestReport, "loss">): CardMetrics {
  const metrics: CardMetrics = { count: report.count, accuracy: { value: report.accuracy, ci95: wilsonInterval(report.accuracy, report.count) }, ece: report.ece };
  const b = report.binary;
  if (b) {
    const positives = b.tp + b.fn;
    const negatives = b.tn + b.fp;
    metrics.auc = { value: b.auc, ci95: aucInterval(b.auc, positives, negatives) };
    metrics.sensitivity = { value: b.sensitivity, ci95: wilsonInterval(b.sensitivity, positives) };
    metrics.specificity = { value: b.specificity, ci95: wilsonInterval(b.specificity, negatives) };
  }
  return metrics;
}

export const INTENDED_USE =
  "Research and teaching: seeing what a distilled student network does with a chest radiograph, next to the teacher it was distilled from. Research software, not a medical device: not for diagnosis, triage or any clinical decision.";

function limitations(run: RunFolder, size: number, quantization: Quantization): string[] {
  const list = [
    "Research software, not a medical device. It has not been validated clinically, and nothing it shows is a diagnosis.",
    `Trained and tested on ${run.dataset.description}${run.dataset.isReal ? "" : " — synthetic images, so its numbers say nothing about real radiographs"}; images from other hospitals, scanners, patient ages or views (lateral, portable AP) may be scored very differently, and no such shift was measured.`,
    `The model sees the image at ${size}×${size} pixels in grayscale; fine findings are lost at that size.`,
    "Its classes are the dataset's only: an image of anything else (another disease, a non-chest image) still gets one of them.",
    "Grad-CAM shows which parts of the feature map raised the class score, at the feature map's coarse resolution; it is not a segmentation of the finding.",
    "The test metrics come from one training run (one seed) on one test split; their intervals cover the test set's sampling only.",
  ];
  if (quantization !== "none") list.push(`Weights stored as ${quantization} and dequantized to float32 on load: predictions differ slightly from the float32 model (see exportEvaluation).`);
  list.push("The page decodes JPEG/PNG with the browser and resizes with canvas smoothing, where training used sharp: for an image not already at the input size, pixels and so probabilities differ slightly from kdlab's in Node. DICOM: uncompressed only, windowed as kdlab's loader does.");
  return list;
}

export interface CardInputs {
  run: RunFolder;
  role: Role;
  modelRun: ModelRun;
  description: string;
  teacherRun?: ModelRun;
  files: WebModelFiles;
  preprocessing: PreprocessorName;
  gradcam: ModelCard["gradcam"];
  evaluation: ExportEvaluation | null;
  kdlabVersion: string;
  now?: Date;
}

export function modelCard(inputs: CardInputs): ModelCard {
  const { run, role, modelRun, teacherRun, files } = inputs;
  const { config } = run;
  const size = config.dataset.inputSize;
  const classNames = run.dataset.classNames;
  const optimizer = config.optimizer.kind === "sgd" ? `SGD lr ${config.optimizer.lr} momentum ${config.optimizer.momentum}` : `${config.optimizer.kind} lr ${config.optimizer.lr}`;
  const distilledFrom =
    role === "student" && modelRun.distilled && teacherRun
      ? { model: teacherRun.model, params: teacherRun.params, test: cardMetrics(teacherRun.test), method: config.distillation.method, methodParams: config.distillation.params }
      : null;
  return {
    schema: "kdlab-model-card/1",
    title: `${config.name} ${role} (${modelRun.model})${files.quantization === "none" ? "" : `, ${files.quantization} weights`}`,
    generated: (inputs.now ?? new Date()).toISOString(),
    kdlab: inputs.kdlabVersion,
    model: {
      role,
      architecture: modelRun.model,
      description: inputs.description,
      params: modelRun.params,
      classNames,
      positiveClass: modelRun.test.binary ? classNames[modelRun.test.binary.positiveClass] : null,
      quantization: files.quantization,
      files: files.files,
      bytes: files.bytes,
    },
    input: {
      size,
      channels: 3,
      scale: "decoded to one grayscale channel at size×size, uint8 / 255 → [0, 1], repeated to 3 channels (lib/data/pipeline.ts)",
      preprocessing: inputs.preprocessing,
      source: "lib/models/preprocessing.ts",
    },
    gradcam: inputs.gradcam,
    training: {
      experiment: config.name,
      profile: config.profile,
      description: config.description,
      runFolder: run.dir,
      epochsRun: modelRun.training.epochsRun,
      bestEpoch: modelRun.training.bestEpoch,
      seed: role === "teacher" ? (config.teacherSeed ?? config.seed) : config.seed,
      optimizer,
      initialWeights: modelRun.initialWeights,
      distilledFrom,
      provenance: run.provenance,
    },
    data: run.dataset,
    test: {
      ...cardMetrics(modelRun.test),
      spread: "95 % intervals of the test set's sampling (Wilson for proportions, Hanley–McNeil for the AUC); one training seed, so seed-to-seed spread is not known here",
    },
    exportEvaluation: inputs.evaluation,
    intendedUse: INTENDED_USE,
    limitations: limitations(run, size, files.quantization),
  };
}

const pct = (x: number): string => `${(100 * x).toFixed(1)} %`;

function estimate(e: Estimate | undefined, format: (x: number) => string = pct): string {
  if (!e) return "—";
  return e.ci95 ? `${format(e.value)} (95 % CI ${format(e.ci95[0])}–${format(e.ci95[1])})` : format(e.value);
}

const auc3 = (x: number): string => x.toFixed(3);

function metricsTable(rows: [string, CardMetrics][]): string[] {
  return [
    "| model | images | accuracy | AUC | sensitivity | specificity | ECE |",
    "|---|---|---|---|---|---|---|",
    ...rows.map(([name, m]) => `| ${name} | ${m.count} | ${estimate(m.accuracy)} | ${estimate(m.auc, auc3)} | ${estimate(m.sensitivity)} | ${estimate(m.specificity)} | ${m.ece.toFixed(3)} |`),
  ];
}

const mib = (bytes: number): string => `${(bytes / 1024 / 1024).toFixed(2)} MiB`;

export function modelCardMarkdown(card: ModelCard): string {
  const t = card.training;
  const lines = [
    `# Model card: ${card.title}`,
    "",
    `**Research software, not a medical device.** ${card.intendedUse}`,
    "",
    "## Model",
    "",
    `- ${card.model.architecture}: ${card.model.description}`,
    `- ${card.model.params.total.toLocaleString("en-US")} parameters; classes ${card.model.classNames.join(", ")}${card.model.positiveClass ? ` (positive: ${card.model.positiveClass})` : ""}`,
    `- weights: ${card.model.quantization === "none" ? "float32" : `${card.model.quantization} (tfjs weight quantization, dequantized on load)`}; ${mib(card.model.bytes.total)} on disk (${card.model.files.join(", ")})`,
    `- input: ${card.input.size}×${card.input.size}, ${card.input.scale}, then the \`${card.input.preprocessing}\` preprocessing of ${card.input.source}`,
    `- Grad-CAM: layer \`${card.gradcam.layer}\` (${card.gradcam.height}×${card.gradcam.width} map)`,
    "",
    "## Training",
    "",
    `- experiment \`${t.experiment}\`, profile \`${t.profile}\`: ${t.description}`,
    `- ${t.epochsRun} epoch(s) run${t.bestEpoch ? `, best epoch ${t.bestEpoch} (on validation)` : ""}; ${t.optimizer}; seed ${t.seed}; initial weights: ${t.initialWeights}`,
    t.distilledFrom
      ? `- distilled from the teacher ${t.distilledFrom.model} (${t.distilledFrom.params.total.toLocaleString("en-US")} parameters) with \`${t.distilledFrom.method}\` ${JSON.stringify(t.distilledFrom.methodParams)}`
      : `- not distilled: trained ${card.model.role === "teacher" ? "as the teacher" : "alone (cross-entropy)"}`,
    `- run folder: ${t.runFolder}`,
    ...(typeof t.provenance.git === "object" && t.provenance.git ? [`- code: ${JSON.stringify(t.provenance.git)}`] : []),
    "",
    "## Data",
    "",
    `- ${card.data.description}`,
    `- ${card.data.counts.train} train / ${card.data.counts.validation} validation / ${card.data.counts.test} test images (${card.data.isReal ? "real" : "synthetic"}; ${card.data.format}, ${card.data.path})`,
    "",
    "## Test metrics",
    "",
    ...metricsTable([[`this model (float32, run's test)`, card.test], ...(t.distilledFrom ? ([[`teacher ${t.distilledFrom.model}`, t.distilledFrom.test]] as [string, CardMetrics][]) : [])]),
    "",
    card.test.spread,
    "",
  ];
  const e = card.exportEvaluation;
  if (e) {
    lines.push(
      "## This export on the test split",
      "",
      ...metricsTable([
        [`exported (${card.model.quantization === "none" ? "float32" : card.model.quantization})`, e.exported],
        ["float32 (the run's weights)", e.float32],
      ]),
      "",
      `Predicted class the same as float32's on ${pct(e.agreement)} of ${e.count} images; largest probability difference ${e.maxProbabilityDifference.toExponential(2)}.`,
      "",
    );
  }
  lines.push("## Limitations", "", ...card.limitations.map((l) => `- ${l}`), "");
  return lines.join("\n");
}
