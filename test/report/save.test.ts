/** saveChart writes a well-formed SVG and a real PNG of the expected size; every example chart is saved under test/artifacts/report/ for a person to look at. */
import assert from "node:assert/strict";
import * as fs from "node:fs";
import * as os from "node:os";
import * as path from "node:path";
import { describe, test } from "node:test";
import sharp from "sharp";
import { saveChart } from "../../lib/report/save";
import { chartExamples } from "./examples";
import { parseSvg } from "./svg-check";

const PNG_SIGNATURE = Buffer.from([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a]);
const ARTIFACTS = path.resolve(__dirname, "../artifacts/report");

async function checkPng(file: string, svgWidth: number, svgHeight: number, scale: number): Promise<void> {
  const bytes = fs.readFileSync(file);
  assert.ok(bytes.subarray(0, 8).equals(PNG_SIGNATURE), `${file} does not start with the PNG signature`);
  const meta = await sharp(bytes).metadata();
  assert.equal(meta.format, "png");
  assert.equal(meta.width, Math.round(svgWidth * scale), `${file} width`);
  assert.equal(meta.height, Math.round(svgHeight * scale), `${file} height`);
  // Not a blank image: a chart has both light background and dark ink.
  const stats = await sharp(bytes).stats();
  assert.ok(stats.channels[0].min < 100 && stats.channels[0].max > 200, `${file} looks blank`);
}

describe("saveChart", () => {
  test("every example chart saves as SVG and PNG (2× by default)", async () => {
    for (const example of await chartExamples()) {
      const saved = await saveChart(example.spec, path.join(ARTIFACTS, example.name));
      assert.equal(saved.svg, path.join(ARTIFACTS, `${example.name}.svg`));
      assert.equal(saved.png, path.join(ARTIFACTS, `${example.name}.png`));
      const svg = parseSvg(fs.readFileSync(saved.svg, "utf8"));
      await checkPng(saved.png, Number(svg.width), Number(svg.height), 2);
    }
  });

  test("scale sets the PNG size, png: false writes only the SVG, folders are created", async () => {
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), "kdlab-save-"));
    try {
      const [example] = await chartExamples();
      const scaled = await saveChart(example.spec, path.join(dir, "nested", "curves.svg"), { scale: 1 });
      assert.equal(scaled.svg, path.join(dir, "nested", "curves.svg"), "an .svg extension on the base path is not doubled");
      assert.ok(scaled.png);
      const svg = parseSvg(fs.readFileSync(scaled.svg, "utf8"));
      await checkPng(scaled.png, Number(svg.width), Number(svg.height), 1);

      const svgOnly = await saveChart(example.spec, path.join(dir, "only"), { png: false });
      assert.equal(svgOnly.png, undefined);
      assert.deepEqual(fs.readdirSync(dir).sort(), ["nested", "only.svg"]);
      await assert.rejects(saveChart(example.spec, path.join(dir, "bad"), { scale: 0 }), /scale must be a positive number, got 0/);
    } finally {
      fs.rmSync(dir, { recursive: true, force: true });
    }
  });
});
