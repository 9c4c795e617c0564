import { before, describe, test } from "node:test";
import assert from "node:assert/strict";
import type * as tf from "@tensorflow/tfjs";
import { useNativeBackend } from "../../helpers/native";
import { getMethod, resolveParams } from "../../../lib/distill/methods/index";
import { tapShape } from "../../../lib/distill/methods/method";
import { buildModel } from "../../../lib/models/registry";

/** The study pairs' "auto" layers (default-layers.ts) on the real models, and the errors for bad layers. */
const EXPECTED = {
  cifar: {
    at: { teacher: ["conv2", "conv5", "conv8"], student: ["conv1", "conv2", "conv3"] },
    fitnets: { teacher: ["conv5"], student: ["conv2"] },
    rkd: { teacher: ["fc"], student: ["fc"] },
  },
  pneumonia: {
    at: { teacher: ["pool2_relu", "pool3_relu", "pool4_relu"], student: ["block_2_add", "block_5_add", "block_12_add"] },
    fitnets: { teacher: ["pool3_relu"], student: ["block_5_add"] },
    rkd: { teacher: ["head_fc1"], student: ["head_fc1"] },
  },
} as const;

function create(name: string, teacher: tf.LayersModel, student: tf.LayersModel, layers = "auto") {
  const definition = getMethod(name);
  return definition.create(resolveParams(definition, { layers }), { teacher, student, numClasses: 2, seed: 3 });
}

describe("feature methods' layers", () => {
  const models = new Map<string, tf.LayersModel>();
  const model = (name: string, inputSize?: number): tf.LayersModel => models.get(`${name}@${inputSize ?? "study"}`) as tf.LayersModel;
  before(async () => {
    await useNativeBackend();
    for (const name of ["cifar-teacher", "cifar-student"]) models.set(`${name}@study`, await buildModel(name));
    for (const name of ["pneumonia-teacher-model2", "pneumonia-student-model2", "pneumonia-teacher-final", "pneumonia-student-final"]) {
      for (const size of [32, 224]) models.set(`${name}@${size}`, await buildModel(name, { inputSize: size }));
    }
  });

  test("CIFAR teacher → student: auto is at conv2:conv1,conv5:conv2,conv8:conv3, fitnets conv5:conv2, rkd fc:fc", () => {
    for (const method of ["at", "fitnets", "rkd"] as const) {
      const m = create(method, model("cifar-teacher"), model("cifar-student"));
      assert.deepEqual(m.taps, EXPECTED.cifar[method], method);
    }
    const at = create("at", model("cifar-teacher"), model("cifar-student"));
    assert.equal(at.describe(), "at (p 2, beta 1000, layers conv2:conv1,conv5:conv2,conv8:conv3)");
    // Equal resolutions, one per AT pair: 32, 16, 8.
    assert.deepEqual(at.taps.teacher.map((l) => tapShape(model("cifar-teacher"), l, "teacher", "test").slice(0, 2)), [[32, 32], [16, 16], [8, 8]]);
    const fitnets = create("fitnets", model("cifar-teacher"), model("cifar-student"));
    assert.deepEqual(fitnets.parts[0].outputs[0].shape, [null, 16, 16, 64]);
  });

  for (const stage of ["model2", "final"]) {
    for (const size of [32, 224]) {
      test(`DenseNet121 → MobileNetV2 (${stage}, ${size} px): auto is the documented pairs, at 1/4, 1/8, 1/16 and the heads' Dense layers`, () => {
        const teacher = model(`pneumonia-teacher-${stage}`, size);
        const student = model(`pneumonia-student-${stage}`, size);
        for (const method of ["at", "fitnets", "rkd"] as const) assert.deepEqual(create(method, teacher, student).taps, EXPECTED.pneumonia[method], method);
        const at = create("at", teacher, student);
        const sides = at.taps.student.map((l) => tapShape(student, l, "student", "test")[0]);
        assert.deepEqual(sides, [size / 4, size / 8, size / 16]);
        assert.deepEqual(tapShape(teacher, "head_fc1", "teacher", "test"), [64]);
        assert.deepEqual(tapShape(student, "head_fc1", "student", "test"), [512]);
        assert.deepEqual(create("fitnets", teacher, student).parts[0].outputs[0].shape, [null, size / 8, size / 8, 512]);
      });
    }
  }

  test("an unknown pair: the error lists the pairs known and asks for distillation.params.layers", () => {
    for (const method of ["at", "fitnets", "rkd"]) {
      assert.throws(
        () => create(method, model("cifar-teacher"), model("pneumonia-student-model2", 32)),
        new RegExp(`${method}: no default layers for teacher .* \\(the pairs known: CIFAR .*; DenseNet121 → MobileNetV2 .*\\); give distillation.params.layers`),
      );
    }
    // The CIFAR teacher distilled into itself is not the study pair (the student has conv4).
    assert.throws(() => create("at", model("cifar-teacher"), model("cifar-teacher")), /at: no default layers/);
  });

  test("bad layers: an unknown name, different resolutions, not a feature map, a malformed pair", () => {
    const teacher = model("cifar-teacher");
    const student = model("cifar-student");
    assert.throws(() => create("at", teacher, student, "conv99:conv1"), /at: the teacher .* has no layer "conv99" \(it has 15 layers, e\.g\. .*conv10.*\)/);
    assert.throws(() => create("rkd", teacher, student, "fc:fc2"), /rkd: the student .* has no layer "fc2"/);
    assert.throws(() => create("at", teacher, student, "conv2:conv1,conv2:conv2"), /at: teacher layer conv2 \[32, 32, 32\] and student layer conv2 \[16, 16, 64\] differ in height and width/);
    assert.throws(() => create("fitnets", teacher, student, "conv8:conv2"), /fitnets: teacher layer conv8 \[8, 8, 128\] and student layer conv2 \[16, 16, 64\] differ in height and width/);
    assert.throws(() => create("at", teacher, student, "fc:fc"), /at: layer pair fc:fc must be feature maps \[height, width, channels\]; teacher layer fc \[256\], student layer fc \[256\]/);
    assert.throws(() => create("fitnets", teacher, student, "conv5-conv2"), /fitnets: layer pair "conv5-conv2" must look like teacherLayer:studentLayer/);
    // Given layers are used as given; RKD flattens a map.
    assert.deepEqual(create("rkd", teacher, student, "conv10:conv3").taps, { teacher: ["conv10"], student: ["conv3"] });
  });
});
