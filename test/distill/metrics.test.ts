import { before, describe, test } from "node:test";
import assert from "node:assert/strict";
import * as fs from "node:fs";
import * as os from "node:os";
import * as path from "node:path";
import { useNativeBackend } from "../helpers/native";
import { accuracyOf, binaryMetrics, classificationReport, confusionMatrix, expectedCalibrationError, metricsAtThreshold, perClassAccuracy, rocCurve, youdenThreshold } from "../../lib/distill/metrics";
import { historyFrame, writeHistory, writeTestResults } from "../../lib/distill/history";

// Positive-class scores with ties across classes (0.6 appears for two positives and one negative).
const scores = [0.9, 0.8, 0.6, 0.6, 0.7, 0.6, 0.3, 0.1];
const labels = [1, 1, 1, 1, 0, 0, 0, 0];
const probabilities = scores.flatMap((p) => [1 - p, p]);

const close = (a: number, b: number, tol = 1e-9): void => assert.ok(Math.abs(a - b) < tol, `${a} vs ${b}`);

describe("metrics", () => {
  before(async () => {
    await useNativeBackend();
  });

  test("confusion matrix, accuracy and per-class accuracy of a 3-class example", () => {
    const cm = confusionMatrix([0, 0, 1, 1, 2, 2, 2], [0, 1, 1, 1, 2, 0, 2], 3);
    assert.deepEqual(cm, [[1, 1, 0], [0, 2, 0], [1, 0, 2]]);
    close(accuracyOf(cm), 5 / 7);
    const perClass = perClassAccuracy(cm);
    close(perClass[0], 0.5);
    close(perClass[1], 1);
    close(perClass[2], 2 / 3);
    assert.throws(() => confusionMatrix([0, 3], [0, 1], 3), /label 3 at index 1/);
  });

  test("binary metrics of a hand-counted 2×2 matrix (PNEUMONIA = 1 positive)", () => {
    // true NORMAL: 50 right, 10 called pneumonia; true PNEUMONIA: 5 missed, 35 found.
    const m = binaryMetrics([[50, 10], [5, 35]]);
    assert.deepEqual([m.tp, m.fp, m.tn, m.fn], [35, 10, 50, 5]);
    close(m.accuracy, 85 / 100);
    close(m.sensitivity, 35 / 40);
    close(m.specificity, 50 / 60);
    close(m.precision, 35 / 45);
    close(m.f1, 70 / 85);
    const normalPositive = binaryMetrics([[50, 10], [5, 35]], 0);
    close(normalPositive.sensitivity, 50 / 60);
  });

  test("ROC AUC counts ties as one half (13 of 16 pairs → 0.8125) and the curve steps diagonally at a tie", () => {
    const roc = rocCurve(scores, labels.map((l) => l === 1));
    close(roc.auc, 13 / 16);
    assert.deepEqual(
      roc.points.map((p) => [p.fpr, p.tpr]),
      [[0, 0], [0, 0.25], [0, 0.5], [0.25, 0.5], [0.5, 1], [0.75, 1], [1, 1]],
    );
    close(rocCurve([0.2, 0.2, 0.2], [true, false, true]).auc, 0.5);
    close(rocCurve([0.9, 0.1], [true, false]).auc, 1);
    assert.ok(Number.isNaN(rocCurve([0.3, 0.4], [true, true]).auc));
  });

  test("a threshold chosen on one split's ROC (Youden's J) applied to another's gives that split's counts at p ≥ threshold", () => {
    // Val: positives score 0.9, 0.6, 0.4; negatives 0.5, 0.3, 0.2. J: ≥0.9 1/3, ≥0.6 2/3, ≥0.5 1/3, ≥0.4 2/3, ≥0.3 1/3 → 0.6 (the higher threshold wins the tie with 0.4).
    const val = rocCurve([0.9, 0.6, 0.4, 0.5, 0.3, 0.2], [1, 1, 1, 0, 0, 0]);
    const choice = youdenThreshold(val.points);
    assert.equal(choice.threshold, 0.6);
    assert.ok(Math.abs(choice.youdenJ - 2 / 3) < 1e-12);
    // Test: positives 0.7, 0.65, 0.55, 0.1; negatives 0.62, 0.58, 0.3. At p ≥ 0.6: TP 2 of 4, FP 1 of 3, so 4 of 7 right.
    const testScores = [0.7, 0.65, 0.55, 0.1, 0.62, 0.58, 0.3];
    const test = rocCurve(testScores, [1, 1, 1, 1, 0, 0, 0]);
    const at = metricsAtThreshold(test.points, 4, 3, choice.threshold);
    assert.equal(at.sensitivity, 0.5);
    assert.ok(Math.abs(at.specificity - 2 / 3) < 1e-12);
    assert.ok(Math.abs(at.accuracy - 4 / 7) < 1e-12);
    assert.ok(Math.abs(at.balancedAccuracy - (0.5 + 2 / 3) / 2) < 1e-12);
    // The same by counting directly, at a threshold between scores and at one above them all.
    for (const threshold of [0.6, 0.56, 0.95]) {
      const calls = testScores.map((s) => s >= threshold);
      const right = calls.filter((c, i) => c === i < 4).length;
      assert.ok(Math.abs(metricsAtThreshold(test.points, 4, 3, threshold).accuracy - right / 7) < 1e-12, `threshold ${threshold}`);
    }
    assert.throws(() => youdenThreshold(rocCurve([0.2, 0.4], [1, 1]).points), /a class is absent/);
  });

  test("expected calibration error over 10 bins matches a hand computation", () => {
    // bins 9: conf .9 acc 1 (×2); 8: .8, 1; 7: .7, ½ (×2); 6: .6, ⅔ (×3) → (0.2 + 0.2 + 0.4 + 0.2) / 8
    close(expectedCalibrationError(probabilities, labels, 2), 0.125, 1e-12);
    close(expectedCalibrationError([1, 0, 0, 1], [0, 1], 2), 0);
  });

  test("classification report combines them for two classes", () => {
    const report = classificationReport(probabilities, labels, 2);
    assert.deepEqual(report.confusion, [[2, 2], [0, 4]]);
    close(report.accuracy, 0.75);
    assert.ok(report.binary);
    close(report.binary.sensitivity, 1);
    close(report.binary.specificity, 0.5);
    close(report.binary.precision, 4 / 6);
    close(report.binary.f1, 0.8);
    close(report.binary.auc, 0.8125);
    close(report.ece, 0.125);
  });

  test("history and test results are written as CSV and JSON through danfojs", () => {
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), "kdlab-metrics-"));
    const history = [
      { epoch: 1, lr: 0.1, loss: 0.9, accuracy: 0.5, seconds: 1, val_loss: 0.8, val_accuracy: 0.6 },
      { epoch: 2, lr: 0.05, loss: 0.5, accuracy: 0.8, seconds: 1, val_loss: 0.6, val_accuracy: 0.7 },
    ];
    const frame = historyFrame(history);
    assert.deepEqual(frame.shape, [2, 7]);
    const files = writeHistory(history, dir);
    const csvLines = fs.readFileSync(files.csv, "utf8").trim().split("\n");
    assert.equal(csvLines[0], "epoch,lr,loss,accuracy,seconds,val_loss,val_accuracy");
    assert.equal(csvLines.length, 3);
    assert.deepEqual(JSON.parse(fs.readFileSync(files.json, "utf8"))[1], history[1]);
    const written = writeTestResults({ ...classificationReport(probabilities, labels, 2), loss: 0.4 }, dir, "test", ["NORMAL", "PNEUMONIA"]);
    assert.equal(written.length, 6);
    const metrics = JSON.parse(fs.readFileSync(path.join(dir, "test-metrics.json"), "utf8")) as { metric: string; value: number }[];
    close(metrics.find((m) => m.metric === "auc")?.value ?? NaN, 0.8125);
    assert.match(fs.readFileSync(path.join(dir, "test-confusion.csv"), "utf8"), /true,pred_NORMAL,pred_PNEUMONIA/);
    fs.rmSync(dir, { recursive: true, force: true });
  });
});
