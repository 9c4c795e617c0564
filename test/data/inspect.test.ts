import { describe, test } from "node:test";
import assert from "node:assert/strict";
import * as fs from "node:fs";
import * as path from "node:path";
import { dataCommand } from "../../lib/commands/data";
import { UsageError } from "../../lib/commands/command";
import { CIFAR_RECORD_BYTES } from "../../lib/data/cifar10";
import { defaultDataPath, ensureDefaultData } from "../../lib/data/default-data";
import { inspectDataset } from "../../lib/data/inspect";
import { hashTree, tempDir } from "./helpers";

/** Runs `kdlab data …` and returns what it printed on stdout. */
async function runData(args: string[]): Promise<{ code: number; stdout: string }> {
  const lines: string[] = [];
  const original = console.log;
  console.log = (...parts: unknown[]) => lines.push(parts.join(" "));
  try {
    const code = await dataCommand.run(args);
    return { code, stdout: lines.join("\n") };
  } finally {
    console.log = original;
  }
}

describe("inspect and the data command", () => {
  test("synth + inspect --json for chest X-ray: counts, classes, patients, corrupt files", async () => {
    const dir = tempDir("insp-chest");
    assert.equal((await runData(["synth", "chest-xray", dir, "--seed", "3"])).code, 0);
    const bad = path.join(dir, "test", "NORMAL", "IM-9999-0001.jpeg");
    fs.writeFileSync(bad, "broken");
    const { code, stdout } = await runData(["inspect", dir, "--json"]);
    assert.equal(code, 0);
    const report = JSON.parse(stdout) as { format: string; splits: Record<string, { count: number; classes: Record<string, number>; patients?: number }>; skipped: { file: string; reason: string }[] };
    assert.equal(report.format, "chest-xray");
    assert.deepEqual(Object.keys(report.splits), ["train", "val", "test"]);
    assert.deepEqual(report.splits.train.classes, { NORMAL: 103, PNEUMONIA: 297 });
    assert.equal(report.splits.train.count, 400);
    assert.ok((report.splits.train.patients ?? 0) > 50 && (report.splits.train.patients ?? 0) < 400);
    assert.equal(report.splits.test.count, 48);
    assert.deepEqual(report.skipped.map((s) => s.file), [bad]);
    assert.ok(report.skipped[0].reason.length > 0);
  });

  test("inspect CIFAR-10 and DICOM; a truncated CIFAR file is listed, not fatal", async () => {
    const cifar = tempDir("insp-cifar");
    await runData(["synth", "cifar10", cifar, "--seed", "1"]);
    fs.truncateSync(path.join(cifar, "cifar-10-batches-bin", "data_batch_5.bin"), CIFAR_RECORD_BYTES * 2 + 5);
    const report = await inspectDataset(cifar);
    assert.equal(report.format, "cifar10");
    assert.equal(report.splits.train.count, 1600);
    assert.equal(report.splits.test.count, 500);
    assert.equal(report.splits.test.classes.airplane, 50);
    assert.equal(report.skipped.length, 1);
    assert.match(report.skipped[0].reason, /data_batch_5\.bin: record 2 is truncated/);

    const dicom = tempDir("insp-dicom");
    await runData(["synth", "dicom", dicom]);
    const dicomReport = await inspectDataset(dicom);
    assert.equal(dicomReport.format, "dicom");
    assert.deepEqual(dicomReport.splits.train.classes, { NORMAL: 12, PNEUMONIA: 24 });
    assert.ok((dicomReport.splits.train.patients ?? 0) > 0);
    assert.deepEqual(dicomReport.skipped, []);
  });

  test("bad arguments are usage errors", async () => {
    await assert.rejects(dataCommand.run(["synth", "mnist", "/tmp/x"]), UsageError);
    await assert.rejects(dataCommand.run(["download", "chest-xray"]), UsageError);
    await assert.rejects(dataCommand.run(["inspect"]), UsageError);
    await assert.rejects(dataCommand.run(["frobnicate"]), UsageError);
    await assert.rejects(runData(["inspect", tempDir("insp-empty"), "--json"]), /not a CIFAR-10/);
  });

  test("ensureDefaultData generates once, deterministically, and reuses it", async () => {
    const dataDir = tempDir("insp-default");
    const first = await ensureDefaultData("dicom", { dataDir });
    assert.equal(first, defaultDataPath("dicom", dataDir));
    const hash = hashTree(first);
    const mtime = fs.statSync(path.join(first, "train", "labels.csv")).mtimeMs;
    assert.equal(await ensureDefaultData("dicom", { dataDir }), first);
    assert.equal(fs.statSync(path.join(first, "train", "labels.csv")).mtimeMs, mtime, "regenerated on second use");
    const other = tempDir("insp-default-2");
    assert.equal(hashTree(await ensureDefaultData("dicom", { dataDir: other })), hash);
    assert.deepEqual(fs.readdirSync(path.join(dataDir, "default")), ["dicom"]);
  });
});
