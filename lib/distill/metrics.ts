/**
 * Test-set metrics, in plain JavaScript over predicted probabilities:
 * confusion matrix, accuracy, sensitivity (recall of the positive class —
 * PNEUMONIA = 1 in the chest X-ray data), specificity, precision, F1, ROC
 * curve and tie-aware AUC, expected calibration error, per-class accuracy;
 * and a decision threshold chosen on one split's ROC (Youden's J) applied
 * to another's.
 */

/** counts[true][predicted]. */
export type ConfusionMatrix = number[][];

export interface BinaryMetrics {
  accuracy: number;
  /** TP / (TP + FN): recall of the positive class. */
  sensitivity: number;
  /** TN / (TN + FP). */
  specificity: number;
  /** TP / (TP + FP). */
  precision: number;
  f1: number;
  tp: number;
  fp: number;
  tn: number;
  fn: number;
}

export interface RocPoint {
  /** Scores ≥ threshold are called positive. */
  threshold: number;
  fpr: number;
  tpr: number;
}

export interface RocCurve {
  points: RocPoint[];
  auc: number;
}

export interface ClassificationReport {
  numClasses: number;
  count: number;
  accuracy: number;
  confusion: ConfusionMatrix;
  perClassAccuracy: number[];
  ece: number;
  /** Two-class problems only: metrics for `positiveClass`, ROC from its probability. */
  binary?: BinaryMetrics & { positiveClass: number; auc: number; roc: RocPoint[] };
}

function ratio(numerator: number, denominator: number): number {
  return denominator === 0 ? NaN : numerator / denominator;
}

function checkClassId(value: number, numClasses: number, what: string, index: number): void {
  if (!Number.isInteger(value) || value < 0 || value >= numClasses) {
    throw new Error(`${what} ${value} at index ${index} is not a class id in [0, ${numClasses})`);
  }
}

export function argmaxRows(probabilities: ArrayLike<number>, numClasses: number): Int32Array {
  const n = probabilities.length / numClasses;
  if (!Number.isInteger(n)) throw new Error(`${probabilities.length} probabilities is not a multiple of ${numClasses} classes`);
  const out = new Int32Array(n);
  for (let i = 0; i < n; i++) {
    let best = 0;
    for (let c = 1; c < numClasses; c++) if (probabilities[i * numClasses + c] > probabilities[i * numClasses + best]) best = c;
    out[i] = best;
  }
  return out;
}

export function confusionMatrix(labels: ArrayLike<number>, predictions: ArrayLike<number>, numClasses: number): ConfusionMatrix {
  if (labels.length !== predictions.length) throw new Error(`confusionMatrix: ${labels.length} labels but ${predictions.length} predictions`);
  const matrix = Array.from({ length: numClasses }, () => new Array<number>(numClasses).fill(0));
  for (let i = 0; i < labels.length; i++) {
    checkClassId(labels[i], numClasses, "label", i);
    checkClassId(predictions[i], numClasses, "prediction", i);
    matrix[labels[i]][predictions[i]] += 1;
  }
  return matrix;
}

export function accuracyOf(matrix: ConfusionMatrix): number {
  let correct = 0;
  let total = 0;
  matrix.forEach((row, i) => row.forEach((count, j) => {
    total += count;
    if (i === j) correct += count;
  }));
  return ratio(correct, total);
}

/** Fraction of each true class predicted correctly (recall per class). */
export function perClassAccuracy(matrix: ConfusionMatrix): number[] {
  return matrix.map((row, i) => ratio(row[i], row.reduce((a, b) => a + b, 0)));
}

/** Metrics of a 2×2 confusion matrix with `positiveClass` as positive. */
export function binaryMetrics(matrix: ConfusionMatrix, positiveClass = 1): BinaryMetrics {
  if (matrix.length !== 2) throw new Error(`binaryMetrics needs a 2×2 confusion matrix, got ${matrix.length}×${matrix.length}`);
  const p = positiveClass;
  const q = 1 - p;
  const tp = matrix[p][p];
  const fn = matrix[p][q];
  const fp = matrix[q][p];
  const tn = matrix[q][q];
  const precision = ratio(tp, tp + fp);
  const sensitivity = ratio(tp, tp + fn);
  return {
    accuracy: ratio(tp + tn, tp + tn + fp + fn),
    sensitivity,
    specificity: ratio(tn, tn + fp),
    precision,
    f1: ratio(2 * tp, 2 * tp + fp + fn),
    tp,
    fp,
    tn,
    fn,
  };
}

/**
 * ROC curve from positive-class scores. Equal scores form one threshold (one
 * diagonal step), so the trapezoidal AUC counts a tied positive/negative pair
 * as ½ — the Mann–Whitney statistic. NaN AUC if a class is absent.
 */
export function rocCurve(scores: ArrayLike<number>, isPositive: ArrayLike<boolean | number>): RocCurve {
  if (scores.length !== isPositive.length) throw new Error(`rocCurve: ${scores.length} scores but ${isPositive.length} labels`);
  const order = Array.from({ length: scores.length }, (_, i) => i);
  for (const i of order) if (Number.isNaN(scores[i])) throw new Error(`rocCurve: score at index ${i} is NaN`);
  order.sort((a, b) => scores[b] - scores[a]);
  let positives = 0;
  for (let i = 0; i < isPositive.length; i++) if (isPositive[i]) positives++;
  const negatives = isPositive.length - positives;
  const points: RocPoint[] = [{ threshold: Infinity, fpr: 0, tpr: 0 }];
  let tp = 0;
  let fp = 0;
  let auc = 0;
  for (let k = 0; k < order.length; ) {
    const threshold = scores[order[k]];
    const [tpBefore, fpBefore] = [tp, fp];
    while (k < order.length && scores[order[k]] === threshold) {
      if (isPositive[order[k]]) tp++;
      else fp++;
      k++;
    }
    auc += ((fp - fpBefore) * (tp + tpBefore)) / 2;
    points.push({ threshold, fpr: ratio(fp, negatives), tpr: ratio(tp, positives) });
  }
  return { points, auc: ratio(auc, positives * negatives) };
}

/** A threshold on the positive class's probability, and the split's J = sensitivity + specificity − 1 there. */
export interface ThresholdChoice {
  threshold: number;
  youdenJ: number;
}

/**
 * The ROC point's threshold with the largest Youden's J (tpr − fpr, the
 * balanced accuracy's 2·BA − 1); the higher threshold wins a tie. The
 * all-negative point (threshold ∞) is a candidate only if nothing beats it.
 */
export function youdenThreshold(roc: readonly RocPoint[]): ThresholdChoice {
  if (roc.some((point) => !Number.isFinite(point.tpr - point.fpr))) throw new Error("youdenThreshold: the ROC has undefined rates (a class is absent from the split)");
  let best: ThresholdChoice | undefined;
  for (const point of roc) {
    const j = point.tpr - point.fpr;
    // Rates are ratios of counts, so equal J can differ in the last bit (2/3 vs 1 − 1/3): a tie is within 1e-12.
    if (!best || j > best.youdenJ + 1e-12) best = { threshold: point.threshold, youdenJ: j };
  }
  if (!best) throw new Error("youdenThreshold: the ROC has no points");
  return best;
}

export interface ThresholdMetrics {
  threshold: number;
  accuracy: number;
  sensitivity: number;
  specificity: number;
  /** (sensitivity + specificity) / 2. */
  balancedAccuracy: number;
}

/**
 * Metrics of "positive when score ≥ threshold" on the split whose ROC is
 * `roc` (positives and negatives counted from its labels): the ROC point
 * with the smallest threshold ≥ the given one holds exactly those calls.
 */
export function metricsAtThreshold(roc: readonly RocPoint[], positives: number, negatives: number, threshold: number): ThresholdMetrics {
  let point = roc[0];
  for (const candidate of roc) if (candidate.threshold >= threshold) point = candidate;
  const sensitivity = point.tpr;
  const specificity = 1 - point.fpr;
  return { threshold, accuracy: ratio(sensitivity * positives + specificity * negatives, positives + negatives), sensitivity, specificity, balancedAccuracy: (sensitivity + specificity) / 2 };
}

/**
 * Expected calibration error over equal-width confidence bins: Σ (n_b / n)·|accuracy_b − confidence_b|,
 * confidence = the top probability, bins [0, 1/B), …, [(B−1)/B, 1].
 */
export function expectedCalibrationError(probabilities: ArrayLike<number>, labels: ArrayLike<number>, numClasses: number, bins = 10): number {
  const predictions = argmaxRows(probabilities, numClasses);
  if (predictions.length !== labels.length) throw new Error(`expectedCalibrationError: ${predictions.length} rows but ${labels.length} labels`);
  const count = new Array<number>(bins).fill(0);
  const confidenceSum = new Array<number>(bins).fill(0);
  const correctSum = new Array<number>(bins).fill(0);
  for (let i = 0; i < predictions.length; i++) {
    const confidence = probabilities[i * numClasses + predictions[i]];
    const bin = Math.min(bins - 1, Math.floor(confidence * bins));
    count[bin]++;
    confidenceSum[bin] += confidence;
    if (predictions[i] === labels[i]) correctSum[bin]++;
  }
  let ece = 0;
  for (let b = 0; b < bins; b++) {
    if (count[b] > 0) ece += (count[b] / predictions.length) * Math.abs(correctSum[b] / count[b] - confidenceSum[b] / count[b]);
  }
  return ece;
}

/** Everything above from probabilities [n × numClasses] (row-major) and integer labels. */
export function classificationReport(probabilities: ArrayLike<number>, labels: ArrayLike<number>, numClasses: number, positiveClass = 1): ClassificationReport {
  const predictions = argmaxRows(probabilities, numClasses);
  const confusion = confusionMatrix(labels, predictions, numClasses);
  const report: ClassificationReport = {
    numClasses,
    count: labels.length,
    accuracy: accuracyOf(confusion),
    confusion,
    perClassAccuracy: perClassAccuracy(confusion),
    ece: expectedCalibrationError(probabilities, labels, numClasses),
  };
  if (numClasses === 2) {
    const scores = Array.from({ length: labels.length }, (_, i) => probabilities[i * 2 + positiveClass]);
    const roc = rocCurve(scores, Array.from(labels, (label) => label === positiveClass));
    report.binary = { ...binaryMetrics(confusion, positiveClass), positiveClass, auc: roc.auc, roc: roc.points };
  }
  return report;
}
