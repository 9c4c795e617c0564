/**
 * New distillation methods through the one experiment runner, as a user runs
 * them (`kdlab train … --set distillation.method=…`), on the quick profile's
 * CIFAR-10 pair: a toy method registered with one registerMethod call
 * (test/distill/toy-method.ts) and the combination kd+at each train end to
 * end, and the student's history logs every term of the objective apart,
 * summing to the loss.
 */
import assert from "node:assert/strict";
import * as fs from "node:fs";
import * as os from "node:os";
import * as path from "node:path";
import { after, before, describe, test } from "node:test";
import { registerMethod } from "../../lib/distill/methods/index";
import { applyOverrides, getExperiment, runExperiment } from "../../lib/experiments/index";
import { l2Logits } from "../distill/toy-method";
import { useNativeBackend } from "../helpers/native";

const runsRoot = fs.mkdtempSync(path.join(os.tmpdir(), "kdlab-method-runs-"));

describe("new methods through the experiment runner (quick profile)", () => {
  before(async () => {
    await useNativeBackend();
    registerMethod(l2Logits);
  });
  after(() => fs.rmSync(runsRoot, { recursive: true, force: true }));

  for (const [method, terms] of [
    ["l2-logits", ["loss_ce", "loss_l2"]],
    ["kd+at", ["loss_ce", "loss_kd", "loss_at"]],
  ] as const) {
    test(`distillation.method=${method} trains the student and logs ${terms.join(", ")} apart`, async () => {
      const config = applyOverrides(getExperiment("cifar10-teacher-student", "quick"), ["epochs=1", "dataset.trainLimit=16", `distillation.method=${method}`]);
      const result = await runExperiment(config, { runsRoot, progress: "off", log: () => undefined });
      assert.ok(result.student.history.length >= 1, "the student trained");
      for (const record of result.student.history) {
        const values = terms.map((column) => record[column]);
        values.forEach((value, i) => assert.ok(Number.isFinite(value) && value > 0, `${method}: ${terms[i]} = ${value}`));
        const sum = values.reduce((a, b) => a + b, 0);
        assert.ok(Math.abs(sum - record.loss) < 1e-5 * record.loss, `${method}: the terms sum to ${sum}, the loss is ${record.loss}`);
      }
      const header = fs.readFileSync(path.join(result.runDir, "student", "history.csv"), "utf8").split("\n")[0];
      for (const column of terms) assert.ok(header.split(",").includes(column), `history.csv has ${column}: ${header}`);
      assert.ok(Number.isFinite(result.student.test.accuracy));
    });
  }
});
