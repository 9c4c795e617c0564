/// <reference lib="dom" />
/**
 * The exported page's script (bundled by lib/export/bundle.ts into app.js):
 * loads model-card.json and the web model from the page's folder, picks a
 * backend, and classifies each chest X-ray the user drops or chooses —
 * probabilities, a Grad-CAM overlay (lib/explain/gradcam.ts, the same code
 * as in Node), and how long each took. The image goes through the training
 * pipeline's steps (gray uint8 / 255, repeated to 3 channels) and the
 * model's preprocessing from lib/models/preprocessing.ts. Everything is
 * fetched at load; classifying makes no network request.
 *
 * State for tests and the curious: window.kdlabPage (see PageState).
 */
import * as tf from "@tensorflow/tfjs";
import { gradCam } from "../../explain/gradcam";
import type { ModelCard } from "../model-card";
import { preprocessorByName } from "../preprocessors";
import { BackendName, chooseBackend } from "./backend";
import { decodeInput } from "./decode-image";
import { drawLegend, drawOverlay, drawPicture } from "./overlay";

export interface PageResult {
  file: string;
  kind: string;
  probabilities: number[];
  predicted: number;
  predictMs: number;
  gradcamMs: number;
  gradcamBackend: BackendName;
}

export interface PageState {
  ready: boolean;
  error: string | null;
  backend: BackendName | null;
  gradcamBackend: BackendName | null;
  skipped: string[];
  /** From navigation start to the model loaded and warmed up. */
  readyMs: number | null;
  results: PageResult[];
}

const state: PageState = { ready: false, error: null, backend: null, gradcamBackend: null, skipped: [], readyMs: null, results: [] };
(window as unknown as { kdlabPage: PageState }).kdlabPage = state;

const DISPLAY_SIDE = 320;

function element<T extends HTMLElement>(id: string): T {
  const found = document.getElementById(id);
  if (!found) throw new Error(`the page has no #${id}`);
  return found as T;
}

function say(text: string): void {
  element("status").textContent = text;
}

function showError(text: string): void {
  const box = element("error");
  box.textContent = text;
  box.hidden = text === "";
}

interface Loaded {
  card: ModelCard;
  model: tf.LayersModel;
  /** A copy of the model on the cpu backend, when the main backend lacks a kernel Grad-CAM's gradient needs (WASM has no depthwise backprop). */
  cpuModel?: tf.LayersModel;
}

/** The image as the model takes it: the pipeline's [0, 1] scaling and channel repeat, then the model's preprocessing. */
function modelInput(gray: Uint8Array, card: ModelCard): tf.Tensor4D {
  const { size, channels, preprocessing } = card.input;
  const preprocess = preprocessorByName(preprocessing);
  return tf.tidy(() => {
    let images = tf.tensor4d(gray, [1, size, size, 1], "int32").toFloat().div(255) as tf.Tensor4D;
    if (channels === 3) images = images.tile([1, 1, 1, 3]) as tf.Tensor4D;
    return preprocess(images);
  });
}

async function probabilitiesOf(model: tf.LayersModel, input: tf.Tensor4D): Promise<Float32Array> {
  const probabilities = tf.tidy(() => tf.softmax(model.predict(input) as tf.Tensor2D));
  try {
    return (await probabilities.data()) as Float32Array;
  } finally {
    probabilities.dispose();
  }
}

/** Grad-CAM on the main backend, or on the cpu copy of the model. */
async function heatmapOf(loaded: Loaded, input: tf.Tensor4D, classIndex: number): Promise<Float32Array> {
  const { card, cpuModel } = loaded;
  const run = async (model: tf.LayersModel): Promise<Float32Array> => {
    const result = await gradCam(model, input, { layer: card.gradcam.layer, classIndex });
    try {
      return (await result.heatmaps.data()) as Float32Array;
    } finally {
      result.heatmaps.dispose();
    }
  };
  if (!cpuModel) return run(loaded.model);
  const main = tf.getBackend();
  await tf.setBackend("cpu");
  try {
    return await run(cpuModel);
  } finally {
    await tf.setBackend(main);
  }
}

async function load(): Promise<Loaded> {
  const forced = new URLSearchParams(location.search).get("backend");
  const cardResponse = await fetch("model-card.json");
  if (!cardResponse.ok) throw new Error(`model-card.json: HTTP ${cardResponse.status}`);
  const card = (await cardResponse.json()) as ModelCard;
  describeModel(card);
  const backend = await chooseBackend(forced);
  state.backend = backend.name;
  state.skipped = backend.skipped;
  const model = await tf.loadLayersModel("model.json");
  const loaded: Loaded = { card, model };
  // Warm up (WebGL compiles its shaders on first use) and find out where Grad-CAM can run.
  const blank = modelInput(new Uint8Array(card.input.size * card.input.size), card);
  try {
    await probabilitiesOf(model, blank);
    try {
      await heatmapOf(loaded, blank, 0);
      state.gradcamBackend = backend.name;
    } catch (error) {
      if (backend.name === "cpu") throw error;
      await tf.setBackend("cpu");
      try {
        loaded.cpuModel = await tf.loadLayersModel("model.json");
      } finally {
        await tf.setBackend(backend.name);
      }
      await heatmapOf(loaded, blank, 0);
      state.gradcamBackend = "cpu";
      state.skipped.push(`Grad-CAM on ${backend.name}: ${(error as Error).message.split("\n")[0]} — computed on cpu instead`);
    }
  } finally {
    blank.dispose();
  }
  return loaded;
}

function describeModel(card: ModelCard): void {
  const t = card.training;
  const accuracy = `${(100 * card.test.accuracy.value).toFixed(1)} %`;
  // A test split with one class has no AUC: the card stores it as "NaN" (lossless JSON), older cards as null.
  const aucValue: unknown = card.test.auc?.value;
  const auc = typeof aucValue === "number" && Number.isFinite(aucValue) ? `, AUC ${aucValue.toFixed(3)}` : "";
  element("model-name").textContent = card.title;
  element("model-summary").textContent =
    `${card.model.architecture}, ${card.input.size}×${card.input.size} px input, ` +
    `${t.distilledFrom ? `distilled from ${t.distilledFrom.model}` : "not distilled"}; trained on ${card.data.description}; ` +
    `test accuracy ${accuracy}${auc} on ${card.test.count} images (${t.profile} profile).`;
}

function showResult(loaded: Loaded, result: PageResult, picture: HTMLCanvasElement, heatmap: Float32Array): void {
  const { card } = loaded;
  const names = card.model.classNames;
  drawPicture(element<HTMLCanvasElement>("image"), picture, DISPLAY_SIDE);
  const overlay = element<HTMLCanvasElement>("overlay");
  drawOverlay(overlay, picture, heatmap, card.input.size, DISPLAY_SIDE);
  const predictedName = names[result.predicted];
  element("image").setAttribute("aria-label", `The image ${result.file} (${result.kind}, ${picture.width}×${picture.height})`);
  overlay.setAttribute("aria-label", `Grad-CAM heatmap for ${predictedName} over the image: warmer, more opaque colour where the model found more evidence for ${predictedName}`);
  element("overlay-caption").textContent = `Grad-CAM for “${predictedName}” (layer ${card.gradcam.layer}, ${card.gradcam.height}×${card.gradcam.width} map)`;
  const rows = element("probabilities");
  rows.replaceChildren(
    ...names.map((name, i) => {
      const row = document.createElement("tr");
      if (i === result.predicted) row.className = "predicted";
      const label = document.createElement("th");
      label.scope = "row";
      label.textContent = i === result.predicted ? `${name} (predicted)` : name;
      const value = document.createElement("td");
      const percent = (100 * result.probabilities[i]).toFixed(1);
      value.textContent = `${percent} %`;
      const barCell = document.createElement("td");
      const bar = document.createElement("div");
      bar.className = "bar";
      bar.setAttribute("aria-hidden", "true");
      bar.style.width = `${Math.max(0.5, 100 * result.probabilities[i])}%`;
      barCell.append(bar);
      row.append(label, value, barCell);
      return row;
    }),
  );
  element("timing").textContent = `Prediction ${result.predictMs.toFixed(1)} ms, Grad-CAM ${result.gradcamMs.toFixed(1)} ms (backend ${state.backend}${result.gradcamBackend !== state.backend ? `, Grad-CAM on ${result.gradcamBackend}` : ""})`;
  const section = element("result");
  section.dataset.probabilities = JSON.stringify(result.probabilities);
  section.dataset.file = result.file;
  section.hidden = false;
  say(`${result.file}: ${predictedName}, ${(100 * result.probabilities[result.predicted]).toFixed(1)} %.`);
}

async function classify(loaded: Loaded, file: File): Promise<void> {
  showError("");
  say(`Reading ${file.name}…`);
  const decoded = await decodeInput(file, loaded.card.input.size);
  const input = modelInput(decoded.gray, loaded.card);
  try {
    const started = performance.now();
    const probabilities = await probabilitiesOf(loaded.model, input);
    const predictMs = performance.now() - started;
    let predicted = 0;
    probabilities.forEach((p, i) => {
      if (p > probabilities[predicted]) predicted = i;
    });
    const camStarted = performance.now();
    const heatmap = await heatmapOf(loaded, input, predicted);
    const gradcamMs = performance.now() - camStarted;
    const result: PageResult = { file: file.name, kind: decoded.kind, probabilities: Array.from(probabilities), predicted, predictMs, gradcamMs, gradcamBackend: state.gradcamBackend ?? "cpu" };
    showResult(loaded, result, decoded.picture, heatmap);
    state.results.push(result);
  } finally {
    input.dispose();
  }
}

async function classifyAll(loaded: Loaded, files: FileList | File[]): Promise<void> {
  const input = element<HTMLInputElement>("file");
  input.disabled = true;
  try {
    for (const file of Array.from(files)) {
      try {
        await classify(loaded, file);
      } catch (error) {
        showError((error as Error).message);
        say(`Could not classify ${file.name}.`);
      }
    }
  } finally {
    input.disabled = false;
  }
}

function wire(loaded: Loaded): void {
  const input = element<HTMLInputElement>("file");
  const zone = element("drop-zone");
  input.addEventListener("change", () => {
    if (input.files && input.files.length > 0) void classifyAll(loaded, input.files).then(() => (input.value = ""));
  });
  zone.addEventListener("dragover", (event) => {
    event.preventDefault();
    zone.classList.add("dragging");
  });
  zone.addEventListener("dragleave", () => zone.classList.remove("dragging"));
  zone.addEventListener("drop", (event) => {
    event.preventDefault();
    zone.classList.remove("dragging");
    if (event.dataTransfer?.files.length) void classifyAll(loaded, event.dataTransfer.files);
  });
  input.disabled = false;
}

async function start(): Promise<void> {
  drawLegend(element<HTMLCanvasElement>("legend"));
  try {
    const loaded = await load();
    wire(loaded);
    state.readyMs = performance.now();
    state.ready = true;
    element("backend").textContent = `Runs in this browser on tfjs ${tf.version.tfjs}, backend ${state.backend}${state.gradcamBackend !== state.backend ? ` (Grad-CAM on ${state.gradcamBackend})` : ""}; ready in ${state.readyMs.toFixed(0)} ms${state.skipped.length > 0 ? ` (passed over: ${state.skipped.join("; ")})` : ""}. Images never leave this computer.`;
    say("Ready: choose or drop a chest X-ray.");
  } catch (error) {
    state.error = (error as Error).message;
    showError(`The model could not be loaded: ${state.error}`);
    say("Not ready.");
  }
}

void start();
