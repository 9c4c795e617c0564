/** Saves a chart as files: an SVG rendered by vega in Node, and a PNG rasterised from that SVG by sharp. */
import * as fs from "node:fs";
import * as path from "node:path";
import sharp from "sharp";
import { renderSvg, VegaLiteSpec } from "./svg";

export interface SaveChartOptions {
  /** Also write a PNG (default true). */
  png?: boolean;
  /** PNG pixels per SVG pixel (default 2, sharp for slides and high-DPI screens). */
  scale?: number;
}

export interface SavedChart {
  svg: string;
  png?: string;
}

/** Rasterises an SVG string to PNG bytes at `scale` × its own size. */
export async function svgToPng(svg: string, scale = 2): Promise<Buffer> {
  if (!Number.isFinite(scale) || scale <= 0) throw new Error(`svgToPng: scale must be a positive number, got ${scale}`);
  // sharp reads SVG at 72 dpi by default; the density sets the rasterisation scale.
  return sharp(Buffer.from(svg), { density: 72 * scale }).png().toBuffer();
}

/** Writes `<basePath>.svg` (and `<basePath>.png`), creating folders; returns the paths written. */
export async function saveChart(spec: VegaLiteSpec, basePath: string, options: SaveChartOptions = {}): Promise<SavedChart> {
  const base = basePath.replace(/\.(svg|png)$/i, "");
  fs.mkdirSync(path.dirname(path.resolve(base)), { recursive: true });
  const svg = await renderSvg(spec);
  const saved: SavedChart = { svg: `${base}.svg` };
  fs.writeFileSync(saved.svg, svg);
  if (options.png ?? true) {
    saved.png = `${base}.png`;
    fs.writeFileSync(saved.png, await svgToPng(svg, options.scale ?? 2));
  }
  return saved;
}
