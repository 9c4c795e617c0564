/**
 * The objective (lib/distill/objective.ts): named terms, the trainer's
 * hard-label weight, combined methods and a method added by a test, through
 * the whole trainer in the eager and the compiled step.
 */
import { before, describe, test } from "node:test";
import assert from "node:assert/strict";
import * as fs from "node:fs";
import * as os from "node:os";
import * as path from "node:path";
import * as tf from "@tensorflow/tfjs";
import { useNativeBackend } from "../helpers/native";
import { trainModel, TrainerConfig } from "../../lib/distill/trainer";
import { createMethod, DistillationMethod, getMethod, registerMethod, resolveParams } from "../../lib/distill/methods/index";
import { eagerObjective } from "../../lib/distill/objective";
import { maxAbsDifference, syntheticTask, taskSource, tinyConvNet, weightsOf } from "./fixtures";
import { l2Logits } from "./toy-method";

const task = syntheticTask(96, 31);
const validation = syntheticTask(32, 32);
const data = { train: taskSource(task, 32), validation: taskSource(validation, 32, false) };
const base: TrainerConfig = { epochs: 2, seed: 4, optimizer: { kind: "adam", lr: 0.01 }, progress: "off" };

/** A teacher (6 filters, one epoch trained) and a fresh student (3 filters); `layers` pairs their conv layers. */
async function pair(studentSeed: number): Promise<{ teacher: tf.LayersModel; student: tf.LayersModel; layers: string }> {
  const teacher = tinyConvNet(61, 2, 6);
  await trainModel(teacher, { train: data.train }, { ...base, epochs: 1 });
  const student = tinyConvNet(studentSeed, 2, 3);
  return { teacher, student, layers: `${teacher.layers[0].name}:${student.layers[0].name}` };
}

function kdAt(models: { teacher: tf.LayersModel; student: tf.LayersModel; layers: string }): DistillationMethod {
  return createMethod("kd+at", { "kd.alpha": 0.25, "at.layers": models.layers, "at.beta": 50 }, { teacher: models.teacher, student: models.student, numClasses: 2, seed: 3 });
}

describe("the objective: named terms, hard-label weight, combined and added methods", () => {
  before(useNativeBackend);

  test("kd+at: the members' terms, their parameters under <method>.<name>, one hard-label term weighted by kd's α", async () => {
    const models = await pair(71);
    const definition = getMethod("kd+at");
    assert.deepEqual(Object.keys(resolveParams(definition)), ["kd.temperature", "kd.alpha", "at.p", "at.beta", "at.layers"]);
    assert.throws(() => getMethod("kd+kdd"), /unknown distillation method "kdd"/);
    assert.throws(() => getMethod("kd+kd"), /names a method twice/);
    const method = kdAt(models);
    assert.equal(method.hardLabelWeight, 0.25);
    assert.equal(method.describe(), `kd (temperature 4, alpha 0.25) + at (p 2, beta 50, layers ${models.layers})`);
    const kd = createMethod("kd", { alpha: 0.25 }, { teacher: models.teacher, student: models.student, numClasses: 2, seed: 3 });
    const at = createMethod("at", { layers: models.layers, beta: 50 }, { teacher: models.teacher, student: models.student, numClasses: 2, seed: 3 });
    const xs = tf.randomUniform([5, 8, 8, 1], 0, 1, "float32", 2) as tf.Tensor4D;
    const [studentLogits, studentFeature] = tf.model({ inputs: models.student.inputs, outputs: [models.student.outputs[0], models.student.layers[0].output as tf.SymbolicTensor] }).predict(xs) as tf.Tensor[];
    const [teacherLogits, teacherFeature] = tf.model({ inputs: models.teacher.inputs, outputs: [models.teacher.outputs[0], models.teacher.layers[0].output as tf.SymbolicTensor] }).predict(xs) as tf.Tensor[];
    const input = { studentLogits: studentLogits as tf.Tensor2D, teacherLogits: teacherLogits as tf.Tensor2D, studentFeatures: [studentFeature], teacherFeatures: [teacherFeature], labels: tf.tensor1d([0, 1, 1, 0, 1], "int32") };
    const value = (t: tf.Tensor): number => t.dataSync()[0];
    const both = eagerObjective(method, input);
    const alone = { kd: eagerObjective(kd, input), at: eagerObjective(at, input, 0) };
    assert.deepEqual(Object.keys(both.terms), ["ce", "kd", "at"]);
    assert.equal(value(both.terms.kd), value(alone.kd.terms.kd));
    assert.equal(value(both.terms.at), value(alone.at.terms.at));
    assert.equal(value(both.terms.ce), value(alone.kd.terms.ce));
    assert.ok(Math.abs(value(both.total) - (value(both.terms.ce) + value(both.terms.kd) + value(both.terms.at))) < 1e-6);
    assert.ok(value(both.terms.at) > 0 && value(both.terms.kd) > 0);
    assert.deepEqual(Object.keys(alone.at.terms), ["at"], "a hard-label weight of 0 leaves the term out");
    assert.throws(() => eagerObjective(kd, input, -1), /distillation.hardLabelWeight must be a finite number ≥ 0, got -1/);
  });

  for (const step of ["eager", "compiled"] as const) {
    test(`kd+at trains (${step} step) and logs each term apart, per epoch, in the history and its CSV`, async () => {
      const models = await pair(81);
      const dir = fs.mkdtempSync(path.join(os.tmpdir(), "kdlab-objective-"));
      const result = await trainModel(models.student, data, { ...base, step, distillation: { teacher: models.teacher, method: kdAt(models) }, checkpoint: { dir } });
      for (const record of result.history) {
        for (const column of ["loss_ce", "loss_kd", "loss_at"]) assert.ok(Number.isFinite(record[column]) && record[column] > 0, `${column} = ${record[column]}`);
        const sum = record.loss_ce + record.loss_kd + record.loss_at;
        assert.ok(Math.abs(sum - record.loss) < 1e-5 * record.loss, `terms sum to ${sum}, the loss is ${record.loss}`);
      }
      const header = fs.readFileSync(path.join(dir, "history.csv"), "utf8").split("\n")[0];
      assert.match(header, /loss_ce.*loss_kd.*loss_at/);
      fs.rmSync(dir, { recursive: true, force: true });
    });
  }

  test("the trainer owns the hard-label weight: an override scales loss_ce, 0 drops it, a bad value names the key", async () => {
    const models = await pair(91);
    // A learning rate too small to move the weights: the epoch's terms are those of the initial student.
    const run = async (hardLabelWeight?: number) => {
      const student = tinyConvNet(91, 2, 3);
      const method = kdAt({ teacher: models.teacher, student, layers: `${models.teacher.layers[0].name}:${student.layers[0].name}` });
      return (await trainModel(student, { train: data.train }, { ...base, epochs: 1, optimizer: { kind: "adam", lr: 1e-7 }, distillation: { teacher: models.teacher, method, hardLabelWeight } })).history[0];
    };
    const byDefault = await run();
    const doubled = await run(0.5);
    assert.ok(Math.abs(doubled.loss_ce - 2 * byDefault.loss_ce) < 1e-3 * byDefault.loss_ce, `α 0.25 → ${byDefault.loss_ce}, 0.5 → ${doubled.loss_ce}`);
    const none = await run(0);
    assert.equal(none.loss_ce, undefined);
    assert.ok(none.loss_kd > 0 && none.loss_at > 0);
    for (const bad of [-1, Number.NaN, Number.POSITIVE_INFINITY]) await assert.rejects(run(bad), /distillation.hardLabelWeight must be a finite number ≥ 0/);
  });

  test("a toy method (test/distill/toy-method.ts, one registerMethod call) trains end to end, eager and compiled alike", async () => {
    registerMethod(l2Logits);
    const models = await pair(101);
    const trained: Float32Array[][] = [];
    for (const step of ["eager", "compiled"] as const) {
      const student = tinyConvNet(101, 2, 3);
      const before = weightsOf(student);
      const method = createMethod("l2-logits", { weight: 2 }, { teacher: models.teacher, student, numClasses: 2, seed: 1 });
      const result = await trainModel(student, data, { ...base, step, distillation: { teacher: models.teacher, method } });
      assert.deepEqual(Object.keys(result.history[0]).filter((k) => k.startsWith("loss_")), ["loss_ce", "loss_l2"]);
      assert.ok(result.history[1].loss < result.history[0].loss, `loss ${result.history[0].loss} → ${result.history[1].loss}`);
      assert.ok(maxAbsDifference(weightsOf(student), before) > 1e-3, "the student was trained");
      trained.push(weightsOf(student));
    }
    const difference = maxAbsDifference(trained[0], trained[1]);
    assert.ok(difference < 1e-3, `eager and compiled students differ by ${difference}`);
  });
});
