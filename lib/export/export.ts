/**
 * `kdlab export`: a run's finished model as a self-contained static web
 * page, one folder:
 *
 *   index.html, app.js            the page and its one bundled script (bundle.ts)
 *   tfjs-backend-wasm*.wasm       the WASM backend's binaries
 *   model.json, group1-shard*.bin the model as a tfjs web model (web-model.ts), float32 or quantized
 *   model-card.json, model-card.md what it is, what it was trained on, how well it did, its limits
 *
 * The model is the run's <role>/final/ (lib/experiments/run.ts), read with
 * its own topology. With `evaluate` (the default) the written weights are
 * loaded back and scored on the run's test split beside the float32 ones
 * (evaluate.ts), and the card says how they compare. The folder is written
 * beside its final place and renamed, so a failed export leaves no half folder.
 */
import { removeStaleStaging, stagingPath } from "../runtime/staging";
import * as fs from "node:fs";
import * as path from "node:path";
import * as tf from "@tensorflow/tfjs";
import { defaultRunsRoot, ModelRun, Role } from "../experiments/index";
import { pickFeatureLayer } from "../explain/gradcam";
import { modelEntry } from "../models/index";
import { PROJECT_ROOT } from "../runtime/paths";
import { writePage } from "./bundle";
import { evaluateExport, testDataMissing } from "./evaluate";
import { ModelCard, modelCard, modelCardMarkdown } from "./model-card";
import { preprocessorName } from "./preprocessors";
import { finishedModelDir, latestRun, readModelRun, readRunFolder, RunFolder } from "./run-folder";
import { Quantization, webModelFromDisk, WebModelFiles, writeWebModel } from "./web-model";
import { losslessJson, readLosslessJson } from "../runtime/lossless-json";

/** Grad-CAM's feature map: the last one at least this many cells a side (as notebook 06), else the last at least 2. */
export const GRADCAM_MIN_SIZE = 4;

export interface ExportOptions {
  /** A run folder, or "latest" for the newest under runsRoot. */
  run: string;
  runsRoot?: string;
  role?: Role;
  quantize?: Quantization;
  /** Default: <run>/web-<role>[-<quantization>]. */
  out?: string;
  /** Score the written weights on the run's test split (default true). */
  evaluate?: boolean;
  log?: (line: string) => void;
}

export interface ExportResult {
  dir: string;
  runDir: string;
  card: ModelCard;
  model: WebModelFiles;
  page: Awaited<ReturnType<typeof writePage>>;
  /** Why the export was not scored, when it was not. */
  notEvaluated?: string;
}

function kdlabVersion(): string {
  const file = path.join(PROJECT_ROOT, "package.json");
  return (JSON.parse(fs.readFileSync(file, "utf8")) as { version: string }).version;
}

export function defaultExportDir(runDir: string, role: Role, quantization: Quantization): string {
  return path.join(runDir, `web-${role}${quantization === "none" ? "" : `-${quantization}`}`);
}

/** The role's trained model, its own topology and weights from <role>/final/. */
export async function loadFinishedModel(run: RunFolder, role: Role): Promise<tf.LayersModel> {
  const dir = finishedModelDir(run, role);
  try {
    return await tf.loadLayersModel(webModelFromDisk(dir));
  } catch (error) {
    throw new Error(`${dir}: cannot load the model: ${(error as Error).message}`);
  }
}

/** The teacher's run, for the card of a distilled student: its final/run.json, else result.json's copy. */
function teacherRunOf(run: RunFolder): ModelRun | undefined {
  if (!run.config.teacher) return undefined;
  try {
    return readModelRun(run, "teacher");
  } catch {
    const file = path.join(run.dir, "result.json");
    return fs.existsSync(file) ? readLosslessJson<{ teacher?: ModelRun }>(file).teacher : undefined;
  }
}

function gradcamLayer(model: tf.LayersModel): ModelCard["gradcam"] {
  let minSize = GRADCAM_MIN_SIZE;
  let layer;
  try {
    layer = pickFeatureLayer(model, { minSize });
  } catch {
    minSize = 2;
    layer = pickFeatureLayer(model, { minSize });
  }
  return { layer: layer.name, height: layer.height, width: layer.width, minSize };
}

/** An existing output folder is replaced only when it is an earlier export. */
function checkOut(out: string): void {
  if (!fs.existsSync(out)) return;
  if (!fs.statSync(out).isDirectory()) throw new Error(`${out}: exists and is not a folder`);
  const entries = fs.readdirSync(out);
  if (entries.length > 0 && !entries.includes("model-card.json")) throw new Error(`${out}: exists and is not a kdlab export (no model-card.json); choose another --out`);
}

export async function exportRun(options: ExportOptions): Promise<ExportResult> {
  const log = options.log ?? ((line: string) => console.error(line));
  const role = options.role ?? "student";
  const quantization = options.quantize ?? "none";
  const runDir = options.run === "latest" ? latestRun(options.runsRoot ?? defaultRunsRoot()) : options.run;
  const run = readRunFolder(runDir);
  const modelRun = readModelRun(run, role);
  const entry = modelEntry(modelRun.model);
  const preprocessing = preprocessorName(entry.preprocess, modelRun.model);
  const out = path.resolve(options.out ?? defaultExportDir(run.dir, role, quantization));
  checkOut(out);
  // A killed export's `<out>.writing-<pid>` (its pid gone) is debris.
  for (const stale of removeStaleStaging(path.dirname(out), path.basename(out))) log(`removed ${stale}, left by an export that was stopped`);
  const staging = stagingPath(out);
  fs.rmSync(staging, { recursive: true, force: true });
  const model = await loadFinishedModel(run, role);
  let exported: tf.LayersModel | undefined;
  try {
    const gradcam = gradcamLayer(model);
    log(`exporting ${run.dir} ${role} (${modelRun.model}, ${quantization === "none" ? "float32" : quantization} weights) to ${out}`);
    const files = await writeWebModel(model, staging, quantization);
    const page = await writePage(staging);
    let evaluation = null;
    let notEvaluated = options.evaluate === false ? "not asked (--no-evaluate)" : testDataMissing(run);
    if (notEvaluated === undefined) {
      exported = await tf.loadLayersModel(webModelFromDisk(staging));
      // A check of the written files: the weights read back are the model's (up to quantization).
      if (quantization === "none") {
        const roundTrip = tf.tidy(() => Math.max(...model.weights.map((w, i) => tf.max(tf.abs(tf.sub(w.read(), exported!.weights[i].read()))).dataSync()[0])));
        if (roundTrip !== 0) throw new Error(`${staging}: the written float32 weights differ from the model's by ${roundTrip}`);
      }
      log(`scoring the exported weights on the run's test split (${run.dataset.counts.test} images)`);
      evaluation = await evaluateExport(run, exported, model, entry.preprocess);
    } else {
      log(`not scoring the export on the test split: ${notEvaluated}`);
    }
    const card = modelCard({ run, role, modelRun, description: entry.description, teacherRun: teacherRunOf(run), files, preprocessing, gradcam, evaluation, kdlabVersion: kdlabVersion() });
    fs.writeFileSync(path.join(staging, "model-card.json"), losslessJson(card, 1));
    fs.writeFileSync(path.join(staging, "model-card.md"), modelCardMarkdown(card));
    fs.rmSync(out, { recursive: true, force: true });
    fs.renameSync(staging, out);
    return { dir: out, runDir: run.dir, card, model: files, page, notEvaluated };
  } catch (error) {
    fs.rmSync(staging, { recursive: true, force: true });
    throw error;
  } finally {
    model.dispose();
    exported?.dispose();
  }
}
