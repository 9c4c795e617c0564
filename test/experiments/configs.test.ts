import assert from "node:assert/strict";
import { describe, test } from "node:test";
import { applyOverrides, ConfigError, EXPERIMENT_NAMES, getExperiment, listExperiments, OVERRIDE_KEYS, parseOverrideValue } from "../../lib/experiments/index";

describe("experiment configs", () => {
  test("every experiment has a quick and a full profile naming its data, models and training", () => {
    assert.deepEqual(listExperiments().map((e) => e.name), [...EXPERIMENT_NAMES]);
    for (const name of EXPERIMENT_NAMES) {
      for (const profile of ["quick", "full"] as const) {
        const config = getExperiment(name, profile);
        assert.equal(config.name, name);
        assert.equal(config.profile, profile);
        assert.ok(config.epochs >= 1 && config.batchSize >= 1 && Number.isInteger(config.seed));
        assert.ok(config.student.model.length > 0);
        if (config.teacher) assert.deepEqual(config.distillation, { method: "kd", params: { temperature: 4, alpha: 0.5 }, cacheTeacherOutputs: true });
        else assert.equal(config.distillation.method, "none");
      }
    }
  });

  test("the full profile uses the study's settings", () => {
    for (const name of ["pneumonia-model2", "pneumonia-final", "pneumonia-student-alone"]) {
      const config = getExperiment(name, "full");
      assert.deepEqual(config.optimizer, { kind: "sgd", lr: 1e-4, momentum: 0.8 });
      assert.equal(config.epochs, 25);
      assert.equal(config.dataset.inputSize, 224);
      assert.equal(config.dataset.trainLimit, null);
    }
    const model2 = getExperiment("pneumonia-model2", "full");
    assert.equal(model2.teacher?.model, "pneumonia-teacher-model2");
    assert.equal(model2.student.model, "pneumonia-student-model2");
    assert.equal(model2.augmentation.enabled, false);
    const final = getExperiment("pneumonia-final", "full");
    assert.equal(final.augmentation.enabled, true);
    assert.equal(final.schedule.kind, "plateau");
    assert.ok(final.regularisation.weightDecay > 0);
    assert.equal(final.student.dropout, 0.3);
    const alone = getExperiment("pneumonia-student-alone", "full");
    assert.equal(alone.teacher, null);
    assert.deepEqual(alone.distillation, { method: "none", params: {}, cacheTeacherOutputs: false });
    assert.equal(alone.student.model, final.student.model, "the lone student is the final stage's student");
    assert.equal(getExperiment("cifar10-teacher-student", "full").dataset.inputSize, 32);
    const model1 = getExperiment("pneumonia-model1-pretrained", "full");
    assert.equal(model1.teacher?.backboneWeights, null);
  });

  test("the quick profile is small: 32 px, 2 epochs, a few batches", () => {
    for (const name of EXPERIMENT_NAMES) {
      const config = getExperiment(name, "quick");
      assert.equal(config.dataset.inputSize, 32);
      assert.equal(config.epochs, 2);
      assert.ok((config.dataset.trainLimit ?? Infinity) / config.batchSize <= 4);
    }
  });

  test("the standard profile trains CIFAR-10 with the teacher recipe chosen on val; the pneumonia stages stay unaugmented", () => {
    for (const name of ["cifar10-teacher-student", "cifar10-student-alone"] as const) {
      const config = getExperiment(name, "standard");
      assert.equal(config.epochs, 20);
      assert.deepEqual(config.schedule, { kind: "cosine", epochs: 20 });
      assert.equal(config.augmentation.enabled, true);
      assert.equal(config.earlyStoppingPatience, 5);
      assert.deepEqual(config.optimizer, { kind: "adam", lr: 1e-3, momentum: 0.8 });
    }
    assert.equal(getExperiment("cifar10-teacher-student", "standard").teacher?.model, "cifar-teacher-bn", "the teacher chosen on val: batch norm after each convolution");
    assert.equal(getExperiment("cifar10-teacher-student", "paper").teacher?.model, "cifar-teacher-bn");
    assert.equal(getExperiment("cifar10-teacher-student", "full").teacher?.model, "cifar-teacher", "full keeps the study's plain teacher");
    // The lone student's training is the distilled one's, so the two compare fairly.
    const training = (name: "cifar10-student-alone" | "cifar10-teacher-student") => ({ ...getExperiment(name, "standard"), name: "", description: "", teacher: null, distillation: null });
    assert.deepEqual(training("cifar10-student-alone"), training("cifar10-teacher-student"));
    for (const name of ["pneumonia-model2", "pneumonia-final", "pneumonia-student-alone"] as const) {
      const config = getExperiment(name, "standard");
      assert.equal(config.epochs, 4);
      assert.equal(config.augmentation.enabled, false);
      assert.equal(config.earlyStoppingPatience, 2);
    }
  });

  test("configs are fresh copies", () => {
    const a = getExperiment("pneumonia-final", "quick");
    a.optimizer.lr = 123;
    a.dataset.inputSize = 7;
    assert.notEqual(getExperiment("pneumonia-final", "quick").optimizer.lr, 123);
    assert.equal(getExperiment("pneumonia-model2", "quick").dataset.inputSize, 32);
  });

  test("an unknown experiment or profile is an error listing the known ones", () => {
    assert.throws(() => getExperiment("pneumonia-model3"), /unknown experiment "pneumonia-model3"; known: cifar10-teacher-student, .*pneumonia-student-alone/);
    assert.throws(() => getExperiment("pneumonia-final", "huge" as "quick"), /unknown profile "huge"/);
  });
});

describe("config overrides", () => {
  test("valid overrides are parsed to their types and applied to a copy", () => {
    const base = getExperiment("pneumonia-final", "quick");
    const config = applyOverrides(base, ["optimizer.lr=0.001", "epochs=3", "augmentation.enabled=false", "optimizer.kind=sgd", "dataset.testLimit=null", "teacher.dropout=0.25", "student.backboneWeights=/tmp/w.h5", "schedule.kind=step", "schedule.everyEpochs=2", "schedule.gamma=0.5"]);
    assert.equal(config.optimizer.lr, 0.001);
    assert.equal(config.epochs, 3);
    assert.equal(config.augmentation.enabled, false);
    assert.equal(config.optimizer.kind, "sgd");
    assert.equal(config.dataset.testLimit, null);
    assert.equal(config.teacher?.dropout, 0.25);
    assert.equal(config.student.backboneWeights, "/tmp/w.h5");
    assert.deepEqual(config.schedule, { ...base.schedule, kind: "step", everyEpochs: 2, gamma: 0.5 });
    assert.equal(base.epochs, 2, "the input config is untouched");
  });

  test("an unknown key is an error listing the valid keys", () => {
    const base = getExperiment("pneumonia-final", "quick");
    assert.throws(
      () => applyOverrides(base, ["optimizer.learningRate=0.1"]),
      (error: Error) => error instanceof ConfigError && /unknown config key "optimizer.learningRate"; valid keys: .*optimizer\.lr/.test(error.message) && error.message.includes("distillation.params.<name>"),
    );
    assert.throws(() => applyOverrides(base, ["epochs"]), /must look like key.path=value/);
  });

  test("a value of the wrong type or out of range is an error naming the key and what it expects", () => {
    const base = getExperiment("pneumonia-final", "quick");
    assert.throws(() => applyOverrides(base, ["optimizer.lr=fast"]), /optimizer\.lr must be a number in \(0, ∞\], got "fast"/);
    assert.throws(() => applyOverrides(base, ["optimizer.lr=0"]), /optimizer\.lr must be a number/);
    assert.throws(() => applyOverrides(base, ["epochs=2.5"]), /epochs must be an integer/);
    assert.throws(() => applyOverrides(base, ["epochs=null"]), /epochs must be an integer/);
    assert.throws(() => applyOverrides(base, ["augmentation.enabled=yes"]), /augmentation\.enabled must be true or false, got "yes"/);
    assert.throws(() => applyOverrides(base, ["optimizer.kind=rmsprop"]), /optimizer\.kind must be one of sgd, adam/);
    assert.throws(() => applyOverrides(base, ["distillation.params.alpha=1.5"]), /distillation\.params\.alpha of kd must be a number ≥ 0 and ≤ 1 \(weight α of the hard-label cross-entropy/);
    assert.throws(() => applyOverrides(base, ["distillation.params.beta=8"]), /distillation method kd has no parameter "beta"; its parameters: temperature, alpha/);
    assert.throws(() => applyOverrides(base, ["distillation.method=hinton"]), /distillation\.method must be one of none, kd, dkd, at, rkd, fitnets/);
    assert.throws(() => applyOverrides(base, ["student.model=resnet50"]), /student\.model must be one of cifar-teacher/);
    assert.equal(parseOverrideValue("dataset.trainLimit", "none"), null);
  });

  test("the whole config is checked after the overrides", () => {
    assert.throws(() => applyOverrides(getExperiment("pneumonia-student-alone", "quick"), ["distillation.params.alpha=0.5"]), /there is no teacher, so no distillation method/);
    assert.throws(() => applyOverrides(getExperiment("pneumonia-student-alone", "quick"), ["distillation.method=kd"]), /there is no teacher, so distillation.method must be "none"/);
    assert.throws(() => applyOverrides(getExperiment("pneumonia-final", "quick"), ["distillation.method=none"]), /"none" leaves the teacher unused/);
    assert.throws(() => applyOverrides(getExperiment("pneumonia-student-alone", "quick"), ["teacher.dropout=0.1"]), /teacher.dropout: pneumonia-student-alone has no teacher/);
    assert.throws(() => applyOverrides(getExperiment("pneumonia-final", "quick"), ["student.model=cifar-student"]), /cifar-student does not fit the chest-xray dataset/);
    assert.throws(() => applyOverrides(getExperiment("pneumonia-final", "quick"), ["schedule.kind=cosine"]), /schedule\.epochs must be a positive number/);
  });

  test("distillation.method switches method, its params reset to the new method's defaults, then params overrides apply in any order", () => {
    const base = getExperiment("pneumonia-final", "quick");
    const config = applyOverrides(base, ["distillation.params.beta=4", "distillation.method=dkd"]);
    assert.equal(config.distillation.method, "dkd");
    assert.deepEqual(config.distillation.params, { alpha: 1, beta: 4, temperature: 4, ceWeight: 1, warmup: 1 });
    assert.throws(() => applyOverrides(base, ["distillation.method=dkd", "distillation.params.hintWeight=3"]), /dkd has no parameter "hintWeight"/);
    assert.deepEqual(applyOverrides(base, ["distillation.method=fitnets"]).distillation.params, { hintWeight: 100, layers: "auto" });
  });

  test("every listed key can be set on an experiment that has a teacher", () => {
    assert.ok(OVERRIDE_KEYS.includes("optimizer.lr") && OVERRIDE_KEYS.includes("batchNormMomentum"));
    const base = getExperiment("pneumonia-model2", "quick");
    for (const key of OVERRIDE_KEYS) {
      const value = (key.split(".").reduce<unknown>((o, k) => (o as Record<string, unknown> | undefined)?.[k], base));
      if (value === undefined) continue; // schedule keys of other schedule kinds
      const text = value === null ? "null" : String(value);
      assert.deepEqual(applyOverrides(base, [`${key}=${text}`]), base, key);
    }
  });
});
