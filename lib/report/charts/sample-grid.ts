/**
 * A grid of sample images with their true and (optionally) predicted labels.
 * Each image becomes a PNG data URL (encoded by sharp) shown by Vega-Lite's
 * image mark, so the grid lives inside the spec and inside the rendered SVG.
 */
import sharp from "sharp";
import { VegaLiteSpec } from "../svg";
import { asSpec, checkNonEmpty, ChartTitleOptions, OKABE_ITO, SCHEMA, titleOf } from "./base";

export interface SampleImage {
  /** Row-major pixels, 0–255: grayscale (1 channel), RGB (3) or RGBA (4), interleaved. */
  pixels: Uint8Array | Uint8ClampedArray | readonly number[];
  width: number;
  height: number;
  trueLabel: string | number;
  predictedLabel?: string | number;
}

export interface SampleGridOptions extends ChartTitleOptions {
  /** Images per row (default: up to 8). */
  columns?: number;
  /** Displayed side of each image in pixels (default 96). */
  imageSize?: number;
}

const BUILDER = "sampleGrid";
const OUTCOME_COLOURS = { correct: OKABE_ITO[2], wrong: OKABE_ITO[3] };
const LINE_HEIGHT = 14;
const GAP = 10;
const FONT_SIZE = 11;

function pixelBytes(image: SampleImage, index: number): { bytes: Uint8Array; channels: 1 | 3 | 4 } {
  const { width, height, pixels } = image;
  if (!Number.isInteger(width) || !Number.isInteger(height) || width <= 0 || height <= 0) {
    throw new Error(`${BUILDER}: image ${index} has size ${width}×${height}; width and height must be positive integers`);
  }
  const channels = pixels.length / (width * height);
  if (channels !== 1 && channels !== 3 && channels !== 4) {
    throw new Error(`${BUILDER}: image ${index} has ${pixels.length} values for ${width}×${height} pixels; expected 1 (grayscale), 3 (RGB) or 4 (RGBA) per pixel`);
  }
  if (pixels instanceof Uint8Array || pixels instanceof Uint8ClampedArray) return { bytes: new Uint8Array(pixels.buffer, pixels.byteOffset, pixels.length), channels };
  let fractional = false;
  let max = 0;
  for (const value of pixels) {
    if (!Number.isFinite(value) || value < 0 || value > 255) throw new Error(`${BUILDER}: image ${index} has pixel value ${value}; values must lie in [0, 255]`);
    if (!Number.isInteger(value)) fractional = true;
    if (value > max) max = value;
  }
  if (fractional && max <= 1) throw new Error(`${BUILDER}: image ${index} looks scaled to [0, 1]; multiply by 255 first`);
  return { bytes: Uint8Array.from(pixels, (value) => Math.round(value)), channels };
}

/** A PNG data URL of the image; small images are enlarged with nearest-neighbour so pixels stay sharp in every renderer. */
export async function imageDataUrl(image: SampleImage, displaySize = 96, index = 0): Promise<string> {
  const { bytes, channels } = pixelBytes(image, index);
  let pipeline = sharp(Buffer.from(bytes.buffer, bytes.byteOffset, bytes.length), { raw: { width: image.width, height: image.height, channels } });
  const factor = Math.floor(displaySize / Math.max(image.width, image.height));
  if (factor >= 2) pipeline = pipeline.resize(image.width * factor, image.height * factor, { kernel: "nearest" });
  // Keep grayscale as one channel: a third of the bytes in every notebook and report.
  if (channels === 1) pipeline = pipeline.toColourspace("b-w");
  const png = await pipeline.png().toBuffer();
  return `data:image/png;base64,${png.toString("base64")}`;
}

export async function sampleGrid(images: readonly SampleImage[], options: SampleGridOptions = {}): Promise<VegaLiteSpec> {
  checkNonEmpty(images, BUILDER, "images");
  const size = options.imageSize ?? 96;
  const columns = Math.max(1, Math.min(options.columns ?? 8, images.length));
  const rowsOfGrid = Math.ceil(images.length / columns);
  const withPredictions = images.some((image) => image.predictedLabel !== undefined);
  const captionLines = withPredictions ? 2 : 1;
  // Wide enough for the longest caption (≈0.62 em per character), so labels are never cut.
  const longestCaption = Math.max(...images.map((image) => Math.max(`true: ${image.trueLabel}`.length, `pred: ${image.predictedLabel ?? ""}`.length)));
  const cellWidth = Math.max(size, Math.ceil(0.62 * FONT_SIZE * longestCaption)) + GAP;
  const cellHeight = size + captionLines * LINE_HEIGHT + GAP;
  const urls = await Promise.all(images.map((image, index) => imageDataUrl(image, size, index)));
  const values = images.map((image, index) => {
    const left = (index % columns) * cellWidth + (cellWidth - GAP - size) / 2;
    const top = Math.floor(index / columns) * cellHeight;
    const predicted = image.predictedLabel;
    const outcome = predicted === undefined ? null : String(predicted) === String(image.trueLabel) ? "correct" : "wrong";
    return {
      url: urls[index],
      left,
      top,
      centre: left + size / 2,
      trueTop: top + size + 2,
      predictedTop: top + size + 2 + LINE_HEIGHT,
      trueText: `true: ${image.trueLabel}`,
      predictedText: predicted === undefined ? "" : `pred: ${predicted}`,
      outcome,
      description: `image ${index + 1}: true ${image.trueLabel}${predicted === undefined ? "" : `, predicted ${predicted}`}`,
    };
  });
  // Positions are computed here in pixels (scale: null), so the layout does not depend on Vega's band scales.
  const pixel = (field: string): Record<string, unknown> => ({ field, type: "quantitative", scale: null, axis: null });
  const layers: Record<string, unknown>[] = [
    {
      mark: { type: "image", width: size, height: size, align: "left", baseline: "top", aspect: true },
      encoding: { x: pixel("left"), y: pixel("top"), url: { field: "url", type: "nominal" }, description: { field: "description" } },
    },
    {
      mark: { type: "text", align: "center", baseline: "top", fontSize: FONT_SIZE, color: "black" },
      encoding: { x: pixel("centre"), y: pixel("trueTop"), text: { field: "trueText" } },
    },
  ];
  if (withPredictions) {
    layers.push({
      mark: { type: "text", align: "center", baseline: "top", fontSize: FONT_SIZE, fontWeight: "bold" },
      encoding: {
        x: pixel("centre"),
        y: pixel("predictedTop"),
        text: { field: "predictedText" },
        color: { field: "outcome", type: "nominal", title: "prediction", scale: { domain: ["correct", "wrong"], range: [OUTCOME_COLOURS.correct, OUTCOME_COLOURS.wrong] } },
      },
    });
  }
  return asSpec({
    $schema: SCHEMA,
    title: titleOf(withPredictions ? "Sample images: true and predicted labels" : "Sample images", options),
    width: columns * cellWidth - GAP,
    height: rowsOfGrid * cellHeight - GAP,
    data: { values },
    layer: layers,
    config: { view: { stroke: null } },
  });
}
