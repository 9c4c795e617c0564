import { describe, test } from "node:test";
import assert from "node:assert/strict";
import { spawnSync } from "node:child_process";
import * as fs from "node:fs";
import * as path from "node:path";
import sharp from "sharp";
import { dataCommand } from "../../lib/commands/data";
import { UsageError } from "../../lib/commands/command";
import { CIFAR_RECORD_BYTES } from "../../lib/data/cifar10";
import { defaultDataPath, ensureDefaultData } from "../../lib/data/default-data";
import { inspectDataset } from "../../lib/data/inspect";
import { hashTree, tempDir } from "./helpers";

/** Runs `kdlab data …` and returns what it printed on stdout and stderr. */
async function runData(args: string[]): Promise<{ code: number; stdout: string; stderr: string }> {
  const lines: string[] = [];
  const errors: string[] = [];
  const original = { log: console.log, error: console.error };
  console.log = (...parts: unknown[]) => lines.push(parts.join(" "));
  console.error = (...parts: unknown[]) => errors.push(parts.join(" "));
  try {
    const code = await dataCommand.run(args);
    return { code, stdout: lines.join("\n"), stderr: errors.join("\n") };
  } finally {
    Object.assign(console, original);
  }
}

/** A tiny grayscale JPEG, copied under each name given (relative to `dir`). */
async function writeImages(dir: string, names: string[]): Promise<void> {
  const jpeg = await sharp(Buffer.alloc(64, 128), { raw: { width: 8, height: 8, channels: 1 } }).jpeg().toBuffer();
  for (const name of names) {
    fs.mkdirSync(path.dirname(path.join(dir, name)), { recursive: true });
    fs.writeFileSync(path.join(dir, name), jpeg);
  }
}

describe("inspect and the data command", () => {
  test("synth + inspect --json for chest X-ray: counts, classes, patients, corrupt files", async () => {
    const dir = tempDir("insp-chest");
    assert.equal((await runData(["synth", "chest-xray", dir, "--seed", "3"])).code, 0);
    const bad = path.join(dir, "test", "NORMAL", "IM-9999-0001.jpeg");
    fs.writeFileSync(bad, "broken");
    const { code, stdout, stderr } = await runData(["inspect", dir, "--json"]);
    assert.equal(code, 1, "a corrupt file fails the inspection");
    assert.equal(stderr, "kdlab data inspect: 1 file cannot be used (listed under \"skipped\")");
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

  test("every Kermany name form gets its patient; inspect counts them, and says how many images have none", async () => {
    const dir = tempDir("insp-names");
    await writeImages(dir, [
      "train/NORMAL/IM-0001-0001.jpeg",
      "train/NORMAL/IM-0640-0001-0001.jpeg",
      "train/NORMAL/IM-0640-0001-0002.jpeg",
      "train/NORMAL/NORMAL2-IM-1152-0001-0002.jpeg",
      "train/NORMAL/NORMAL2-IM-0640-0001.jpeg",
      "train/PNEUMONIA/person1_bacteria_1.jpeg",
      "train/PNEUMONIA/person1_virus_7.jpeg",
      "train/PNEUMONIA/person22_virus_3.jpeg",
    ]);
    const clean = await runData(["inspect", dir]);
    assert.equal(clean.code, 0);
    assert.equal(clean.stderr, "");
    // IM-0001, IM-0640, NORMAL2-IM-1152, NORMAL2-IM-0640 (not IM-0640), person1, person22.
    assert.equal(clean.stdout, `${dir}: chest-xray\n  train: 8 images (NORMAL 5, PNEUMONIA 3), 6 patients\n  skipped: 0`);
    await writeImages(dir, ["train/NORMAL/scan.jpeg"]);
    const partial = await runData(["inspect", dir]);
    assert.equal(partial.code, 0, "names without a patient are allowed");
    assert.match(partial.stdout, /train: 9 images \(NORMAL 6, PNEUMONIA 3\), 6 patients \(1 image without a patient id\)\n/);
  });

  test("inspect exits 1 on a broken dataset: the report and the messages a user sees", async () => {
    const dir = tempDir("insp-broken");
    await writeImages(dir, ["train/NORMAL/IM-0001-0001.jpeg", "train/PNEUMONIA/person1_bacteria_1.jpeg", "test/NORMAL/IM-0002-0001.jpeg"]);
    fs.writeFileSync(path.join(dir, "test", "NORMAL", "IM-0003-0001.jpeg"), "not a jpeg");
    fs.writeFileSync(path.join(dir, "train", "labels.txt"), "x");
    const broken = await runData(["inspect", dir]);
    assert.equal(broken.code, 1);
    const lines = broken.stdout.split("\n");
    assert.deepEqual(lines.slice(0, 5), [
      `${dir}: chest-xray`,
      "  train: 2 images (NORMAL 1, PNEUMONIA 1), 2 patients",
      "  test: 1 images (NORMAL 1, PNEUMONIA 0), 1 patients",
      "  skipped: 2",
      `    ${path.join(dir, "train", "labels.txt")}: not in a class folder (NORMAL, PNEUMONIA)`,
    ]);
    assert.ok(lines[5].startsWith(`    ${path.join(dir, "test", "NORMAL", "IM-0003-0001.jpeg")}: `), lines[5]);
    assert.equal(broken.stderr, "kdlab data inspect: 2 files cannot be used (listed under \"skipped\")");
    // --no-verify does not decode, but the stray file still counts.
    assert.equal((await runData(["inspect", dir, "--no-verify"])).code, 1);

    // An unknown class folder stops the listing: an error naming it, unless --classes includes it.
    fs.rmSync(path.join(dir, "train", "labels.txt"));
    fs.rmSync(path.join(dir, "test", "NORMAL", "IM-0003-0001.jpeg"));
    await writeImages(dir, ["train/COVID/covid_1.jpeg"]);
    await assert.rejects(runData(["inspect", dir]), { message: `${path.join(dir, "train", "COVID")}: a class folder outside the class list (NORMAL, PNEUMONIA); remove or rename it, or pass the class list including COVID to use it` });
    const three = await runData(["inspect", dir, "--classes", "NORMAL,PNEUMONIA,COVID", "--json"]);
    assert.equal(three.code, 0);
    assert.deepEqual((JSON.parse(three.stdout) as { splits: Record<string, { classes: Record<string, number> }> }).splits.train.classes, { NORMAL: 1, PNEUMONIA: 1, COVID: 1 });

    // The installed command: the error on stderr and exit status 1.
    const cli = spawnSync(process.execPath, [path.resolve(__dirname, "../../bin/kdlab.js"), "data", "inspect", dir], { encoding: "utf8" });
    assert.equal(cli.status, 1);
    assert.equal(cli.stdout, "");
    assert.equal(cli.stderr.trim().split("\n").at(-1), `kdlab: ${path.join(dir, "train", "COVID")}: a class folder outside the class list (NORMAL, PNEUMONIA); remove or rename it, or pass the class list including COVID to use it`);
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
