import assert from "node:assert/strict";
import * as fs from "node:fs";
import * as os from "node:os";
import * as path from "node:path";
import { after, before, describe, test } from "node:test";
import * as tf from "@tensorflow/tfjs";
import { cifarStudent, cifarTeacher } from "../../lib/models/cifar";
import { loadModelWeights, saveModelWeights } from "../../lib/models/weights";
import { useNativeBackend } from "../helpers/native";

const values = (model: tf.LayersModel): number[][] => model.getWeights().map((w) => Array.from(w.dataSync()));

describe("tfjs file:// weights", () => {
  let dir = "";
  before(async () => {
    await useNativeBackend();
    dir = fs.mkdtempSync(path.join(os.tmpdir(), "kdlab-weights-"));
  });
  after(() => fs.rmSync(dir, { recursive: true, force: true }));

  test("save then load into a freshly built model restores every weight and the outputs", async () => {
    const saved = cifarStudent({ seed: 1 });
    const target = path.join(dir, "student");
    await saveModelWeights(saved, target);
    assert.ok(fs.existsSync(path.join(target, "model.json")) && fs.existsSync(path.join(target, "weights.bin")));
    const fresh = cifarStudent({ seed: 2 });
    assert.notDeepEqual(values(fresh), values(saved));
    const tensors = tf.memory().numTensors;
    loadModelWeights(fresh, target);
    assert.equal(tf.memory().numTensors, tensors, "loading leaves no tensors behind");
    assert.deepEqual(values(fresh), values(saved));
    const x = tf.randomUniform([2, 32, 32, 3], 0, 1, "float32", 5);
    assert.deepEqual(Array.from((fresh.predict(x) as tf.Tensor).dataSync()), Array.from((saved.predict(x) as tf.Tensor).dataSync()));
    saved.dispose();
    fresh.dispose();
  });

  test("the files are tfjs-node's file:// format, both ways", async () => {
    const model = cifarStudent({ seed: 3 });
    const ours = path.join(dir, "ours");
    await saveModelWeights(model, ours);
    const loaded = await tf.loadLayersModel(`file://${path.join(ours, "model.json")}`);
    assert.deepEqual(values(loaded), values(model));
    const theirs = path.join(dir, "theirs");
    await model.save(`file://${theirs}`);
    const fresh = cifarStudent({ seed: 4 });
    loadModelWeights(fresh, theirs);
    assert.deepEqual(values(fresh), values(model));
    for (const m of [model, loaded, fresh]) m.dispose();
  });

  test("a directory from another model fails with the problems listed, and nothing is loaded", async () => {
    const student = cifarStudent({ seed: 5 });
    const target = path.join(dir, "wrong");
    await saveModelWeights(student, target);
    const teacher = cifarTeacher({ seed: 6 });
    const before = values(teacher);
    assert.throws(() => loadModelWeights(teacher, target), (error: Error) => {
      assert.match(error.message, /wrong[/\\]model\.json: cannot load into model "cifar_teacher", nothing was loaded/);
      assert.match(error.message, /missing: conv10\/kernel \[3, 3, 256, 256\]/);
      assert.match(error.message, /shape: conv2\/kernel is \[3, 3, 32, 32\], saved \[3, 3, 32, 64\]/);
      return true;
    });
    assert.deepEqual(values(teacher), before);
    assert.throws(() => loadModelWeights(teacher, path.join(dir, "absent")), /absent[/\\]model\.json: no such file/);
    fs.writeFileSync(path.join(target, "weights.bin"), Buffer.alloc(10));
    assert.throws(() => loadModelWeights(student, target), /describes \d+ bytes of weights, the files hold 10/);
    student.dispose();
    teacher.dispose();
  });
});
