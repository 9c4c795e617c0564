/**
 * The bench compares speeds only if every framework trains the same network:
 * the Keras and PyTorch peers must build the four bench models with kdlab's
 * trainable and total parameter counts (at the bench's full-run sizes), and
 * must refuse to time a network whose counts differ. Needs torch and
 * torchvision: the first run installs them with the bench's own installer.
 */
import assert from "node:assert/strict";
import { before, describe, test } from "node:test";
import { buildBenchModel, describeKdlabModel } from "../../bench/speed/kdlab-side";
import { checkSameNetworks } from "../../bench/speed/param-check";
import { PeerRequest } from "../../bench/speed/peer-protocol";
import { runPeer } from "../../bench/speed/peers";
import { ensureBenchRequirements } from "../../bench/common/python-deps";
import { ParamCount } from "../../bench/common/network";
import { PEER_FRAMEWORKS } from "../../bench/speed/schema";
import { benchSettings } from "../../bench/speed/settings";
import { useNativeBackend } from "../helpers/native";

const settings = benchSettings("full", 2);

function countsRequest(counts?: ReadonlyMap<string, ParamCount>): PeerRequest {
  return {
    threads: 2,
    models: settings.models.map((m) => ({ model: m.model, inputSize: m.inputSize, batch: m.batch, classes: m.classes, seed: 1, expectParams: counts?.get(m.model) })),
  };
}

describe("bench peers build kdlab's networks", () => {
  const kdlab = new Map<string, ParamCount>();

  before(async () => {
    await useNativeBackend();
    ensureBenchRequirements((line) => console.error(line));
    for (const spec of settings.models) {
      const model = buildBenchModel(spec, 1);
      kdlab.set(spec.model, describeKdlabModel(model).params);
      model.dispose();
    }
  });

  test("the four bench models are the study's (CIFAR 32×32, Model 2 heads at 224×224)", () => {
    assert.deepEqual(settings.models.map((m) => [m.model, m.inputSize, m.batch]), [
      ["cifar-student", 32, 64],
      ["cifar-teacher", 32, 64],
      ["pneumonia-student-model2", 224, 16],
      ["pneumonia-teacher-model2", 224, 16],
    ]);
    // BatchNorm moving statistics make total > trainable on the 224 models only.
    assert.ok(kdlab.get("pneumonia-teacher-model2")!.total > kdlab.get("pneumonia-teacher-model2")!.trainable);
    assert.equal(kdlab.get("cifar-student")!.total, kdlab.get("cifar-student")!.trainable);
  });

  for (const framework of PEER_FRAMEWORKS) {
    test(`${framework}: trainable and total parameter counts equal kdlab's for all four models`, async () => {
      const answer = await runPeer(framework, countsRequest());
      assert.deepEqual(answer.models.map((m) => m.model), settings.models.map((m) => m.model));
      for (const m of answer.models) assert.deepEqual(m.params, kdlab.get(m.model), `${framework} ${m.model}`);
      assert.doesNotThrow(() => checkSameNetworks(kdlab, answer.models.map((m) => ({ model: m.model, framework, params: m.params }))));
      assert.equal(answer.threads.intraOp, 2);
    });

    test(`${framework}: refuses to time a network whose counts differ from the ones kdlab sends`, async () => {
      const wrong = new Map(kdlab);
      const real = kdlab.get("cifar-teacher")!;
      wrong.set("cifar-teacher", { trainable: real.trainable + 1, total: real.total + 1 });
      const request = countsRequest(wrong);
      request.models = request.models.filter((m) => m.model === "cifar-teacher");
      const message = new RegExp(`cifar-teacher: this peer's network has ${real.trainable.toLocaleString("en-US")} trainable .*kdlab's has ${(real.trainable + 1).toLocaleString("en-US")} .*not the same architecture`, "s");
      await assert.rejects(runPeer(framework, request), message);
    });
  }

  test("checkSameNetworks names the model and both counts when a peer's network differs", () => {
    const counts = new Map([["cifar-student", { trainable: 10, total: 12 }]]);
    assert.throws(
      () => checkSameNetworks(counts, [{ model: "cifar-student", framework: "torch", params: { trainable: 10, total: 11 } }]),
      /cifar-student: torch has 10 trainable \/ 11 total parameters, kdlab 10 \/ 12/,
    );
    assert.throws(() => checkSameNetworks(counts, [{ model: "other", framework: "keras", params: { trainable: 1, total: 1 } }]), /keras measured other, which kdlab did not count/);
  });
});
