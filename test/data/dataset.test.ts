import { before, describe, test } from "node:test";
import assert from "node:assert/strict";
import * as fs from "node:fs";
import * as path from "node:path";
import { openDataset } from "../../lib/data/dataset";
import { synthChestXray } from "../../lib/data/synth-chest-xray";
import { synthCifar10 } from "../../lib/data/synth-cifar10";
import { synthDicom } from "../../lib/data/synth-dicom";
import { writeDicom } from "../../lib/data/dicom-writer";
import { tempDir } from "./helpers";

describe("openDataset", () => {
  let chest: string;
  before(async () => {
    chest = tempDir("open-chest");
    await synthChestXray(chest, { seed: 8, size: 24, counts: { train: [20, 58], val: [2, 2], test: [4, 6] } });
  });

  test("chest X-ray: pools train+val and re-splits by patient, stratified", async () => {
    const opened = await openDataset(chest, { valFraction: 0.25, seed: 3 });
    assert.equal(opened.format, "chest-xray");
    assert.equal(opened.splits.train.length + opened.splits.val.length, 82);
    assert.equal(opened.splits.test.length, 10);
    const trainPatients = new Set(opened.splits.train.map((s) => s.patient));
    assert.ok(opened.splits.val.every((s) => !trainPatients.has(s.patient)));
    assert.ok(Math.abs(opened.splits.val.filter((s) => s.label === 0).length - 22 * 0.25) <= 1);
    assert.ok(Math.abs(opened.splits.val.filter((s) => s.label === 1).length - 60 * 0.25) <= 1);
  });

  test("verify moves corrupt images to skipped; without it they stay listed", async () => {
    const dir = tempDir("open-bad");
    fs.cpSync(chest, dir, { recursive: true });
    const bad = path.join(dir, "test", "PNEUMONIA", "person1_virus_1.jpeg");
    fs.writeFileSync(bad, "garbage");
    const verified = await openDataset(dir, { verify: true });
    assert.deepEqual(verified.skipped.map((s) => s.file), [bad]);
    assert.equal(verified.splits.test.length, 10);
    assert.equal((await openDataset(dir)).splits.test.length, 11);
  });

  test("CIFAR-10 and DICOM open too; a compressed DICOM is skipped with its transfer syntax", async () => {
    const cifar = tempDir("open-cifar");
    synthCifar10(cifar, { seed: 1, recordsPerTrainBatch: 10, testRecords: 10 });
    const c = await openDataset(cifar, { valFraction: 0.2, seed: 1 });
    assert.deepEqual([c.splits.train.length, c.splits.val.length, c.splits.test.length], [40, 10, 10]);

    const dicom = tempDir("open-dicom");
    synthDicom(dicom, { seed: 1, size: 16, counts: { train: [2, 2] } });
    writeDicom(path.join(dicom, "train", "jpeg.dcm"), { rows: 2, columns: 2, bitsAllocated: 8, pixels: new Uint8Array(4), sopInstanceUid: "1.2", transferSyntax: "1.2.840.10008.1.2.4.90" });
    fs.appendFileSync(path.join(dicom, "train", "labels.csv"), "jpeg.dcm,NORMAL,P9\n");
    const d = await openDataset(dicom, { verify: true });
    assert.equal(d.splits.train.length, 4);
    assert.equal(d.skipped.length, 1);
    assert.match(d.skipped[0].reason, /1\.2\.840\.10008\.1\.2\.4\.90 \(JPEG 2000 \(Lossless Only\)\)/);
  });

  test("a class list passes through to chest X-ray folders and DICOM labels, and is refused where the format names its classes", async () => {
    const dir = tempDir("open-classes");
    fs.cpSync(chest, dir, { recursive: true });
    // Folders named only by the list: detection follows it too.
    for (const split of ["train", "val", "test"]) {
      fs.renameSync(path.join(dir, split, "NORMAL"), path.join(dir, split, "healthy"));
      fs.renameSync(path.join(dir, split, "PNEUMONIA"), path.join(dir, split, "sick"));
    }
    await assert.rejects(openDataset(dir), /not a CIFAR-10/);
    const chestOpened = await openDataset(dir, { classes: ["sick", "healthy"], valFraction: 0.25, seed: 3 });
    assert.deepEqual(chestOpened.classNames, ["sick", "healthy"]);
    assert.equal(chestOpened.splits.test.filter((s) => s.label === 1).length, 4);

    const dicom = tempDir("open-dicom-classes");
    synthDicom(dicom, { seed: 1, size: 8, counts: { train: [1, 2] } });
    const d = await openDataset(dicom, { classes: ["PNEUMONIA", "NORMAL"] });
    assert.deepEqual(d.splits.train.map((s) => `${s.className}=${s.label}`), ["NORMAL=1", "PNEUMONIA=0", "PNEUMONIA=0"]);
    await assert.rejects(openDataset(dicom, { classes: ["NORMAL"] }), /line 3: label "PNEUMONIA" is not one of the classes NORMAL/);

    const cifar = tempDir("open-cifar-classes");
    synthCifar10(cifar, { seed: 1, recordsPerTrainBatch: 1, testRecords: 1 });
    await assert.rejects(openDataset(cifar, { classes: ["a", "b"] }), { message: "a class list applies to chest X-ray and DICOM datasets; cifar10 names its own classes" });
  });
});
