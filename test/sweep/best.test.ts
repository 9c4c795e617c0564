/**
 * The sweep's best setting is chosen on the val split (mean over seeds) and
 * reported with its test metric; a table whose val-best and test-best
 * settings differ must give the val-best. The val metric of a trial is the
 * one of the weights that were tested (testedValidation).
 */
import assert from "node:assert/strict";
import { describe, test } from "node:test";
import type { ExperimentResult } from "../../lib/experiments/index";
import { testedValidation } from "../../lib/experiments/results";
import { chooseOnValidation, formatChoice } from "../../lib/sweep/best";
import type { SweepRow } from "../../lib/sweep/table";

const T = "distillation.params.temperature";
const A = "distillation.params.alpha";

function trial(temperature: number, alpha: number, seed: number, val: number, testAccuracy: number, state = "done"): SweepRow {
  return { trial: `${temperature}-${alpha}-${seed}`, [T]: temperature, [A]: alpha, seed, state, accuracy: testAccuracy, auc: NaN, val_accuracy: val, val_auc: NaN };
}

// T=2, α=0.3: best on val (mean 0.90) but middling on test (0.80);
// T=4, α=0.3: best on test (0.85) but lower on val (0.86).
const rows: SweepRow[] = [
  trial(2, 0.3, 1, 0.91, 0.79),
  trial(2, 0.3, 2, 0.89, 0.81),
  trial(4, 0.3, 1, 0.87, 0.86),
  trial(4, 0.3, 2, 0.85, 0.84),
  trial(2, 0.7, 1, 0.8, 0.78),
  trial(2, 0.7, 2, 0.82, 0.8),
  // A failed trial with a high number must not count.
  trial(4, 0.7, 1, 0.99, 0.99, "failed"),
];

describe("the sweep's best setting", () => {
  test("is the best mean val accuracy, with its test accuracy beside it, not the best test accuracy", () => {
    const choice = chooseOnValidation(rows, [T, A]);
    assert.ok(choice);
    assert.equal(choice.chosen.name, "temperature=2, alpha=0.3");
    assert.deepEqual(choice.chosen.values, { [T]: 2, [A]: 0.3 });
    assert.equal(choice.chosen.trials, 2);
    assert.ok(Math.abs(choice.chosen.val - 0.9) < 1e-12 && Math.abs(choice.chosen.test - 0.8) < 1e-12);
    assert.equal(choice.testBest.name, "temperature=4, alpha=0.3");
    assert.deepEqual(choice.settings.map((s) => s.name), ["temperature=2, alpha=0.3", "temperature=4, alpha=0.3", "temperature=2, alpha=0.7"]);
    const line = formatChoice(choice);
    assert.match(line, /^best setting \(chosen on val accuracy\): temperature=2, alpha=0\.3 — val 90\.00 %, test 80\.00 % \(chosen on val; 2 trials\)/);
    assert.match(line, /test split alone would have picked temperature=4, alpha=0\.3 \(test 85\.00 %\), not a choice$/);
  });

  test("ties keep the earlier setting; no finished val metric gives no choice", () => {
    const tied = [trial(2, 0.3, 1, 0.8, 0.7), trial(4, 0.3, 1, 0.8, 0.9)];
    const choice = chooseOnValidation(tied, [T, A]);
    assert.equal(choice?.chosen.name, "temperature=2, alpha=0.3");
    assert.equal(formatChoice(choice!).includes("would have picked temperature=4"), true);
    assert.equal(chooseOnValidation([trial(2, 0.3, 1, NaN, 0.9), trial(4, 0.3, 1, 0.8, 0.9, "pending")], [T, A]), undefined);
  });

  test("a trial's val metric is the tested weights' epoch: the restored best, else the last", () => {
    const history = [
      { epoch: 1, lr: 1e-3, loss: 1, accuracy: 0.5, seconds: 1, val_loss: 0.9, val_accuracy: 0.6, val_auc: 0.7 },
      { epoch: 2, lr: 1e-3, loss: 0.8, accuracy: 0.6, seconds: 1, val_loss: 0.7, val_accuracy: 0.75, val_auc: 0.8 },
      { epoch: 3, lr: 1e-3, loss: 0.6, accuracy: 0.7, seconds: 1, val_loss: 0.8, val_accuracy: 0.78, val_auc: 0.79 },
    ];
    const result = (earlyStoppingPatience: number | null): ExperimentResult =>
      ({ config: { earlyStoppingPatience }, student: { history, training: { bestEpoch: 2 } } }) as unknown as ExperimentResult;
    assert.deepEqual(testedValidation(result(2)), { epoch: 2, loss: 0.7, accuracy: 0.75, auc: 0.8 });
    assert.deepEqual(testedValidation(result(null)), { epoch: 3, loss: 0.8, accuracy: 0.78, auc: 0.79 });
    assert.equal(testedValidation(result(2), "teacher"), undefined);
  });
});
