/**
 * Reliability diagram: for each confidence bin, how often the model was
 * right against how sure it was. A calibrated model lies on the diagonal.
 * Each model's expected calibration error (ECE) is in its legend label.
 */
import { VegaLiteSpec } from "../svg";
import { checkCount, checkDistinct, checkFraction, checkNonEmpty, ChartTitleOptions, palette, titleOf } from "./base";
import { unitSquareChart } from "./unit-square";

export interface CalibrationBin {
  /** Mean top-class probability of the images in the bin. */
  confidence: number;
  /** Fraction of those images classified correctly. */
  accuracy: number;
  /** Images in the bin. */
  count: number;
}

export interface CalibrationInput {
  name: string;
  bins: readonly CalibrationBin[];
}

export interface CalibrationChartOptions extends ChartTitleOptions {
  size?: number;
}

const BUILDER = "calibrationChart";

/**
 * Equal-width bins of the top-class probability, as lib/distill/metrics.ts's
 * expectedCalibrationError uses: [0, 1/B), …, [(B−1)/B, 1]. Empty bins are left out.
 * `probabilities` is [n × numClasses] row-major; labels are class ids.
 */
export function reliabilityBins(probabilities: ArrayLike<number>, labels: ArrayLike<number>, numClasses: number, binCount = 10): CalibrationBin[] {
  if (probabilities.length !== labels.length * numClasses) {
    throw new Error(`reliabilityBins: ${probabilities.length} probabilities for ${labels.length} labels × ${numClasses} classes`);
  }
  const count = new Array<number>(binCount).fill(0);
  const confidenceSum = new Array<number>(binCount).fill(0);
  const correct = new Array<number>(binCount).fill(0);
  for (let i = 0; i < labels.length; i++) {
    let predicted = 0;
    for (let c = 1; c < numClasses; c++) if (probabilities[i * numClasses + c] > probabilities[i * numClasses + predicted]) predicted = c;
    const confidence = probabilities[i * numClasses + predicted];
    const bin = Math.min(binCount - 1, Math.floor(confidence * binCount));
    count[bin]++;
    confidenceSum[bin] += confidence;
    if (predicted === labels[i]) correct[bin]++;
  }
  const bins: CalibrationBin[] = [];
  for (let b = 0; b < binCount; b++) {
    if (count[b] > 0) bins.push({ confidence: confidenceSum[b] / count[b], accuracy: correct[b] / count[b], count: count[b] });
  }
  return bins;
}

/** Σ (n_b / n)·|accuracy_b − confidence_b|: the expected calibration error the bins imply. */
export function calibrationErrorOf(bins: readonly CalibrationBin[]): number {
  const total = bins.reduce((sum, bin) => sum + bin.count, 0);
  if (total === 0) return 0;
  return bins.reduce((sum, bin) => sum + (bin.count / total) * Math.abs(bin.accuracy - bin.confidence), 0);
}

export function calibrationChart(models: readonly CalibrationInput[], options: CalibrationChartOptions = {}): VegaLiteSpec {
  checkNonEmpty(models, BUILDER, "models");
  checkDistinct(models.map((m) => m.name), BUILDER, "models");
  const labels = models.map((model) => {
    checkNonEmpty(model.bins, BUILDER, `bins of "${model.name}"`);
    return `${model.name} (ECE = ${calibrationErrorOf(model.bins).toFixed(3)})`;
  });
  const rows = models.flatMap((model, m) =>
    model.bins.map((bin, b) => ({
      model: labels[m],
      confidence: checkFraction(bin.confidence, BUILDER, `"${model.name}" bin ${b} confidence`),
      accuracy: checkFraction(bin.accuracy, BUILDER, `"${model.name}" bin ${b} accuracy`),
      count: checkCount(bin.count, BUILDER, `"${model.name}" bin ${b} count`),
    })),
  );
  const color = { field: "model", type: "nominal", title: "model", scale: { domain: labels, range: palette(labels.length) }, legend: { labelLimit: 320 } };
  return unitSquareChart({
    title: titleOf("Calibration (reliability diagram)", options),
    size: options.size ?? 320,
    x: { field: "confidence", title: "confidence (mean top-class probability)" },
    y: { field: "accuracy", title: "accuracy (fraction correct)" },
    diagonal: { text: "perfect calibration", at: 0.2, side: "above" },
    layers: (x, y) => [
      {
        data: { values: rows },
        layer: [
          { mark: { type: "line", strokeWidth: 2 }, encoding: { x, y, color } },
          {
            mark: { type: "point", filled: true, opacity: 0.85 },
            encoding: {
              x,
              y,
              color,
              size: { field: "count", type: "quantitative", title: "images in bin", scale: { range: [30, 300] } },
              tooltip: [{ field: "model" }, { field: "confidence", format: ".3f" }, { field: "accuracy", format: ".3f" }, { field: "count" }],
            },
          },
        ],
      },
    ],
  });
}
