/** Small, deterministic inputs for the chart tests. */
import type { EpochRecord } from "../../lib/distill/history";
import type { SampleImage } from "../../lib/report/charts";

/** A history shaped like the trainer's, with curves that move the way training does. */
export function fakeHistory(epochs: number, start: number): EpochRecord[] {
  return Array.from({ length: epochs }, (_, i) => {
    const progress = 1 - Math.exp(-(i + 1) / 3);
    return {
      epoch: i + 1,
      lr: 0.001,
      seconds: 1,
      loss: 2.3 - 1.5 * progress + start,
      accuracy: 0.1 + 0.75 * progress - start / 4,
      val_loss: 2.35 - 1.3 * progress + start,
      val_accuracy: 0.1 + 0.7 * progress - start / 4,
    };
  });
}

/** A gradient image (grayscale or RGB) whose pixel pattern depends on `seed`. */
export function gradientImage(width: number, height: number, channels: 1 | 3, seed: number, trueLabel: string, predictedLabel?: string): SampleImage {
  const pixels = new Uint8Array(width * height * channels);
  for (let y = 0; y < height; y++) {
    for (let x = 0; x < width; x++) {
      for (let c = 0; c < channels; c++) {
        pixels[(y * width + x) * channels + c] = (x * 7 + y * 3 * (c + 1) + seed * 40) % 256;
      }
    }
  }
  return { pixels, width, height, trueLabel, predictedLabel };
}

/** A concave ROC curve with the given shape; points from (0,0) to (1,1). */
export function rocPoints(power: number): { fpr: number; tpr: number }[] {
  return Array.from({ length: 21 }, (_, i) => ({ fpr: i / 20, tpr: Math.pow(i / 20, power) }));
}
