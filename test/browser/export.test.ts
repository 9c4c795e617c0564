/**
 * `kdlab export` in a browser: a quick pneumonia-final run trained into a
 * temporary runs root, its student exported (float32) and served on
 * 127.0.0.1, Debian's chromium (playwright-core) given test images of each
 * class from the real PneumoniaMNIST test split (PNG at the input size, and
 * one as a MONOCHROME1 16-bit DICOM). The page's probabilities equal Node's
 * — the run's own model through the training pipeline on the same files —
 * within 1e-4 on each backend (WebGL, here software-rendered; WASM; CPU);
 * the Grad-CAM overlay is drawn; no console error; no request once loaded
 * (offline); the layout fits a phone's width. Screenshots and the measured
 * timings go to test/artifacts/. Also: exporting a folder that is not a run,
 * or a run with no model, fails naming the folder; float16/uint8 exports
 * load in Node and are smaller.
 */
import assert from "node:assert/strict";
import * as fs from "node:fs";
import * as os from "node:os";
import * as path from "node:path";
import { after, before, describe, test } from "node:test";
import sharp from "sharp";
import { Browser, BrowserContext, Page } from "playwright-core";
import * as tf from "@tensorflow/tfjs";
import { decodeSample } from "../../lib/data/decode";
import { writeDicom } from "../../lib/data/dicom-writer";
import { ImagePipeline } from "../../lib/data/pipeline";
import { Sample } from "../../lib/data/sample";
import { evaluateModel, pipelineSource } from "../../lib/distill/index";
import { buildExperimentData, getExperiment, runExperiment } from "../../lib/experiments/index";
import { exportRun, loadFinishedModel, readRunFolder, serveStatic, StaticServer, webModelFromDisk } from "../../lib/export/index";
import { modelEntry } from "../../lib/models/index";
import { launchChromium } from "../helpers/chromium";
import { useNativeBackend } from "../helpers/native";

const ROOT = path.resolve(__dirname, "..", "..");
const ARTIFACTS = path.join(ROOT, "test", "artifacts");
const TOLERANCE = 1e-4;

interface PageResult {
  file: string;
  probabilities: number[];
  predicted: number;
  predictMs: number;
  gradcamMs: number;
  gradcamBackend: string;
}

interface PageState {
  ready: boolean;
  error: string | null;
  backend: string | null;
  gradcamBackend: string | null;
  skipped: string[];
  readyMs: number | null;
  results: PageResult[];
}

const pageState = (page: Page): Promise<PageState> => page.evaluate(() => (globalThis as unknown as { kdlabPage: PageState }).kdlabPage);

describe("kdlab export: the student classifies in the browser", () => {
  let work: string;
  let runDir: string;
  let webDir: string;
  let server: StaticServer;
  let browser: Browser;
  /** The test images (files) and Node's probabilities for each. */
  const images: { file: string; label: number; node: number[] }[] = [];

  before(async () => {
    await useNativeBackend();
    fs.mkdirSync(ARTIFACTS, { recursive: true });
    work = fs.mkdtempSync(path.join(os.tmpdir(), "kdlab-export-"));
    const config = getExperiment("pneumonia-final", "quick");
    const result = await runExperiment(config, { runsRoot: path.join(work, "runs"), progress: "off", log: () => undefined });
    runDir = result.runDir;
    webDir = path.join(work, "web");
    await exportRun({ run: runDir, out: webDir, log: () => undefined });

    // One test image of each class from the real test split, at the input size, as PNG; the first also as a DICOM.
    const size = config.dataset.inputSize;
    const data = await buildExperimentData(config);
    const picks = [0, 1].map((label) => data.samples.test.find((s) => s.label === label) as Sample);
    const samples: Sample[] = [];
    for (const [i, sample] of picks.entries()) {
      const { pixels } = await decodeSample(sample, { size, fit: "fill" });
      const png = path.join(work, `${sample.className}-${i}.png`);
      await sharp(Buffer.from(pixels), { raw: { width: size, height: size, channels: 1 } }).png().toFile(png);
      samples.push({ format: "chest-xray", file: png, label: sample.label, className: sample.className });
      if (i === 0) {
        // MONOCHROME1 (bright = low values) in 12 of 16 bits with a VOI window that maps 0…4080 onto 0…1: windowed back, the same gray bytes.
        const dcm = path.join(work, `${sample.className}-${i}.dcm`);
        const stored = Uint16Array.from(pixels, (v) => (255 - v) * 16);
        writeDicom(dcm, { rows: size, columns: size, bitsAllocated: 16, bitsStored: 12, photometric: "MONOCHROME1", pixels: stored, windowCenter: 2040.5, windowWidth: 4081, sopInstanceUid: "1.2.826.0.1.3680043.9.7433.9.1" });
        samples.push({ format: "dicom", file: dcm, label: sample.label, className: sample.className });
      }
    }
    // Node: the run's own float32 model, through the training pipeline and the model's preprocessing.
    const run = readRunFolder(runDir);
    const model = await loadFinishedModel(run, "student");
    const pipeline = new ImagePipeline(samples, { batchSize: samples.length, numClasses: 2, size, shuffle: false });
    const evaluation = await evaluateModel(model, pipelineSource(pipeline)({ epoch: 0, seed: 0 }), "reference", modelEntry(config.student.model).preprocess);
    model.dispose();
    samples.forEach((sample, i) => images.push({ file: sample.file, label: sample.label, node: Array.from(evaluation.probabilities.subarray(2 * i, 2 * i + 2)) }));

    server = await serveStatic(webDir, { port: 0 });
    browser = await launchChromium();
  });

  after(async () => {
    await browser?.close();
    await server?.close();
    if (work) fs.rmSync(work, { recursive: true, force: true });
  });

  /** Opens the page, waits until it is ready, and records console errors and requests made after that. */
  async function open(context: BrowserContext, query = ""): Promise<{ page: Page; errors: string[]; lateRequests: string[]; started: number }> {
    const page = await context.newPage();
    const errors: string[] = [];
    const lateRequests: string[] = [];
    let ready = false;
    page.on("console", (message) => {
      if (message.type() === "error") errors.push(message.text());
    });
    page.on("pageerror", (error) => errors.push(error.message));
    page.on("request", (request) => {
      if (ready) lateRequests.push(request.url());
    });
    const started = Date.now();
    await page.goto(`${server.url}${query}`);
    await page.waitForFunction(() => {
      const s = (globalThis as unknown as { kdlabPage?: PageState }).kdlabPage;
      return Boolean(s && (s.ready || s.error));
    }, undefined, { timeout: 90_000 });
    ready = true;
    const state = await pageState(page);
    assert.equal(state.error, null, `the page loaded its model (${state.error})`);
    return { page, errors, lateRequests, started };
  }

  /** Chooses `file` with the labelled file input, as a keyboard or mouse user would, and waits for its result. */
  async function classify(page: Page, file: string): Promise<PageResult> {
    const before = (await pageState(page)).results.length;
    await page.getByLabel("Choose a chest X-ray").setInputFiles(file);
    await page.waitForFunction((n) => (globalThis as unknown as { kdlabPage: PageState }).kdlabPage.results.length > n, before, { timeout: 60_000 });
    const shown = await page.locator("#error").isVisible();
    assert.equal(shown, false, `no error shown for ${path.basename(file)}: ${shown ? await page.locator("#error").innerText() : ""}`);
    return (await pageState(page)).results[before];
  }

  /** Whether the overlay canvas is drawn and differs from the plain image canvas (no named functions inside: tsx would wrap them in a helper the page lacks). */
  async function overlayDrawn(page: Page): Promise<{ width: number; differing: number; nonBlack: number }> {
    return page.evaluate(() => {
      const [image, overlay] = ["image", "overlay"].map((id) => {
        const canvas = document.getElementById(id) as HTMLCanvasElement;
        return { width: canvas.width, data: (canvas.getContext("2d") as CanvasRenderingContext2D).getImageData(0, 0, canvas.width, canvas.height).data };
      });
      let differing = 0;
      let nonBlack = 0;
      for (let i = 0; i < overlay.data.length; i += 4) {
        if (Math.abs(overlay.data[i] - image.data[i]) + Math.abs(overlay.data[i + 1] - image.data[i + 1]) + Math.abs(overlay.data[i + 2] - image.data[i + 2]) > 12) differing++;
        if (overlay.data[i] + overlay.data[i + 1] + overlay.data[i + 2] > 0) nonBlack++;
      }
      return { width: overlay.width, differing: differing / (overlay.data.length / 4), nonBlack: nonBlack / (overlay.data.length / 4) };
    });
  }

  const timings: Record<string, unknown> = {};

  for (const backend of ["webgl", "wasm", "cpu"]) {
    const name = backend;
    test(`${name}: probabilities equal Node's within ${TOLERANCE} for each class and a DICOM; Grad-CAM drawn; no console error; offline once loaded`, async () => {
      const context = await browser.newContext({ viewport: { width: 1100, height: 1200 } });
      try {
        const { page, errors, lateRequests, started } = await open(context, `?backend=${backend}`);
        const state = await pageState(page);
        assert.equal(state.backend, backend);
        await context.setOffline(true);
        const results: PageResult[] = [];
        let firstPredictionMs = NaN;
        let worstDifference = 0;
        for (const image of images) {
          const result = await classify(page, image.file);
          if (results.length === 0) firstPredictionMs = Date.now() - started;
          results.push(result);
          const worst = Math.max(...result.probabilities.map((p, i) => Math.abs(p - image.node[i])));
          worstDifference = Math.max(worstDifference, worst);
          assert.ok(worst <= TOLERANCE, `${path.basename(image.file)} on ${state.backend}: page ${JSON.stringify(result.probabilities)} vs Node ${JSON.stringify(image.node)} (|Δ| ${worst})`);
          const drawn = await overlayDrawn(page);
          assert.ok(drawn.width > 100 && drawn.nonBlack > 0.5 && drawn.differing > 0.2, `the Grad-CAM overlay is drawn over ${path.basename(image.file)} (${JSON.stringify(drawn)})`);
        }
        assert.deepEqual(lateRequests, [], "no request after the page was ready (it works offline)");
        assert.deepEqual(errors, [], "no console error");
        timings[name] = {
          backend: state.backend,
          maxProbabilityDifferenceFromNode: worstDifference,
          gradcamBackend: state.gradcamBackend,
          pageReadyMs: Math.round(state.readyMs ?? NaN),
          loadToFirstPredictionMs: firstPredictionMs,
          predictMs: results.map((r) => Number(r.predictMs.toFixed(2))),
          gradcamMs: results.map((r) => Number(r.gradcamMs.toFixed(2))),
        };
        console.error(`[export test] ${name}: ${JSON.stringify(timings[name])}`);
        if (backend === "wasm") await page.screenshot({ path: path.join(ARTIFACTS, "export-page.png"), fullPage: true });
      } finally {
        await context.close();
      }
    });
  }

  test("phone-sized viewport: nothing wider than the screen, the file input reachable by keyboard", async () => {
    const context = await browser.newContext({ viewport: { width: 375, height: 740 }, deviceScaleFactor: 2, isMobile: true, hasTouch: true });
    try {
      // The backend the page picks by itself: WebGL on a GPU; here, without one, WASM (a software WebGL is passed over).
      const { page } = await open(context);
      const state = await pageState(page);
      const software = state.skipped.some((reason) => /^webgl: software-rendered/.test(reason));
      assert.ok(state.backend === "webgl" || (software && state.backend === "wasm"), `the page's own choice: ${state.backend} (${state.skipped.join("; ")})`);
      await classify(page, images[1].file);
      const widths = await page.evaluate(() => ({ scroll: document.documentElement.scrollWidth, inner: window.innerWidth }));
      assert.ok(widths.scroll <= widths.inner, `no horizontal scrolling at 375 px (${JSON.stringify(widths)})`);
      let focused = "";
      for (let i = 0; i < 6 && focused !== "file"; i++) {
        await page.keyboard.press("Tab");
        focused = await page.evaluate(() => document.activeElement?.id ?? "");
      }
      assert.equal(focused, "file", "Tab reaches the file input");
      assert.equal(await page.getByLabel("Choose a chest X-ray").count(), 1, "the file input has its label");
      await page.screenshot({ path: path.join(ARTIFACTS, "export-page-phone.png"), fullPage: true });
    } finally {
      await context.close();
    }
    fs.writeFileSync(path.join(ARTIFACTS, "export-timings.json"), `${JSON.stringify({ note: "headless chromium, --disable-gpu (WebGL software-rendered); quick-profile student, 32 px; a shared 2-core machine", timings }, null, 1)}\n`);
  });

  test("float16 and uint8 exports: tfjs loads them, within their precision of float32, and smaller", async () => {
    const sizes: Record<string, number> = {};
    const weightBytes: Record<string, number> = {};
    const outputs: Record<string, Float32Array> = {};
    const input = tf.randomUniform([4, 32, 32, 3], -1, 1, "float32", 7);
    try {
      for (const quantize of ["none", "float16", "uint8"] as const) {
        const out = path.join(work, `web-${quantize}`);
        const result = await exportRun({ run: runDir, out, quantize, evaluate: false, log: () => undefined });
        sizes[quantize] = result.model.bytes.total;
        weightBytes[quantize] = result.model.bytes.weights;
        const model = await tf.loadLayersModel(webModelFromDisk(out));
        outputs[quantize] = tf.tidy(() => tf.softmax(model.predict(input) as tf.Tensor2D).dataSync() as Float32Array);
        model.dispose();
      }
    } finally {
      input.dispose();
    }
    const diff = (a: Float32Array, b: Float32Array) => Math.max(...Array.from(a, (v, i) => Math.abs(v - b[i])));
    assert.ok(diff(outputs.float16, outputs.none) < 1e-2, `float16 probabilities near float32 (${diff(outputs.float16, outputs.none)})`);
    assert.ok(diff(outputs.uint8, outputs.none) < 0.2, `uint8 probabilities near float32 (${diff(outputs.uint8, outputs.none)})`);
    // The weights shrink by exactly 2 and 4; model.json (the topology, ~90 kB) does not.
    assert.equal(weightBytes.float16 * 2, weightBytes.none, `float16 weights are half (${JSON.stringify(weightBytes)})`);
    assert.equal(weightBytes.uint8 * 4, weightBytes.none, `uint8 weights are a quarter (${JSON.stringify(weightBytes)})`);
    assert.ok(sizes.uint8 < sizes.none / 3.8, `the uint8 model, model.json included, under a 3.8th of float32 (${JSON.stringify(sizes)})`);
  });

  test("a folder that is not a run, or a run with no model, is an error naming the folder", async () => {
    const notRun = path.join(work, "not-a-run");
    fs.mkdirSync(notRun);
    await assert.rejects(exportRun({ run: notRun, log: () => undefined }), (error: Error) => error.message.includes(notRun) && /not a run folder/.test(error.message));
    const noModel = path.join(work, "runs", "pneumonia-final-20000101-000000");
    fs.mkdirSync(noModel);
    fs.copyFileSync(path.join(runDir, "config.json"), path.join(noModel, "config.json"));
    await assert.rejects(exportRun({ run: noModel, log: () => undefined }), (error: Error) => error.message.includes(noModel) && /no finished student model/.test(error.message));
    const alone = JSON.parse(fs.readFileSync(path.join(runDir, "config.json"), "utf8")) as { config: { teacher: unknown } };
    alone.config.teacher = null;
    fs.writeFileSync(path.join(noModel, "config.json"), JSON.stringify(alone));
    await assert.rejects(exportRun({ run: noModel, role: "teacher", log: () => undefined }), (error: Error) => error.message.includes(noModel) && /trains no teacher/.test(error.message));
    await assert.rejects(exportRun({ run: "latest", runsRoot: path.join(work, "no-runs-here"), log: () => undefined }), /no-runs-here: no runs folder/);
  });
});
