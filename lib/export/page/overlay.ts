/// <reference lib="dom" />
/**
 * Drawing the page's two pictures: the image as given, and the same image
 * with its Grad-CAM heatmap laid over it. The heatmap (values in [0, 1] at
 * the model's input size) is coloured with a perceptually ordered ramp
 * (dark blue → teal → yellow → red, "turbo"-like), drawn more opaque where
 * the evidence is stronger, and stretched smoothly over the picture.
 */

/** Colour stops of the ramp: [position, r, g, b]. */
const RAMP: [number, number, number, number][] = [
  [0, 48, 18, 59],
  [0.25, 37, 131, 238],
  [0.5, 26, 228, 182],
  [0.75, 250, 186, 57],
  [1, 180, 4, 38],
];

export function rampColour(value: number): [number, number, number] {
  const v = Math.min(1, Math.max(0, value));
  for (let i = 1; i < RAMP.length; i++) {
    const [p1, r1, g1, b1] = RAMP[i];
    const [p0, r0, g0, b0] = RAMP[i - 1];
    if (v <= p1) {
      const t = (v - p0) / (p1 - p0);
      return [Math.round(r0 + t * (r1 - r0)), Math.round(g0 + t * (g1 - g0)), Math.round(b0 + t * (b1 - b0))];
    }
  }
  return [RAMP[RAMP.length - 1][1], RAMP[RAMP.length - 1][2], RAMP[RAMP.length - 1][3]];
}

/** Fits `target` to the picture's aspect ratio within `maxSide` pixels and draws the picture into it. */
export function drawPicture(target: HTMLCanvasElement, picture: HTMLCanvasElement, maxSide: number): void {
  const scale = maxSide / Math.max(picture.width, picture.height);
  target.width = Math.max(1, Math.round(picture.width * scale));
  target.height = Math.max(1, Math.round(picture.height * scale));
  const ctx = target.getContext("2d");
  if (!ctx) throw new Error("this browser gives no 2D canvas");
  ctx.imageSmoothingEnabled = true;
  ctx.imageSmoothingQuality = "high";
  ctx.drawImage(picture, 0, 0, target.width, target.height);
}

/** The picture with the heatmap (size·size values, row-major) over it. */
export function drawOverlay(target: HTMLCanvasElement, picture: HTMLCanvasElement, heatmap: ArrayLike<number>, size: number, maxSide: number): void {
  drawPicture(target, picture, maxSide);
  const heat = document.createElement("canvas");
  heat.width = size;
  heat.height = size;
  const heatCtx = heat.getContext("2d");
  const ctx = target.getContext("2d");
  if (!heatCtx || !ctx) throw new Error("this browser gives no 2D canvas");
  const pixels = heatCtx.createImageData(size, size);
  for (let i = 0; i < size * size; i++) {
    const [r, g, b] = rampColour(heatmap[i]);
    pixels.data.set([r, g, b, Math.round(255 * (0.1 + 0.55 * Math.min(1, Math.max(0, heatmap[i]))))], 4 * i);
  }
  heatCtx.putImageData(pixels, 0, 0);
  ctx.imageSmoothingEnabled = true;
  ctx.imageSmoothingQuality = "high";
  ctx.drawImage(heat, 0, 0, target.width, target.height);
}

/** A horizontal legend of the ramp, low to high. */
export function drawLegend(target: HTMLCanvasElement): void {
  const ctx = target.getContext("2d");
  if (!ctx) return;
  for (let x = 0; x < target.width; x++) {
    const [r, g, b] = rampColour(x / Math.max(1, target.width - 1));
    ctx.fillStyle = `rgb(${r}, ${g}, ${b})`;
    ctx.fillRect(x, 0, 1, target.height);
  }
}
