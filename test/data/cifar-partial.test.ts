/**
 * The shipped partial real CIFAR-10 (data/cifar-10-partial): it loads as the
 * CIFAR stages' default with its documented counts, its MD5s are checked, the
 * full set in data/ still wins, and the val split is seeded and from train only.
 */
import assert from "node:assert/strict";
import * as fs from "node:fs";
import * as path from "node:path";
import { afterEach, describe, test } from "node:test";
import { CIFAR_RECORD_BYTES, listCifar10 } from "../../lib/data/cifar10";
import { CIFAR_PARTIAL_NAME, resolveDataset, SHIPPED_CIFAR_PARTIAL, verifiedCifarPartial } from "../../lib/data/default-data";
import { synthCifar10 } from "../../lib/data/synth-cifar10";
import { buildExperimentData } from "../../lib/experiments/data";
import { getExperiment } from "../../lib/experiments/catalog";
import { tempDir } from "./helpers";

const savedDataDir = process.env.KDLAB_DATA_DIR;

describe("partial real CIFAR-10 (shipped default)", () => {
  afterEach(() => {
    if (savedDataDir === undefined) delete process.env.KDLAB_DATA_DIR;
    else process.env.KDLAB_DATA_DIR = savedDataDir;
  });

  test("holds 932 records per train batch (4,660) and 846 test records with the documented labels", () => {
    const train = listCifar10(SHIPPED_CIFAR_PARTIAL, "train").samples;
    const test = listCifar10(SHIPPED_CIFAR_PARTIAL, "test").samples;
    assert.equal(train.length, 4660);
    for (let batch = 1; batch <= 5; batch++) assert.equal(train.filter((s) => s.file.endsWith(`data_batch_${batch}.bin`)).length, 932);
    assert.equal(test.length, 846);
    assert.deepEqual(test.slice(0, 10).map((s) => s.label), [3, 8, 8, 0, 6, 6, 1, 6, 3, 1]);
    const counts = new Array(10).fill(0);
    for (const s of test) counts[s.label]++;
    assert.deepEqual(counts, [83, 70, 88, 84, 76, 79, 97, 87, 88, 94]);
  });

  test("is the CIFAR default without data/cifar-10-batches-bin, named partial real CIFAR-10 (4,660 / 846)", async () => {
    process.env.KDLAB_DATA_DIR = tempDir("cifar-nodata");
    const resolved = await resolveDataset("cifar10");
    assert.deepEqual([resolved.path, resolved.isDefault, resolved.isReal], [SHIPPED_CIFAR_PARTIAL, true, true]);
    assert.ok(resolved.description?.startsWith(CIFAR_PARTIAL_NAME), resolved.description);
    assert.equal(CIFAR_PARTIAL_NAME, "partial real CIFAR-10 (4,660 / 846)");
  });

  test("the full set in data/cifar-10-batches-bin, or a given folder, is used instead", async () => {
    const dataDir = tempDir("cifar-full");
    synthCifar10(dataDir, { seed: 3, recordsPerTrainBatch: 2, testRecords: 2 });
    process.env.KDLAB_DATA_DIR = dataDir;
    const full = await resolveDataset("cifar10");
    assert.equal(full.path, path.join(dataDir, "cifar-10-batches-bin"));
    assert.ok(!full.description?.includes("partial"));
    assert.deepEqual(await resolveDataset("cifar10", "/some/where"), { path: "/some/where", isDefault: false, isReal: true });
  });

  test("a changed byte fails the MD5 check, naming the file", async () => {
    const copy = tempDir("cifar-partial-copy");
    fs.cpSync(SHIPPED_CIFAR_PARTIAL, copy, { recursive: true });
    assert.equal(await verifiedCifarPartial(copy), copy);
    const file = path.join(copy, "cifar-10-batches-bin", "data_batch_3.bin");
    fs.chmodSync(file, 0o644);
    const bytes = fs.readFileSync(file);
    bytes[5 * CIFAR_RECORD_BYTES + 17] ^= 0xff;
    fs.writeFileSync(file, bytes);
    await assert.rejects(verifiedCifarPartial(copy), (e: Error) => e.message.startsWith(file) && /MD5 .* does not match 05766f1caceac5821e0f44aea5933a29/.test(e.message));
    fs.writeFileSync(path.join(copy, "MD5SUMS"), "not a checksum line\n");
    await assert.rejects(verifiedCifarPartial(copy), /MD5SUMS: line 1 is not/);
  });

  test("a batch whose size is not a whole number of records is an error naming the file", () => {
    const copy = tempDir("cifar-partial-cut");
    fs.cpSync(SHIPPED_CIFAR_PARTIAL, copy, { recursive: true });
    const file = path.join(copy, "cifar-10-batches-bin", "test_batch.bin");
    fs.chmodSync(file, 0o644);
    fs.truncateSync(file, 846 * CIFAR_RECORD_BYTES - 1);
    assert.throws(() => listCifar10(copy, "test"), (e: Error) => e.message.startsWith(file) && /record 845 is truncated/.test(e.message));
  });

  test("validation is held out of train only, stratified and seeded", async () => {
    process.env.KDLAB_DATA_DIR = tempDir("cifar-nodata");
    const config = getExperiment("cifar10-teacher-student", "standard");
    const data = await buildExperimentData(config);
    const key = (s: { file: string; record?: number }) => `${path.basename(s.file)}#${s.record}`;
    const train = new Set(data.samples.train.map(key));
    const validation = data.samples.validation.map(key);
    assert.equal(data.samples.test.length, 846);
    assert.ok(data.samples.test.every((s) => s.file.endsWith("test_batch.bin")));
    assert.ok(data.samples.validation.every((s) => !s.file.endsWith("test_batch.bin")));
    assert.ok(validation.every((k) => !train.has(k)), "train and validation overlap");
    assert.equal(train.size + validation.length, 4660);
    assert.equal(validation.length, Math.round(4660 * config.dataset.valFraction));
    const again = await buildExperimentData(config);
    assert.deepEqual(again.samples.validation.map(key), validation);
    const other = await buildExperimentData({ ...config, seed: config.seed + 1 });
    assert.notDeepEqual(other.samples.validation.map(key), validation);
  });
});
