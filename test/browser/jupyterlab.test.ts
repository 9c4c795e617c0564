/**
 * What a person sees: JupyterLab from the project's .venv on 127.0.0.1,
 * Debian's chromium driven by playwright-core (no browser download), a
 * notebook run with "Run All", the Vega chart drawn by JupyterLab's own
 * renderer and no cell showing an error. Screenshots go to test/artifacts/.
 * The copies run on the quick profile (injected as the reproduce job does):
 * this test is about what the page shows, and the standard profile's
 * training would make its time depend on the CPU (5 min on CIFAR-10).
 */
import assert from "node:assert/strict";
import * as fs from "node:fs";
import * as net from "node:net";
import * as os from "node:os";
import * as path from "node:path";
import { after, before, describe, test } from "node:test";
import { Browser, Page } from "playwright-core";
import { RunningLab, startLab } from "../../lib/notebook/lab";
import { readNotebook, writeNotebook } from "../../lib/notebook/notebook-file";
import { injectParameters } from "../../lib/notebook/parameters";
import { launchChromium } from "../helpers/chromium";

const ROOT = path.resolve(__dirname, "..", "..");
const ARTIFACTS = path.join(ROOT, "test", "artifacts");
const NOTEBOOKS = ["00-environment.ipynb", "01-cifar10-teacher-student.ipynb"];
/** 00 has no profile parameter; 01 trains, so it runs on the quick profile. */
const PARAMETERS: Record<string, { profile?: string }> = { "01-cifar10-teacher-student.ipynb": { profile: "quick" } };

async function freePort(): Promise<number> {
  return await new Promise((resolve, reject) => {
    const server = net.createServer();
    server.listen(0, "127.0.0.1", () => {
      const port = (server.address() as net.AddressInfo).port;
      server.close(() => resolve(port));
    });
    server.on("error", reject);
  });
}

interface KernelView {
  status: string;
  connectionStatus: string;
}

interface JupyterApp {
  commands: { execute(id: string): Promise<unknown> };
  shell: { currentWidget: { sessionContext?: { isReady: boolean; session?: { kernel?: KernelView | null } | null } } | null };
}

type LabWindow = { jupyterapp?: JupyterApp };

/** True once the open notebook's kernel is connected and idle (the toolbar's indicator turns idle earlier). */
function kernelReady(): boolean {
  const context = (globalThis as unknown as LabWindow).jupyterapp?.shell.currentWidget?.sessionContext;
  const kernel = context?.session?.kernel;
  return Boolean(context?.isReady && kernel && kernel.connectionStatus === "connected" && kernel.status === "idle");
}

async function runAllCells(page: Page): Promise<void> {
  await page.waitForFunction(() => (globalThis as unknown as LabWindow).jupyterapp !== undefined, undefined, { timeout: 60_000 });
  await page.locator(".jp-Notebook").first().waitFor({ timeout: 60_000 });
  await page.waitForFunction(kernelReady, undefined, { timeout: 90_000 });
  // Fire and forget: the command's promise settles only when every cell has run.
  await page.evaluate(() => {
    void (globalThis as unknown as LabWindow).jupyterapp?.commands.execute("notebook:run-all-cells");
  });
}

describe("notebooks in JupyterLab (headless chromium)", () => {
  let lab: RunningLab;
  let browser: Browser;
  const token = `kdlab-test-${process.pid}`;

  before(async () => {
    fs.mkdirSync(ARTIFACTS, { recursive: true });
    // A copy, so JupyterLab's autosave never writes outputs into notebooks/ (the kernel runs at the project root either way).
    const notebookDir = fs.mkdtempSync(path.join(os.tmpdir(), "kdlab-lab-"));
    for (const notebook of NOTEBOOKS) {
      const source = path.join(ROOT, "notebooks", notebook);
      writeNotebook(path.join(notebookDir, notebook), injectParameters(readNotebook(source), PARAMETERS[notebook] ?? {}, source));
    }
    lab = await startLab({ port: await freePort(), token, notebookDir, extraArgs: ["--LabApp.expose_app_in_browser=True", "--ServerApp.disable_check_xsrf=True"] });
    browser = await launchChromium();
  });

  after(async () => {
    await browser?.close();
    await lab?.stop();
  });

  for (const notebook of NOTEBOOKS) {
    test(`${notebook}: Run All renders the Vega chart and shows no error`, async () => {
      const page = await browser.newPage({ viewport: { width: 1280, height: 1600 } });
      const base = lab.url.replace(/\/lab\?token=.*/, "");
      fs.rmSync(path.join(ARTIFACTS, `jupyterlab-${notebook.replace(/\.ipynb$/, "")}-failure.png`), { force: true });
      const step = (what: string) => console.error(`[browser test] ${what}`);
      step("open notebook");
      await page.goto(`${base}/lab/tree/${notebook}?token=${token}&reset`, { waitUntil: "domcontentloaded" });
      // JupyterLab's Vega renderer draws into its own output area as SVG or canvas.
      const chart = page.locator(".jp-OutputArea-output .vega-embed :is(svg, canvas)").first();
      try {
        await runAllCells(page);
        step("ran all cells");
        await chart.waitFor({ timeout: 300_000 });
        await page.locator("table.kdlab-results").first().waitFor({ timeout: 300_000 });
        await page.waitForFunction(kernelReady, undefined, { timeout: 60_000 });
        step("chart and results shown");
        const box = await chart.boundingBox();
        assert.ok(box && box.width > 100 && box.height > 100, `the chart is drawn at a visible size (${JSON.stringify(box)})`);
        const stderr = await page.locator('.jp-OutputArea-output[data-mime-type="application/vnd.jupyter.stderr"]').allInnerTexts();
        const errors = stderr.filter((text) => /\w*Error\b|^\d+:\d+ - /m.test(text));
        assert.deepEqual(errors, [], "no cell shows an error");
        const outputText = await page.locator(".jp-OutputArea-output").allInnerTexts();
        assert.ok(outputText.some((t) => /native (CPU|GPU)/.test(t)), "the backend line shows native TensorFlow");
      } catch (error) {
        await page.screenshot({ path: path.join(ARTIFACTS, `jupyterlab-${notebook.replace(/\.ipynb$/, "")}-failure.png`), fullPage: true });
        throw error;
      }
      const newsPrompt = page.getByRole("button", { name: "No", exact: true });
      if (await newsPrompt.isVisible()) await newsPrompt.click();
      await chart.scrollIntoViewIfNeeded();
      const file = path.join(ARTIFACTS, `jupyterlab-${notebook.replace(/\.ipynb$/, "")}.png`);
      await page.screenshot({ path: file, fullPage: true });
      assert.ok(fs.statSync(file).size > 10_000, "a screenshot was written");
      await page.close();
    });
  }
});
