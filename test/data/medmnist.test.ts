/**
 * MedMNIST .npz: files written by numpy (the project's .venv), in the
 * published layout — gray and RGB, 28 and MedMNIST+ sizes, binary,
 * multi-class, multi-label and unnamed sets, stored and deflated — read,
 * decoded and inspected in TypeScript; every bad input an error naming file
 * and key; the download command against a local HTTP server; the shipped
 * PneumoniaMNIST default.
 */
import { after, before, describe, test } from "node:test";
import assert from "node:assert/strict";
import { spawnSync } from "node:child_process";
import * as crypto from "node:crypto";
import * as fs from "node:fs";
import * as http from "node:http";
import { AddressInfo } from "node:net";
import * as path from "node:path";
import { dataCommand } from "../../lib/commands/data";
import { detectFormat, openDataset } from "../../lib/data/dataset";
import { downloadMedmnist, medmnistSource } from "../../lib/data/dataset-download";
import { resolveDataset, SHIPPED_PNEUMONIAMNIST } from "../../lib/data/default-data";
import { inspectDataset } from "../../lib/data/inspect";
import { decodeMedmnistRecord, listMedmnist, readMedmnist } from "../../lib/data/medmnist";
import { ImagePipeline } from "../../lib/data/pipeline";
import { projectPython } from "../../lib/notebook/python";
import { tempDir } from "./helpers";

/**
 * Writes an npz with numpy. `spec` is Python evaluated with numpy as np and
 * rng = np.random.default_rng(seed): a dict of key → array.
 */
function writeNpz(file: string, spec: string, options: { compressed?: boolean } = {}): string {
  const script = `
import numpy as np, sys
rng = np.random.default_rng(7)
arrays = ${spec}
(np.savez_compressed if ${options.compressed ? "True" : "False"} else np.savez)(sys.argv[1], **arrays)
`;
  const result = spawnSync(projectPython(), ["-c", script, file], { encoding: "utf8" });
  assert.equal(result.status, 0, result.stderr);
  return file;
}

/** A MedMNIST-layout dict: n images per split of side s (gray unless rgb), labels in [0, classes). */
function layout(counts: [number, number, number], side: number, classes: number, rgb = false, labelDtype = "np.uint8"): string {
  const shape = (n: number) => (rgb ? `(${n}, ${side}, ${side}, 3)` : `(${n}, ${side}, ${side})`);
  const parts = (["train", "val", "test"] as const).map((split, i) => {
    const n = counts[i];
    return `"${split}_images": rng.integers(0, 256, ${shape(n)}, dtype=np.uint8), "${split}_labels": (np.arange(${n}) % ${classes}).astype(${labelDtype}).reshape(${n}, 1)`;
  });
  return `{${parts.join(", ")}}`;
}

async function runData(args: string[]): Promise<{ code: number; stdout: string }> {
  const lines: string[] = [];
  const original = console.log;
  console.log = (...parts: unknown[]) => lines.push(parts.join(" "));
  try {
    return { code: await dataCommand.run(args), stdout: lines.join("\n") };
  } finally {
    console.log = original;
  }
}

describe("MedMNIST .npz format", () => {
  const dir = tempDir("medmnist");

  test("a gray 28×28 binary set named like PneumoniaMNIST: detected, listed, decoded byte for byte, resized", async () => {
    const file = writeNpz(path.join(dir, "pneumoniamnist.npz"), layout([10, 4, 6], 28, 2));
    assert.equal(detectFormat(file), "medmnist");
    const listing = listMedmnist(file);
    assert.deepEqual(listing.classNames, ["normal", "pneumonia"]);
    assert.deepEqual([listing.splits.train.length, listing.splits.val.length, listing.splits.test.length], [10, 4, 6]);
    assert.deepEqual(listing.splits.train.slice(0, 3).map((s) => s.label), [0, 1, 0]);
    // Record 3 of val decodes to exactly numpy's bytes.
    const expected = spawnSync(projectPython(), ["-c", `import numpy as np, sys; sys.stdout.write(np.load(sys.argv[1])["val_images"][3].tobytes().hex())`, file], { encoding: "utf8" }).stdout;
    const pixels = await decodeMedmnistRecord(listing.splits.val[3], { size: 28, fit: "fill" });
    assert.equal(Buffer.from(pixels).toString("hex"), expected);
    const resized = await decodeMedmnistRecord(listing.splits.val[3], { size: 32, fit: "fill" });
    assert.equal(resized.length, 32 * 32);
    // The pipeline turns them into [0, 1] RGB batches at the input size.
    const pipeline = new ImagePipeline(listing.splits.train, { batchSize: 4, numClasses: 2, size: 32, channels: 3, labels: "int", shuffle: false });
    const batches = [];
    for await (const batch of pipeline.epoch(0)) {
      batches.push({ shape: batch.xs.shape, labels: batch.labels, max: batch.xs.max().dataSync()[0], files: batch.files });
      batch.dispose();
    }
    assert.deepEqual(batches.map((b) => b.shape), [[4, 32, 32, 3], [4, 32, 32, 3], [2, 32, 32, 3]]);
    assert.ok(batches.every((b) => b.max <= 1 && b.max > 0.5));
    assert.equal(batches[0].files[1], `${file}:train_images#1`);
    assert.deepEqual(pipeline.skipped, []);
  });

  test("RGB MedMNIST+ 64 px multi-class (BloodMNIST), deflated, with int64 labels: class names from MedMNIST's INFO", async () => {
    const file = writeNpz(path.join(dir, "bloodmnist_64.npz"), layout([16, 8, 8], 64, 8, true, "np.int64"), { compressed: true });
    const report = await inspectDataset(file);
    assert.equal(report.format, "medmnist");
    assert.deepEqual(report.details && { flag: report.details.flag, task: report.details.task, size: report.details.size, channels: report.details.channels }, { flag: "bloodmnist", task: "multi-class", size: 64, channels: 3 });
    assert.equal(report.splits.train.classes.basophil, 2);
    assert.equal(Object.keys(report.splits.train.classes).length, 8);
    const sample = listMedmnist(file).splits.test[0];
    assert.equal((await decodeMedmnistRecord(sample, { size: 32, fit: "fill" })).length, 32 * 32 * 3);
  });

  test("multi-label (ChestMNIST): inspect reports per-label counts; training it is a clear error", async () => {
    const rows = (n: number) => `(np.arange(${n * 14}).reshape(${n}, 14) % 3 == 0).astype(np.uint8)`;
    const file = writeNpz(
      path.join(dir, "chestmnist.npz"),
      `{"train_images": np.zeros((6, 28, 28), np.uint8), "train_labels": ${rows(6)}, "val_images": np.zeros((3, 28, 28), np.uint8), "val_labels": ${rows(3)}, "test_images": np.zeros((3, 28, 28), np.uint8), "test_labels": ${rows(3)}}`,
    );
    const { code, stdout } = await runData(["inspect", file]);
    assert.equal(code, 0);
    assert.match(stdout, /medmnist \(chestmnist, multi-label, binary-class, 28×28, gray/);
    const report = await inspectDataset(file);
    // Column j of row i is set when (14 i + j) % 3 == 0: atelectasis (j = 0) in rows 0 and 3 of 6.
    assert.equal(report.splits.train.classes.atelectasis, 2);
    assert.throws(() => listMedmnist(file), /chestmnist\.npz: chestmnist is multi-label \(14 labels per image\); kdlab trains single-label/);
  });

  test("a file named otherwise: classes 0…max label, task from the labels", async () => {
    const file = writeNpz(path.join(dir, "my-scans.npz"), layout([9, 3, 3], 28, 3));
    const dataset = readMedmnist(file);
    assert.deepEqual([dataset.flag, dataset.task, dataset.classNames], [undefined, "multi-class", ["0", "1", "2"]]);
    const opened = await openDataset(file, { verify: true });
    assert.equal(opened.format, "medmnist");
    assert.equal(opened.splits.val.length, 3);
  });

  test("bad inputs are errors naming the file and the key", () => {
    const bad = (name: string, spec: string): string => writeNpz(path.join(dir, name), spec);
    const notZip = path.join(dir, "broken.npz");
    fs.writeFileSync(notZip, "this is not a zip archive");
    assert.throws(() => readMedmnist(notZip), (e: Error) => e.message.startsWith(`${notZip}: not a .npz archive`));

    const base = layout([4, 2, 2], 28, 2);
    const withKey = (key: string, value: string) => `dict(${base}, **{"${key}": ${value}})`;
    const cases: [string, string, RegExp][] = [
      ["missing.npz", `{k: v for k, v in ${base}.items() if k != "val_labels"}`, /missing\.npz: missing key "val_labels"/],
      ["dtype.npz", withKey("train_images", "np.zeros((4, 28, 28), np.float32)"), /dtype\.npz: train_images: dtype '<f4' is not an integer type/],
      ["signed.npz", withKey("train_images", "np.zeros((4, 28, 28), np.int16)"), /signed\.npz: train_images: dtype i2, expected uint8/],
      ["shape.npz", withKey("test_images", "np.zeros((2, 28, 27), np.uint8)"), /shape\.npz: test_images: shape \(2, 28, 27\), expected \(N, S, S\)/],
      ["size.npz", withKey("val_images", "np.zeros((2, 64, 64), np.uint8)"), /size\.npz: val_images is 64×64×1, train_images 28×28×1/],
      ["count.npz", withKey("train_labels", "np.zeros((3, 1), np.uint8)"), /count\.npz: train_labels has 3 labels but train_images has 4 images/],
      ["pneumoniamnist_64.npz", withKey("test_labels", "np.array([[0], [2]], np.uint8)"), /pneumoniamnist_64\.npz: test_labels\[1\] = 2, outside 0–1/],
      ["breastmnist.npz", withKey("val_labels", "np.array([[0], [-1]], np.int8)"), /breastmnist\.npz: val_labels\[1\] = -1, outside 0–1/],
      ["octmnist.npz", layout([4, 2, 2], 28, 2, true), /octmnist\.npz: 3-channel images, but octmnist has 1/],
      // A stray label in a file named otherwise would invent classes 2…7.
      ["stray-label.npz", withKey("train_labels", "np.array([[0], [1], [7], [0]], np.uint8)"), /stray-label\.npz: train_labels\[2\] = 7, but no train image is labelled 2, 3, 4, 5, 6: a file not named after a MedMNIST dataset takes its classes from its labels/],
      ["stray-test-label.npz", withKey("test_labels", "np.array([[0], [3]], np.uint8)"), /stray-test-label\.npz: test_labels\[1\] = 3, but no train image is labelled 2, 3/],
    ];
    for (const [name, spec, message] of cases) {
      const file = bad(name, spec);
      assert.throws(() => readMedmnist(file), message, name);
    }
  });

  test("a changed file is read again, not served from the in-process cache", () => {
    const file = writeNpz(path.join(dir, "retinamnist.npz"), layout([5, 2, 2], 28, 5, true));
    assert.equal(readMedmnist(file).splits.train.images.shape[0], 5);
    writeNpz(file, layout([7, 2, 2], 28, 5, true));
    assert.equal(readMedmnist(file).splits.train.images.shape[0], 7);
  });
});

describe("the shipped PneumoniaMNIST default", () => {
  test("is the real file the README describes, and the pneumonia stages' embedded default", async () => {
    const bytes = fs.readFileSync(SHIPPED_PNEUMONIAMNIST);
    assert.equal(crypto.createHash("md5").update(bytes).digest("hex"), "05c5b701061cc0b6e5199c92ea6a3ec6");
    const resolved = await resolveDataset("chest-xray");
    assert.deepEqual([resolved.path, resolved.isDefault, resolved.isReal], [SHIPPED_PNEUMONIAMNIST, true, true]);
    const report = await inspectDataset(resolved.path);
    assert.deepEqual(
      Object.fromEntries(Object.entries(report.splits).map(([split, s]) => [split, s.classes])),
      { train: { normal: 1214, pneumonia: 3494 }, val: { normal: 135, pneumonia: 389 }, test: { normal: 234, pneumonia: 390 } },
    );
  });
});

describe("kdlab data download medmnist", () => {
  const dir = tempDir("medmnist-dl");
  let body: Buffer;
  let baseUrl = "";
  const requests: (string | undefined)[] = [];
  let dropAfter: number | undefined;
  const server = http.createServer((req, res) => {
    requests.push(req.headers.range);
    const start = Number(/bytes=(\d+)-/.exec(req.headers.range ?? "")?.[1] ?? 0);
    const chunk = body.subarray(start);
    res.writeHead(start > 0 ? 206 : 200, { "Content-Length": chunk.length, ...(start > 0 ? { "Content-Range": `bytes ${start}-${body.length - 1}/${body.length}` } : {}) });
    if (dropAfter !== undefined) {
      // Send part of the file, then cut the connection: the next run must resume with a Range request.
      res.write(chunk.subarray(0, dropAfter));
      dropAfter = undefined;
      setTimeout(() => res.destroy(), 20);
      return;
    }
    res.end(chunk);
  });

  before(async () => {
    body = fs.readFileSync(writeNpz(path.join(tempDir("medmnist-src"), "pneumoniamnist.npz"), layout([6, 2, 2], 28, 2)));
    await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
    baseUrl = `http://127.0.0.1:${(server.address() as AddressInfo).port}/pneumoniamnist.npz`;
  });
  after(() => {
    server.closeAllConnections();
    server.close();
  });

  test("knows the official Zenodo URLs and MD5s for each size", () => {
    assert.deepEqual(medmnistSource("pneumoniamnist"), { fileName: "pneumoniamnist.npz", url: "https://zenodo.org/records/10519652/files/pneumoniamnist.npz?download=1", md5: "28209eda62fecd6e6a2d98b1501bb15f" });
    assert.equal(medmnistSource("dermamnist", 224).fileName, "dermamnist_224.npz");
    assert.throws(() => medmnistSource("nosuchmnist"), /unknown MedMNIST dataset "nosuchmnist"/);
    assert.throws(() => medmnistSource("pneumoniamnist", 32), /no official 32×32 file \(sizes: 28, 64, 128, 224\)/);
  });

  test("downloads from 127.0.0.1, resumes a cut transfer, verifies the MD5, replaces a bad cached file", async () => {
    const md5 = crypto.createHash("md5").update(body).digest("hex");
    dropAfter = 300;
    await assert.rejects(downloadMedmnist("pneumoniamnist", { dir, url: baseUrl, md5, retries: 0 }), /run again to resume/);
    const file = await downloadMedmnist("pneumoniamnist", { dir, url: baseUrl, md5, retries: 0 });
    assert.equal(file, path.join(dir, "pneumoniamnist.npz"));
    assert.equal(requests[requests.length - 1], "bytes=300-");
    assert.deepEqual(fs.readFileSync(file), body);
    // A present file with the right MD5 is reused without a request.
    const before = requests.length;
    await downloadMedmnist("pneumoniamnist", { dir, url: baseUrl, md5 });
    assert.equal(requests.length, before);
    // A corrupted one is deleted, said so, and downloaded again.
    fs.writeFileSync(file, "garbage");
    const said: string[] = [];
    await downloadMedmnist("pneumoniamnist", { dir, url: baseUrl, md5, log: (line) => said.push(line) });
    assert.match(said.join("\n"), /pneumoniamnist\.npz: MD5 [0-9a-f]{32}, expected [0-9a-f]{32}: deleted, downloading again/);
    assert.deepEqual(fs.readFileSync(file), body);
    // A wrong expected MD5 fails and leaves nothing behind.
    const other = tempDir("medmnist-dl-bad");
    await assert.rejects(downloadMedmnist("pneumoniamnist", { dir: other, url: baseUrl, md5: "0".repeat(32) }), /MD5 mismatch/);
    assert.deepEqual(fs.readdirSync(other), []);
  });

  test("the command: unknown flags and sizes are usage errors", async () => {
    await assert.rejects(dataCommand.run(["download", "medmnist"]), /needs a dataset flag/);
    await assert.rejects(dataCommand.run(["download", "medmnist", "pneumoniamnist", "--size", "32"]), /--size must be 28, 64, 128 or 224/);
    await assert.rejects(dataCommand.run(["download", "medmnist", "nosuch"]), /unknown MedMNIST dataset "nosuch"/);
    const { code, stdout } = await runData(["download", "medmnist", "pneumoniamnist", "--dir", dir, "--url", baseUrl, "--md5", "none"]);
    assert.equal(code, 0);
    assert.match(stdout, /pneumoniamnist ready: .*pneumoniamnist\.npz/);
  });
});
