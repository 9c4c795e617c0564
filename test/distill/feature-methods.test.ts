/**
 * Distillation methods that read intermediate layers and own trained parts,
 * through the whole trainer: FitNets' regressor is trained, checkpointed and
 * restored on resume; cached teacher features train the same student as live
 * ones; the compiled step runs them and agrees with the eager step.
 */
import { before, describe, test } from "node:test";
import assert from "node:assert/strict";
import * as fs from "node:fs";
import * as os from "node:os";
import * as path from "node:path";
import * as tf from "@tensorflow/tfjs";
import { useNativeBackend } from "../helpers/native";
import { trainModel, TrainerConfig } from "../../lib/distill/trainer";
import { createMethod, DistillationMethod } from "../../lib/distill/methods/index";
import { maxAbsDifference, syntheticTask, taskSource, tinyConvNet, weightsOf } from "./fixtures";

const task = syntheticTask(96, 21);
const validation = syntheticTask(32, 22);
const data = { train: taskSource(task, 32), validation: taskSource(validation, 32, false) };
const base: TrainerConfig = { epochs: 3, seed: 9, optimizer: { kind: "adam", lr: 0.01 }, progress: "off" };

function tempDir(): string {
  return fs.mkdtempSync(path.join(os.tmpdir(), "kdlab-feature-methods-"));
}

/** A trained teacher (6 filters) and a fresh student (3 filters) of the same shape, with a method pairing their conv layers. */
async function pair(name: "fitnets" | "at", studentSeed: number): Promise<{ teacher: tf.LayersModel; student: tf.LayersModel; method: DistillationMethod }> {
  const teacher = tinyConvNet(71, 2, 6);
  await trainModel(teacher, { train: data.train }, { ...base, epochs: 1 });
  const student = tinyConvNet(studentSeed, 2, 3);
  const layers = `${teacher.layers[0].name}:${student.layers[0].name}`;
  const method = createMethod(name, { layers }, { teacher, student, numClasses: 2, seed: 5 });
  return { teacher, student, method };
}

const trained = (student: tf.LayersModel, method: DistillationMethod): Float32Array[] => [...weightsOf(student), ...method.parts.flatMap((p) => weightsOf(p))];

describe("feature-based distillation through the trainer", () => {
  before(useNativeBackend);

  test("FitNets: the regressor trains, is checkpointed, and a resumed run ends with the same student and regressor (1e-5)", async () => {
    const straightDir = tempDir();
    const resumedDir = tempDir();
    const straight = await pair("fitnets", 81);
    assert.equal(straight.method.parts.length, 1);
    const regressorBefore = weightsOf(straight.method.parts[0]);
    await trainModel(straight.student, data, { ...base, distillation: { teacher: straight.teacher, method: straight.method }, checkpoint: { dir: straightDir } });
    assert.ok(maxAbsDifference(weightsOf(straight.method.parts[0]), regressorBefore) > 1e-4, "the regressor was trained");
    assert.ok(fs.existsSync(path.join(straightDir, "last", "part-0", "model.json")), "the checkpoint holds the regressor");

    const first = await pair("fitnets", 81);
    await trainModel(first.student, data, { ...base, epochs: 2, distillation: { teacher: first.teacher, method: first.method }, checkpoint: { dir: resumedDir } });
    // A new process would build fresh models: the resumed run starts from other weights and must restore all of them.
    const second = await pair("fitnets", 99);
    const resumed = createMethod("fitnets", { layers: `${first.teacher.layers[0].name}:${second.student.layers[0].name}` }, { teacher: first.teacher, student: second.student, numClasses: 2, seed: 77 });
    const result = await trainModel(second.student, data, { ...base, distillation: { teacher: first.teacher, method: resumed }, checkpoint: { dir: resumedDir, resume: true } });
    assert.equal(result.resumedAt, 2);
    const difference = maxAbsDifference(trained(second.student, resumed), trained(straight.student, straight.method));
    assert.ok(difference < 1e-5, `student + regressor differ by ${difference}`);
    for (const dir of [straightDir, resumedDir]) fs.rmSync(dir, { recursive: true, force: true });
  });

  for (const name of ["fitnets", "at"] as const) {
    test(`${name}: cached teacher features train the same student as live ones (1e-5), the cache answering epochs 2–3`, async () => {
      const live = await pair(name, 91);
      const cached = await pair(name, 91);
      await trainModel(live.student, data, { ...base, distillation: { teacher: live.teacher, method: live.method, cache: "off" } });
      const dir = tempDir();
      const result = await trainModel(cached.student, data, { ...base, distillation: { teacher: cached.teacher, method: cached.method, cache: { dir, key: "synthetic" } } });
      assert.deepEqual(result.teacherCache, { hits: 2 * 3, misses: 3 });
      const difference = maxAbsDifference(trained(cached.student, cached.method), trained(live.student, live.method));
      assert.ok(difference < 1e-5, `weights differ by ${difference}`);
      assert.ok(fs.readdirSync(dir).some((f) => f.startsWith("teacher-outputs-") && f.endsWith(".bin")), "the teacher's outputs were written to disk");
      fs.rmSync(dir, { recursive: true, force: true });
    });

    test(`${name}: the compiled step runs it and ends where the eager step does`, async () => {
      const eager = await pair(name, 101);
      const compiled = await pair(name, 101);
      const lines: string[] = [];
      const log = console.log;
      console.log = (line: string) => void lines.push(String(line));
      try {
        await trainModel(eager.student, data, { ...base, step: "eager", progress: undefined, distillation: { teacher: eager.teacher, method: eager.method } });
        await trainModel(compiled.student, data, { ...base, step: "compiled", progress: undefined, distillation: { teacher: compiled.teacher, method: compiled.method } });
      } finally {
        console.log = log;
      }
      assert.ok(lines.some((l) => l.includes("compiled TensorFlow graph") && l.includes(name)), lines.join("\n"));
      const difference = maxAbsDifference(trained(compiled.student, compiled.method), trained(eager.student, eager.method));
      assert.ok(difference < 1e-3, `compiled and eager weights differ by ${difference}`);
    });
  }
});
