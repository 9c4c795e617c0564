/** One example of every chart, built from the fixtures: the charts tests check them and the save test writes them for a person to look at. */
import { expectedCalibrationError } from "../../lib/distill/metrics";
import {
  calibrationChart,
  classBalance,
  confusionMatrixChart,
  historyRows,
  reliabilityBins,
  rocChart,
  sampleGrid,
  studentAloneVsDistilled,
  teacherVsStudent,
  trainingCurves,
} from "../../lib/report/charts";
import { VegaLiteSpec } from "../../lib/report/svg";
import { fakeHistory, gradientImage, rocPoints } from "./fixtures";

export interface ChartExample {
  name: string;
  spec: VegaLiteSpec;
  /** Texts a reader must find in the rendered SVG: title, axis titles, legend entries, labels. */
  expectedTexts: string[];
  /** Images the SVG must embed. */
  expectedImages?: number;
}

/** Deterministic probabilities for a 3-class problem, over-confident on purpose. */
export function calibrationData(): { probabilities: number[]; labels: number[] } {
  const probabilities: number[] = [];
  const labels: number[] = [];
  for (let i = 0; i < 300; i++) {
    const top = 0.4 + 0.6 * ((i * 37) % 100) / 100;
    const predicted = i % 3;
    const rest = (1 - top) / 2;
    probabilities.push(...[0, 1, 2].map((c) => (c === predicted ? top : rest)));
    // Right less often than the confidence claims.
    labels.push((i * 53) % 100 < top * 80 ? predicted : (predicted + 1) % 3);
  }
  return { probabilities, labels };
}

export { expectedCalibrationError };

export async function chartExamples(): Promise<ChartExample[]> {
  const teacher = fakeHistory(8, 0);
  const student = fakeHistory(8, 0.2);
  const { probabilities, labels } = calibrationData();
  const images = [
    gradientImage(28, 28, 1, 0, "NORMAL", "NORMAL"),
    gradientImage(28, 28, 1, 1, "PNEUMONIA", "NORMAL"),
    gradientImage(32, 32, 3, 2, "cat", "cat"),
    gradientImage(32, 32, 3, 3, "dog", "cat"),
    gradientImage(64, 48, 3, 4, "ship", "ship"),
  ];
  return [
    {
      name: "training-curves",
      spec: trainingCurves(historyRows(teacher)),
      expectedTexts: ["Training curves", "Accuracy", "Loss", "epoch", "accuracy (fraction)", "loss (cross-entropy)", "split", "train", "validation"],
    },
    {
      name: "teacher-vs-student",
      spec: teacherVsStudent(teacher, student),
      expectedTexts: ["Teacher vs student", "epoch", "accuracy (fraction)", "loss (cross-entropy)", "model", "teacher", "student", "train", "validation"],
    },
    {
      name: "student-alone-vs-distilled",
      spec: studentAloneVsDistilled(historyRows(student), historyRows(teacher), { lossTitle: "validation loss (cross-entropy)" }),
      expectedTexts: ["Student alone vs distilled student", "student alone", "distilled student", "validation loss (cross-entropy)"],
    },
    {
      name: "confusion-matrix",
      spec: confusionMatrixChart([[212, 22], [9, 381]], ["NORMAL", "PNEUMONIA"]),
      expectedTexts: ["Confusion matrix", "predicted class", "true class", "NORMAL", "PNEUMONIA", "212", "22", "9", "381", "fraction of true class"],
    },
    {
      name: "roc",
      spec: rocChart([
        { name: "teacher", points: rocPoints(0.2), auc: 0.9123 },
        { name: "student", points: rocPoints(0.35), auc: 0.8456 },
      ]),
      expectedTexts: ["ROC curves", "false positive rate (1 − specificity)", "true positive rate (sensitivity)", "teacher (AUC = 0.912)", "student (AUC = 0.846)", "chance (AUC = 0.5)"],
    },
    {
      name: "calibration",
      spec: calibrationChart([{ name: "student", bins: reliabilityBins(probabilities, labels, 3) }]),
      expectedTexts: [
        "Calibration (reliability diagram)",
        "confidence (mean top-class probability)",
        "accuracy (fraction correct)",
        "perfect calibration",
        `student (ECE = ${expectedCalibrationError(probabilities, labels, 3).toFixed(3)})`,
        "images in bin",
      ],
    },
    {
      name: "sample-grid",
      spec: await sampleGrid(images, { columns: 3 }),
      expectedTexts: ["Sample images: true and predicted labels", "true: PNEUMONIA", "pred: NORMAL", "true: dog", "pred: cat", "prediction", "correct", "wrong"],
      expectedImages: images.length,
    },
    {
      name: "class-balance",
      spec: classBalance([
        { split: "train", class: "NORMAL", count: 1341 },
        { split: "train", class: "PNEUMONIA", count: 3875 },
        { split: "validation", class: "NORMAL", count: 8 },
        { split: "validation", class: "PNEUMONIA", count: 8 },
        { split: "test", class: "NORMAL", count: 234 },
        { split: "test", class: "PNEUMONIA", count: 390 },
      ]),
      expectedTexts: ["Class balance per split", "class", "images (count)", "split", "train", "validation", "test", "NORMAL", "PNEUMONIA", "1341", "3875", "390"],
    },
  ];
}
