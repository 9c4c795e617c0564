/**
 * Grad-CAM charts. The panel shows each X-ray beside the teacher's and the
 * student's heatmaps over it, one row per image, with the labels and the two
 * maps' agreement; heatmaps are blended onto the X-ray in JavaScript and
 * embedded as PNG data URLs (sharp), like the sample grid, so the panel lives
 * inside the spec and the SVG. Viridis is the colour map (colour-blind safe);
 * a colour bar under the panel gives its scale. The agreement chart shows
 * Pearson r and top-region IoU per image against the IoU of chance.
 */
import { VegaLiteSpec } from "../svg";
import { asSpec, checkFinite, checkFraction, checkNonEmpty, ChartTitleOptions, OKABE_ITO, REFERENCE_GREY, SCHEMA, titleOf } from "./base";
import { imageDataUrl } from "./sample-grid";

export interface GradCamPanelRow {
  /** The X-ray, row-major values in [0, 1]: grayscale (1 channel) or RGB (3, interleaved). */
  image: ArrayLike<number>;
  width: number;
  height: number;
  /** Heatmaps in [0, 1], width × height each. */
  teacher: ArrayLike<number>;
  student: ArrayLike<number>;
  trueLabel: string;
  teacherLabel: string;
  studentLabel: string;
  /** The probability each model gave its predicted class. */
  teacherProbability?: number;
  studentProbability?: number;
  /** NaN values (a blank map) show as n/a. */
  agreement?: { pearson: number; topIoU: number };
}

export interface GradCamPanelOptions extends ChartTitleOptions {
  /** Displayed side of each image in pixels (default 128). */
  imageSize?: number;
}

const BUILDER = "gradCamPanel";
const GAP = 12;
const HEADER = 20;
const LINE = 15;
const CAPTION_WIDTH = 230;
const COLOUR_BAR = { height: 12, width: 180, steps: 40, gap: 18 };

/** Viridis at 0, 1/8, …, 1 (matplotlib's), the same map as Vega's "viridis" scheme. */
const VIRIDIS = ["#440154", "#472d7b", "#3b528b", "#2c728e", "#21918c", "#28ae80", "#5ec962", "#addc30", "#fde725"].map((hex) => [1, 3, 5].map((i) => parseInt(hex.slice(i, i + 2), 16)));

export function viridis(value: number): [number, number, number] {
  const t = Math.min(1, Math.max(0, value)) * (VIRIDIS.length - 1);
  const low = Math.min(VIRIDIS.length - 2, Math.floor(t));
  const f = t - low;
  return [0, 1, 2].map((c) => VIRIDIS[low][c] * (1 - f) + VIRIDIS[low + 1][c] * f) as [number, number, number];
}

function grayOf(row: GradCamPanelRow, index: number): Float32Array {
  const pixels = row.width * row.height;
  const channels = row.image.length / pixels;
  if (!Number.isInteger(row.width) || !Number.isInteger(row.height) || row.width <= 0 || row.height <= 0) throw new Error(`${BUILDER}: image ${index} has size ${row.width}×${row.height}`);
  if (channels !== 1 && channels !== 3) throw new Error(`${BUILDER}: image ${index} has ${row.image.length} values for ${row.width}×${row.height} pixels; expected 1 (grayscale) or 3 (RGB) per pixel`);
  const gray = new Float32Array(pixels);
  for (let p = 0; p < pixels; p++) {
    let sum = 0;
    for (let c = 0; c < channels; c++) sum += row.image[p * channels + c];
    gray[p] = checkFraction(sum / channels, BUILDER, `image ${index} pixel ${p} (values must be in [0, 1])`);
  }
  return gray;
}

/** The X-ray with the heatmap blended on: more colour where the map is hotter, so cold regions still show the X-ray. */
export function heatmapOverlay(gray: ArrayLike<number>, heatmap: ArrayLike<number>, what = "heatmap"): Uint8Array {
  if (heatmap.length !== gray.length) throw new Error(`${BUILDER}: ${what} has ${heatmap.length} values for an image of ${gray.length} pixels`);
  const rgb = new Uint8Array(gray.length * 3);
  for (let p = 0; p < gray.length; p++) {
    const h = checkFraction(heatmap[p], BUILDER, `${what} value ${p}`);
    const alpha = 0.25 + 0.55 * h;
    const colour = viridis(h);
    for (let c = 0; c < 3; c++) rgb[p * 3 + c] = Math.round((1 - alpha) * 255 * gray[p] + alpha * colour[c]);
  }
  return rgb;
}

const label = (name: string, text: string, probability?: number): string => `${name}: ${text}${probability === undefined ? "" : ` (${(100 * probability).toFixed(0)} %)`}`;

export async function gradCamPanel(rows: readonly GradCamPanelRow[], options: GradCamPanelOptions = {}): Promise<VegaLiteSpec> {
  checkNonEmpty(rows, BUILDER, "rows");
  const size = options.imageSize ?? 128;
  const cell = size + GAP;
  const images: Record<string, unknown>[] = [];
  const texts: { x: number; y: number; text: string; align: string; weight: string }[] = [];
  const headers = ["X-ray", "teacher Grad-CAM", "student Grad-CAM"];
  headers.forEach((text, column) => texts.push({ x: column * cell + size / 2, y: 0, text, align: "center", weight: "bold" }));
  await Promise.all(
    rows.map(async (row, index) => {
      const gray = grayOf(row, index);
      const top = HEADER + index * cell;
      const grayBytes = Uint8Array.from(gray, (g) => Math.round(255 * g));
      const pictures = [
        { pixels: grayBytes, what: "X-ray" },
        { pixels: heatmapOverlay(gray, row.teacher, `image ${index} teacher heatmap`), what: "teacher" },
        { pixels: heatmapOverlay(gray, row.student, `image ${index} student heatmap`), what: "student" },
      ];
      const urls = await Promise.all(pictures.map((p) => imageDataUrl({ pixels: p.pixels, width: row.width, height: row.height, trueLabel: row.trueLabel }, size, index)));
      urls.forEach((url, column) => images.push({ url, x: column * cell, y: top, description: `image ${index + 1}, ${pictures[column].what}, true ${row.trueLabel}` }));
      const captionX = 3 * cell;
      const lines = [
        { text: `image ${index + 1} · true: ${row.trueLabel}`, weight: "bold" },
        { text: label("teacher", row.teacherLabel, row.teacherProbability), weight: "normal" },
        { text: label("student", row.studentLabel, row.studentProbability), weight: "normal" },
      ];
      if (row.agreement) {
        const { pearson, topIoU } = row.agreement;
        // NaN: one of the maps is blank (no positive evidence anywhere), so there is nothing to compare.
        const show = (value: number, what: string): string => (Number.isNaN(value) ? "n/a" : checkFinite(value, BUILDER, `image ${index} ${what}`).toFixed(2));
        lines.push({ text: `agreement: r = ${show(pearson, "Pearson r")}, top-20 % IoU = ${show(topIoU, "IoU")}`, weight: "normal" });
      }
      lines.forEach((line, k) => texts.push({ x: captionX, y: top + 4 + k * LINE, text: line.text, align: "left", weight: line.weight }));
    }),
  );
  const barTop = HEADER + rows.length * cell + 4;
  const barLeft = cell;
  const step = COLOUR_BAR.width / COLOUR_BAR.steps;
  const bar = Array.from({ length: COLOUR_BAR.steps }, (_, i) => ({ x: barLeft + i * step, x2: barLeft + (i + 1) * step, y: barTop, y2: barTop + COLOUR_BAR.height, heat: (i + 0.5) / COLOUR_BAR.steps }));
  texts.push({ x: barLeft - 6, y: barTop, text: "Grad-CAM 0", align: "right", weight: "normal" });
  texts.push({ x: barLeft + COLOUR_BAR.width + 6, y: barTop, text: "1 (most evidence for the class explained)", align: "left", weight: "normal" });
  const pixel = (field: string): Record<string, unknown> => ({ field, type: "quantitative", scale: null, axis: null });
  return asSpec({
    $schema: SCHEMA,
    title: titleOf("Where teacher and student look: Grad-CAM over the same X-rays", options),
    width: 3 * cell + CAPTION_WIDTH,
    height: barTop + COLOUR_BAR.height,
    layer: [
      {
        data: { values: images },
        mark: { type: "image", width: size, height: size, align: "left", baseline: "top", aspect: true },
        encoding: { x: pixel("x"), y: pixel("y"), url: { field: "url", type: "nominal" }, description: { field: "description" } },
      },
      // Vega-Lite has no align or weight channel: one text layer per style.
      ...[...new Set(texts.map((t) => `${t.align}/${t.weight}`))].map((style) => {
        const [align, fontWeight] = style.split("/");
        return {
          data: { values: texts.filter((t) => `${t.align}/${t.weight}` === style) },
          mark: { type: "text", baseline: "top", fontSize: 11, color: "black", align, fontWeight },
          encoding: { x: pixel("x"), y: pixel("y"), text: { field: "text" } },
        };
      }),
      {
        data: { values: bar },
        mark: { type: "rect" },
        encoding: { x: pixel("x"), x2: { field: "x2" }, y: pixel("y"), y2: { field: "y2" }, color: { field: "heat", type: "quantitative", scale: { scheme: "viridis", domain: [0, 1] }, legend: null } },
      },
    ],
    config: { view: { stroke: null } },
  });
}

export interface AgreementRow {
  image: string;
  pearson: number;
  topIoU: number;
}

export interface AgreementChartOptions extends ChartTitleOptions {
  /** The IoU two unrelated maps get by chance (drawn as a reference line). */
  chanceIoU?: number;
}

export function agreementChart(rows: readonly AgreementRow[], options: AgreementChartOptions = {}): VegaLiteSpec {
  const builder = "agreementChart";
  checkNonEmpty(rows, builder, "rows");
  const values = rows.flatMap((row, index) => [
    { image: row.image, order: index, measure: "Pearson r", value: checkFinite(row.pearson, builder, `${row.image} Pearson r`) },
    { image: row.image, order: index, measure: "top-20 % IoU", value: checkFraction(row.topIoU, builder, `${row.image} IoU`) },
  ]);
  const layers: Record<string, unknown>[] = [
    {
      mark: { type: "bar" },
      encoding: {
        x: { field: "image", type: "nominal", sort: { field: "order" }, title: "test image", axis: { labelAngle: 0 } },
        xOffset: { field: "measure", type: "nominal" },
        y: { field: "value", type: "quantitative", scale: { domain: [-1, 1] }, title: "agreement (teacher vs student map)" },
        color: { field: "measure", type: "nominal", title: "measure", scale: { domain: ["Pearson r", "top-20 % IoU"], range: [OKABE_ITO[0], OKABE_ITO[1]] } },
        tooltip: [{ field: "image" }, { field: "measure" }, { field: "value", format: ".2f" }],
      },
    },
    { data: { values: [{ y: 0 }] }, mark: { type: "rule", color: "black" }, encoding: { y: { field: "y", type: "quantitative" } } },
  ];
  if (options.chanceIoU !== undefined) {
    const chance = checkFraction(options.chanceIoU, builder, "chanceIoU");
    layers.push({
      data: { values: [{ y: chance, text: `IoU by chance (${chance.toFixed(2)})` }] },
      layer: [
        { mark: { type: "rule", color: REFERENCE_GREY, strokeDash: [4, 3] }, encoding: { y: { field: "y", type: "quantitative" } } },
        { mark: { type: "text", align: "left", baseline: "middle", dx: 4, x: "width", color: REFERENCE_GREY, fontSize: 10 }, encoding: { y: { field: "y", type: "quantitative" }, text: { field: "text" } } },
      ],
    });
  }
  return asSpec({
    $schema: SCHEMA,
    title: titleOf("Agreement between teacher and student Grad-CAM, per image", options),
    width: Math.max(240, 60 * rows.length),
    height: 220,
    data: { values },
    layer: layers,
  });
}
