import { before, describe, test } from "node:test";
import assert from "node:assert/strict";
import * as fs from "node:fs";
import * as os from "node:os";
import * as path from "node:path";
import * as tf from "@tensorflow/tfjs";
import { useNativeBackend } from "../helpers/native";
import { trainModel, TrainerConfig } from "../../lib/distill/trainer";
import { fillTeacherCache, liveTeacherLogits, TeacherOutputSource } from "../../lib/distill/cache";
import { readTrainerState } from "../../lib/distill/checkpoint";
import { Batch } from "../../lib/distill/batch";
import { kdMethod, maxAbsDifference, syntheticTask, taskSource, tinyConvNet, weightsOf } from "./fixtures";

const task = syntheticTask(192, 11);
const validation = syntheticTask(64, 12);
const data = { train: taskSource(task, 32), validation: taskSource(validation, 64, false) };

function tempDir(): string {
  return fs.mkdtempSync(path.join(os.tmpdir(), "kdlab-trainer-"));
}

const base: TrainerConfig = { epochs: 4, seed: 5, optimizer: { kind: "sgd", lr: 0.05, momentum: 0.8 }, progress: "off" };

describe("trainer", () => {
  before(async () => {
    await useNativeBackend();
  });

  test("reduces the loss on a learnable synthetic task", async () => {
    const model = tinyConvNet(21);
    const result = await trainModel(model, data, base);
    const first = result.history[0];
    const last = result.history[result.history.length - 1];
    assert.equal(result.history.length, 4);
    assert.ok(last.loss < 0.5 * first.loss, `loss ${first.loss} → ${last.loss}`);
    assert.ok((last.val_accuracy ?? 0) > 0.9, `val_accuracy ${last.val_accuracy}`);
    assert.ok(last.val_auc !== undefined && last.val_auc > 0.9);
    tf.dispose(model.weights.map((w) => w.read()));
  });

  test("keeps the tensor count flat across epochs (distillation, cache, checkpoints, weight decay, plateau)", async () => {
    const teacher = tinyConvNet(31, 2, 6);
    const student = tinyConvNet(32, 2, 3, 0.25);
    const before = tf.memory().numTensors;
    const perEpoch: number[] = [];
    const dir = tempDir();
    await trainModel(student, data, {
      ...base,
      epochs: 4,
      weightDecay: 1e-3,
      classWeights: [1.5, 0.75],
      schedule: { kind: "plateau", monitor: "val_loss", factor: 0.5, patience: 0 },
      distillation: { teacher, method: kdMethod(teacher, student, 3, 0.4), cache: "memory" },
      earlyStopping: { patience: 10, restoreBest: true },
      checkpoint: { dir },
      callbacks: { onEpochEnd: () => void perEpoch.push(tf.memory().numTensors) },
    });
    // Epoch 1 creates the optimizer's slots and the kept best weights; after that nothing may grow.
    assert.deepEqual(perEpoch.slice(1), perEpoch.slice(1).map(() => perEpoch[1]), `tensors per epoch: ${perEpoch.join(", ")}`);
    assert.equal(tf.memory().numTensors, before, "trainModel leaves no tensors behind");
    fs.rmSync(dir, { recursive: true, force: true });
  });

  test("a resumed run continues identically (2 epochs + resume 1 ≡ 3 straight), dropout and schedule included", async () => {
    const config: TrainerConfig = { ...base, epochs: 3, optimizer: { kind: "adam", lr: 0.01 }, schedule: { kind: "step", everyEpochs: 1, gamma: 0.5 }, weightDecay: 1e-3 };
    const straightDir = tempDir();
    const straight = tinyConvNet(41, 2, 4, 0.3);
    const straightResult = await trainModel(straight, data, { ...config, checkpoint: { dir: straightDir } });

    const resumedDir = tempDir();
    const firstPart = tinyConvNet(41, 2, 4, 0.3);
    await trainModel(firstPart, data, { ...config, epochs: 2, checkpoint: { dir: resumedDir } });
    assert.equal(readTrainerState(path.join(resumedDir, "last")).epochsDone, 2);
    // A fresh process would build the model anew (different initial weights here on purpose).
    const continued = tinyConvNet(99, 2, 4, 0.3);
    const resumedResult = await trainModel(continued, data, { ...config, checkpoint: { dir: resumedDir, resume: true } });

    assert.equal(resumedResult.resumedAt, 2);
    assert.equal(resumedResult.epochsRun, 1);
    assert.equal(resumedResult.history.length, 3);
    resumedResult.history.forEach((record, i) => {
      assert.ok(Math.abs(record.loss - straightResult.history[i].loss) < 1e-5, `epoch ${i + 1} loss`);
      assert.equal(record.lr, straightResult.history[i].lr);
    });
    const difference = maxAbsDifference(weightsOf(continued), weightsOf(straight));
    assert.ok(difference < 1e-5, `weights differ by ${difference}`);
    assert.ok(maxAbsDifference(weightsOf(firstPart), weightsOf(straight)) > 1e-4, "the third epoch changed something");
    for (const dir of [straightDir, resumedDir]) fs.rmSync(dir, { recursive: true, force: true });
  });

  test("cached teacher logits give the same student update as live teacher logits", async () => {
    const teacher = tinyConvNet(51, 2, 6);
    await trainModel(teacher, { train: data.train }, { ...base, epochs: 2 });
    const distill = (cache: "off" | "memory"): TrainerConfig => ({ ...base, epochs: 3, distillation: { teacher, method: kdMethod(teacher, teacher, 4, 0.3), cache } });
    const live = tinyConvNet(52, 2, 3);
    const cached = tinyConvNet(52, 2, 3);
    const liveResult = await trainModel(live, data, distill("off"));
    const cachedResult = await trainModel(cached, data, distill("memory"));
    const batches = Math.ceil(task.count / 32);
    assert.deepEqual(cachedResult.teacherCache, { hits: 2 * batches, misses: batches }, "epoch 1 fills the cache, epochs 2–3 read it");
    const difference = maxAbsDifference(weightsOf(live), weightsOf(cached));
    assert.ok(difference < 1e-5, `weights differ by ${difference}`);
    cachedResult.history.forEach((record, i) => assert.ok(Math.abs(record.loss - liveResult.history[i].loss) < 1e-5));
  });

  test("the teacher stays frozen (weights and BatchNorm statistics unchanged, dropout off); the student's BatchNorm statistics move", async () => {
    const withNorm = (seed: number, dropout: number): tf.Sequential =>
      tf.sequential({
        layers: [
          tf.layers.conv2d({ inputShape: [8, 8, 1], filters: 3, kernelSize: 3, kernelInitializer: tf.initializers.glorotUniform({ seed }) }),
          tf.layers.batchNormalization(),
          tf.layers.flatten(),
          tf.layers.dropout({ rate: dropout }),
          tf.layers.dense({ units: 2, kernelInitializer: tf.initializers.glorotUniform({ seed: seed + 1 }) }),
        ],
      });
    const teacher = withNorm(101, 0.5);
    const student = withNorm(102, 0);
    const teacherBefore = weightsOf(teacher);
    const movingBefore = weightsOf(student).slice(-2);
    const xs = tf.randomUniform([4, 8, 8, 1], 0, 1, "float32", 3) as tf.Tensor4D;
    const logitsBefore = (await liveTeacherLogits(teacher, xs).array()) as number[][];
    await trainModel(student, { train: data.train }, { ...base, epochs: 1, distillation: { teacher, method: kdMethod(teacher, student, 2, 0.5) } });
    assert.equal(maxAbsDifference(weightsOf(teacher), teacherBefore), 0);
    assert.ok(maxAbsDifference(weightsOf(student).slice(-2), movingBefore) > 1e-4, "student moving mean/variance updated in training mode");
    const logitsAfter = (await liveTeacherLogits(teacher, xs).array()) as number[][];
    assert.deepEqual(logitsAfter, logitsBefore, "no dropout noise in the teacher's logits");
    xs.dispose();
  });

  test("weightDecay equals a kernel L2 regularizer of weightDecay/2 (PyTorch-style decay), and shrinks the kernels", async () => {
    const build = (l2?: number): tf.Sequential =>
      tf.sequential({
        layers: [
          tf.layers.flatten({ inputShape: [8, 8, 1] }),
          tf.layers.dense({ units: 2, kernelInitializer: tf.initializers.glorotUniform({ seed: 111 }), kernelRegularizer: l2 === undefined ? undefined : tf.regularizers.l2({ l2 }) }),
        ],
      });
    const config: TrainerConfig = { ...base, epochs: 1, optimizer: { kind: "sgd", lr: 0.1 } };
    const viaConfig = build();
    const viaRegularizer = build(0.05);
    const plain = build();
    await trainModel(viaConfig, { train: data.train }, { ...config, weightDecay: 0.1 });
    await trainModel(viaRegularizer, { train: data.train }, config);
    await trainModel(plain, { train: data.train }, config);
    assert.ok(maxAbsDifference(weightsOf(viaConfig), weightsOf(viaRegularizer)) < 1e-6);
    const norm = (m: tf.LayersModel): number => weightsOf(m)[0].reduce((s, v) => s + v * v, 0);
    assert.ok(norm(viaConfig) < norm(plain) * 0.99, `decayed ${norm(viaConfig)} vs plain ${norm(plain)}`);
  });

  test("preprocess hooks: the model's on train and validation batches, the teacher's own before the teacher", async () => {
    const scale = (xs: tf.Tensor4D): tf.Tensor4D => tf.sub(tf.mul(xs, 2), 1) as tf.Tensor4D;
    const scaledSource = (source: typeof data.train): typeof data.train => (context) => ({
      *[Symbol.iterator]() {
        for (const batch of source(context) as Iterable<Batch>) {
          const xs = scale(batch.xs);
          batch.xs.dispose();
          yield { ...batch, xs };
        }
      },
    });
    const hooked = tinyConvNet(121);
    const prescaled = tinyConvNet(121);
    const a = await trainModel(hooked, data, { ...base, epochs: 1, preprocess: scale });
    const b = await trainModel(prescaled, { train: scaledSource(data.train), validation: scaledSource(data.validation!) }, { ...base, epochs: 1 });
    assert.ok(maxAbsDifference(weightsOf(hooked), weightsOf(prescaled)) < 1e-6);
    assert.ok(Math.abs((a.history[0].val_loss ?? NaN) - (b.history[0].val_loss ?? NaN)) < 1e-6);

    const teacher = tinyConvNet(122);
    const source = new TeacherOutputSource(teacher, "memory", 2, { preprocess: scale });
    const xs = tf.randomUniform([3, 8, 8, 1], 0, 1, "float32", 4) as tf.Tensor4D;
    const viaSource = await source.outputsFor({ xs, labels: tf.tensor1d([0, 1, 0], "int32"), ids: [0, 1, 2] }, "test");
    const direct = tf.tidy(() => liveTeacherLogits(teacher, scale(xs)));
    assert.ok(tf.max(tf.abs(tf.sub(viaSource.logits, direct))).dataSync()[0] < 1e-6);
    tf.dispose([xs, viaSource.logits, direct]);
  });

  test("a disk cache filled up front is read back for the same teacher only", async () => {
    const teacher = tinyConvNet(61, 2, 4);
    const dir = tempDir();
    const source = new TeacherOutputSource(teacher, { dir }, 2);
    await fillTeacherCache(source, taskSource(task, 64, false)({ epoch: 0, seed: 0 }));
    assert.equal(source.cache?.size, task.count);
    const reread = new TeacherOutputSource(teacher, { dir }, 2);
    assert.equal(reread.cache?.size, task.count);
    const other = new TeacherOutputSource(tinyConvNet(62, 2, 4), { dir }, 2);
    assert.equal(other.cache?.size, 0, "a different teacher does not read these logits");
    const student = tinyConvNet(63, 2, 3);
    const result = await trainModel(student, { train: data.train }, { ...base, epochs: 1, distillation: { teacher, method: kdMethod(teacher, student, 2, 0.5), cache: { dir } } });
    assert.deepEqual(result.teacherCache, { hits: Math.ceil(task.count / 32), misses: 0 });
    fs.rmSync(dir, { recursive: true, force: true });
  });

  test("best and last checkpoints load with tf.loadLayersModel and predict like the model", async () => {
    const dir = tempDir();
    const model = tinyConvNet(71);
    const result = await trainModel(model, data, { ...base, epochs: 2, checkpoint: { dir } });
    const loaded = await tf.loadLayersModel(`file://${path.join(dir, "last", "model.json")}`);
    const xs = tf.randomUniform([3, 8, 8, 1], 0, 1, "float32", 1);
    const a = (model.predict(xs) as tf.Tensor).arraySync() as number[][];
    const b = (loaded.predict(xs) as tf.Tensor).arraySync() as number[][];
    a.forEach((row, i) => row.forEach((v, j) => assert.ok(Math.abs(v - b[i][j]) < 1e-6)));
    assert.equal(readTrainerState(path.join(dir, "best")).bestEpoch, result.bestEpoch);
    const history = fs.readFileSync(path.join(dir, "history.csv"), "utf8").trim().split("\n");
    assert.equal(history.length, 3);
    assert.ok(fs.existsSync(path.join(dir, "trainer.json")));
    fs.rmSync(dir, { recursive: true, force: true });
  });

  test("early stopping stops after `patience` epochs without improvement", async () => {
    const model = tinyConvNet(81);
    const result = await trainModel(model, data, { ...base, epochs: 10, optimizer: { kind: "sgd", lr: 1e-9 }, monitor: { metric: "val_loss" }, earlyStopping: { patience: 2, minDelta: 0.01 } });
    assert.equal(result.stoppedEarly, true);
    assert.equal(result.history.length, 3);
    assert.equal(result.bestEpoch, 1);
  });

  test("bad configs and bad batches fail with clear messages", async () => {
    const model = tinyConvNet(91);
    await assert.rejects(trainModel(model, data, { ...base, classWeights: [1, 2, 3] }), /classWeights has 3 entries, the model has 2 classes/);
    await assert.rejects(trainModel(model, data, { ...base, monitor: { metric: "val_auroc" } }), /metric "val_auroc" is not recorded; available: .*val_auc/);
    const softmaxModel = tf.sequential({ layers: [tf.layers.flatten({ inputShape: [8, 8, 1] }), tf.layers.dense({ units: 2, activation: "softmax" })] });
    await assert.rejects(trainModel(softmaxModel, data, base), /ends in softmax/);
    const floatLabels = () => [{ xs: tf.zeros([2, 8, 8, 1]) as tf.Tensor4D, labels: tf.tensor1d([0, 1], "float32") }];
    await assert.rejects(trainModel(model, { train: floatLabels }, base), /train epoch 1 batch 1: labels must be int32/);
    const teacher = tinyConvNet(92);
    const noIds = () => [{ xs: tf.zeros([2, 8, 8, 1]) as tf.Tensor4D, labels: tf.tensor1d([0, 1], "int32") }];
    await assert.rejects(trainModel(model, { train: noIds }, { ...base, distillation: { teacher, method: kdMethod(teacher, model, 2, 0.5), cache: "memory" } }), /needs batch.ids/);
    const augmented = () => [{ xs: tf.zeros([2, 8, 8, 1]) as tf.Tensor4D, labels: tf.tensor1d([0, 1], "int32"), ids: [0, 1], augmented: true }];
    await assert.rejects(trainModel(model, { train: augmented }, { ...base, distillation: { teacher, method: kdMethod(teacher, model, 2, 0.5), cache: "memory" } }), /un-augmented/);
  });
});
