/**
 * The bench's fidelity part: the recipe's translation into Keras's terms
 * (L2 factor, plateau patience, monitored metric, refusals), the comparison
 * against Keras's seed spread, the .npy writer against kdlab's own reader, and a quick run end
 * to end (2 seeds × 1 epoch on small subsets, kdlab and Keras in their own
 * processes) whose result and files have the schema's shape. Accuracy is only
 * checked to be a number in [0, 1]: one epoch of a few batches compares
 * nothing (the full run is `kdlab bench --only fidelity`).
 */
import assert from "node:assert/strict";
import * as fs from "node:fs";
import * as os from "node:os";
import * as path from "node:path";
import { after, before, describe, test } from "node:test";
import { parseNpy } from "../../lib/data/npz";
import { getExperiment } from "../../lib/experiments/catalog";
import { fidelityBaseName, fidelityMarkdown, fidelityVerdict, plateauLine, writeFidelityResult } from "../../bench/fidelity/report";
import { fidelityConfig, kerasRecipe } from "../../bench/fidelity/recipe";
import { runFidelity } from "../../bench/fidelity/run";
import type { FidelityResult, KdlabNetwork, KdlabTrainerRecord } from "../../bench/fidelity/schema";
import { fidelitySettings } from "../../bench/fidelity/settings";
import { compareSpreads } from "../../bench/fidelity/compare";
import { spreadOf } from "../../lib/stats/summary";
import { npyBytes } from "../../bench/fidelity/npy-writer";
import { useNativeBackend } from "../helpers/native";

const NETWORK: KdlabNetwork = {
  model: "pneumonia-student-final",
  params: { trainable: 10, total: 12 },
  decayed: { weights: 3, elements: 8 },
  dropout: [
    { name: "head_dropout1", rate: 0.3 },
    { name: "head_dropout2", rate: 0.3 },
  ],
  batchNormLayers: 1,
};

const ADAM = { learningRate: 0.001, beta1: 0.9, beta2: 0.999, epsilon: 1e-7 };

function trainerRecord(overrides: Partial<KdlabTrainerRecord> = {}): KdlabTrainerRecord {
  return {
    epochs: 5,
    optimizer: { kind: "adam", lr: 0.001 },
    schedule: { kind: "plateau", monitor: "val_loss", factor: 0.5, patience: 1, minLr: 1e-6 },
    weightDecay: 1e-4,
    monitor: "val_loss",
    earlyStopping: { patience: 2, minDelta: 0, restoreBest: true },
    classWeights: false,
    distillation: false,
    ...overrides,
  };
}

describe("fidelity recipe in Keras's terms", () => {
  const config = getExperiment("pneumonia-student-alone", "standard");

  test("L2 is half kdlab's weight decay, plateau patience one more, val_loss the cross-entropy metric", () => {
    const { recipe, translation } = kerasRecipe(config, trainerRecord(), ADAM, NETWORK, 2);
    assert.equal(recipe.l2, 5e-5);
    assert.deepEqual(recipe.reduceLrOnPlateau, { monitor: "val_ce", mode: "min", factor: 0.5, patience: 2, minDelta: 0, minLr: 1e-6, cooldown: 0 });
    assert.deepEqual(recipe.earlyStopping, { patience: 2, minDelta: 0, restoreBestWeights: true });
    assert.equal(recipe.monitor, "val_ce");
    assert.deepEqual(recipe.optimizer, { kind: "adam", ...ADAM });
    assert.equal(recipe.dropout, 0.3);
    assert.equal(recipe.batchSize, config.batchSize);
    assert.equal(recipe.inputSize, config.dataset.inputSize);
    assert.equal(recipe.batchNormMomentum, config.batchNormMomentum);
    assert.ok(translation.some((line) => line.includes("L2(0.00005)")), translation.join("\n"));
  });

  test("refuses what the Keras side cannot mirror", () => {
    assert.throws(() => kerasRecipe(config, trainerRecord({ distillation: true }), ADAM, NETWORK, 2), /has a teacher/);
    assert.throws(() => kerasRecipe({ ...config, augmentation: { ...config.augmentation, enabled: true } }, trainerRecord(), ADAM, NETWORK, 2), /augments/);
    assert.throws(() => kerasRecipe(config, trainerRecord({ schedule: { kind: "step", everyEpochs: 2, gamma: 0.5 } }), ADAM, NETWORK, 2), /step schedule/);
    assert.throws(() => kerasRecipe(config, trainerRecord({ monitor: "val_auc" }), ADAM, NETWORK, 2), /val_auc/);
    const mixed = { ...NETWORK, dropout: [{ name: "a", rate: 0.3 }, { name: "b", rate: 0.5 }] };
    assert.throws(() => kerasRecipe(config, trainerRecord(), ADAM, mixed, 2), /different rates/);
  });

  test("the config of a seed is the catalog's with the overrides and the seed", () => {
    const settings = fidelitySettings("quick", 2);
    const seeded = fidelityConfig(settings, 43);
    assert.equal(seeded.seed, 43);
    assert.equal(seeded.epochs, 1);
    assert.equal(seeded.dataset.trainLimit, 128);
    assert.equal(seeded.checkpoints, true);
    assert.equal(seeded.optimizer.lr, config.optimizer.lr);
  });
});

describe("fidelity comparison", () => {
  test("kdlab's mean against Keras's mean ± 2 sd and its seed range", () => {
    const keras = spreadOf([0.8, 0.84, 0.82]);
    const inside = compareSpreads("test accuracy", spreadOf([0.81, 0.85]), keras);
    assert.ok(inside.withinTwoSd && inside.withinRange);
    assert.ok(Math.abs(inside.difference - 0.01) < 1e-12);
    const band = compareSpreads("test accuracy", spreadOf([0.85, 0.85]), keras);
    assert.ok(band.withinTwoSd && !band.withinRange);
    assert.ok(!compareSpreads("test accuracy", spreadOf([0.9]), keras).withinTwoSd);
  });
});

describe("npy writer", () => {
  test("round-trips through kdlab's reader with a 64-byte aligned header", () => {
    const pixels = Uint8Array.from({ length: 2 * 3 * 3 * 1 }, (_, i) => i * 7);
    const bytes = npyBytes(pixels, [2, 3, 3, 1]);
    const headerEnd = 10 + bytes.readUInt16LE(8);
    assert.equal(headerEnd % 64, 0);
    const parsed = parseNpy(bytes, "pixels");
    assert.deepEqual([parsed.dtype, parsed.shape, Array.from(parsed.data)], ["u1", [2, 3, 3, 1], Array.from(pixels)]);
    const labels = Int32Array.from([0, 1, 1, 0, 1]);
    // Straight from a Buffer (a view into Node's pool): wider dtypes must still read from the data, not the pool's start.
    const read = parseNpy(npyBytes(labels, [5]), "labels");
    assert.deepEqual([read.dtype, read.shape, Array.from(read.data)], ["i4", [5], [0, 1, 1, 0, 1]]);
    assert.throws(() => npyBytes(labels, [2, 2]), /holds 4 elements/);
  });
});

describe("fidelity part, quick run", () => {
  let outDir: string;
  before(async () => {
    await useNativeBackend();
    outDir = fs.mkdtempSync(path.join(os.tmpdir(), "kdlab-fidelity-test-"));
  });
  after(() => fs.rmSync(outDir, { recursive: true, force: true }));

  test("kdlab and Keras train every seed on the same images and networks; the result and its files have the schema's shape", async () => {
    const { threads } = await useNativeBackend();
    const settings = fidelitySettings("quick", threads);
    const result = await runFidelity({ settings, command: "test", log: () => undefined });
    assert.deepEqual(result.frameworks.map((f) => f.framework), ["kdlab", "keras"]);
    for (const side of result.frameworks) {
      assert.deepEqual(side.runs.map((r) => r.seed), settings.seeds, `${side.framework} seeds`);
      for (const run of side.runs) {
        for (const value of [run.testAccuracy, run.testAuc]) assert.ok(Number.isFinite(value) && value >= 0 && value <= 1, `${side.framework} seed ${run.seed}: ${value}`);
        assert.equal(run.epochsRun, 1);
        assert.equal(run.history.length, 1);
        assert.ok(Number.isFinite(run.history[0].valLoss), `${side.framework} val loss`);
      }
      assert.equal(side.accuracy.n, settings.seeds.length);
    }
    assert.deepEqual(result.frameworks[1].params, result.frameworks[0].params);
    assert.deepEqual(result.network.keras.params, result.network.params);
    assert.deepEqual(result.network.keras.decayed, result.network.decayed);
    assert.deepEqual(result.network.keras.dropout, result.network.dropout);
    assert.ok(result.network.decayed.weights > 0 && result.network.dropout.length === 2);
    assert.equal(result.kerasRecipe.l2, (result.kdlabRecipe.weightDecay as number) / 2);
    assert.ok(result.data.isReal, result.data.description);
    assert.deepEqual(result.data.counts, { train: 128, validation: 64, test: 128 });
    assert.deepEqual(result.comparison.map((c) => c.metric), ["test accuracy", "test ROC AUC"]);
    assert.equal(fidelityVerdict(result).length, 2);
    const { reduceLrOnPlateau: plateau, earlyStopping: stopping } = result.kerasRecipe;
    if (plateau && stopping) {
      const withPatience = (patience: number): FidelityResult => ({ ...result, kerasRecipe: { ...result.kerasRecipe, reduceLrOnPlateau: { ...plateau, patience } } });
      assert.match(plateauLine(withPatience(stopping.patience)) ?? "", /no epoch runs at a reduced rate/);
      assert.equal(plateauLine(withPatience(stopping.patience - 1)), undefined);
    }

    const files = writeFidelityResult(result, outDir);
    assert.equal(path.basename(files.json), `${fidelityBaseName(result)}.json`);
    assert.match(path.basename(files.json), /^fidelity-\d{4}-\d{2}-\d{2}-quick\.json$/);
    const json = JSON.parse(fs.readFileSync(files.json, "utf8")) as FidelityResult;
    assert.deepEqual(json.seeds, settings.seeds);
    const markdown = fs.readFileSync(files.markdown, "utf8");
    assert.equal(markdown, fidelityMarkdown(json));
    for (const heading of ["## Mean ± sd over seeds", "## kdlab against Keras's seed spread", "## Per seed", "## Recipe and network"]) assert.ok(markdown.includes(heading), heading);
    assert.match(markdown, /\| kdlab \| 42 \| [\d.]+ % \| [\d.]+ \|/);
    assert.match(markdown, /\| keras \| 43 \| [\d.]+ % \| [\d.]+ \|/);
  });
});
