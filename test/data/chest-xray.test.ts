import { before, describe, test } from "node:test";
import assert from "node:assert/strict";
import * as fs from "node:fs";
import * as path from "node:path";
import sharp from "sharp";
import { useNativeBackend } from "../helpers/native";
import { decodeGrayImage, listChestXray, verifyImages } from "../../lib/data/chest-xray";
import { classCounts, classCountsFrame } from "../../lib/data/class-stats";
import { patientIdFromFileName } from "../../lib/data/patients";
import { Sample } from "../../lib/data/sample";
import { splitByPatient } from "../../lib/data/split";
import { kermanyCounts, synthChestXray } from "../../lib/data/synth-chest-xray";
import { hashTree, tempDir } from "./helpers";

const SMALL = { train: [30, 87], val: [2, 2], test: [8, 13] } as Record<string, [number, number]>;

describe("chest X-ray folders", () => {
  let root: string;
  before(async () => {
    await useNativeBackend();
    root = tempDir("chest");
    await synthChestXray(root, { seed: 11, size: 64, counts: SMALL });
  });

  test("patient ids come from Kermany-style file names", () => {
    assert.equal(patientIdFromFileName("person1_bacteria_1.jpeg"), "person1");
    assert.equal(patientIdFromFileName("/x/PNEUMONIA/person1532_virus_2667.jpeg"), "person1532");
    assert.equal(patientIdFromFileName("IM-0001-0001.jpeg"), "IM-0001");
    assert.equal(patientIdFromFileName("NORMAL2-IM-0007-0001.jpeg"), "NORMAL2-IM-0007");
    // The published set's four-part names (143 of its train/test images).
    assert.equal(patientIdFromFileName("IM-0640-0001-0001.jpeg"), "IM-0640");
    assert.equal(patientIdFromFileName("/x/NORMAL/NORMAL2-IM-1152-0001-0002.jpeg"), "NORMAL2-IM-1152");
    assert.notEqual(patientIdFromFileName("NORMAL2-IM-0012-0001.jpeg"), patientIdFromFileName("IM-0012-0001.jpeg"));
    assert.equal(patientIdFromFileName("IM-0640-0001-0001-0001.jpeg"), undefined);
    assert.equal(patientIdFromFileName("scan.png"), undefined);
  });

  test("the generator writes the layout, Kermany names, several images per patient, the class imbalance", () => {
    const listing = listChestXray(root);
    assert.deepEqual(Object.keys(listing.splits), ["train", "val", "test"]);
    const train = listing.splits.train;
    assert.equal(train.length, 117);
    assert.deepEqual(classCounts(train, listing.classNames).map((c) => c.count), [30, 87]);
    assert.ok(train.every((s) => s.patient !== undefined), "every generated name parses to a patient");
    const perPatient = new Map<string, number>();
    for (const s of train) perPatient.set(s.patient ?? "", (perPatient.get(s.patient ?? "") ?? 0) + 1);
    assert.ok([...perPatient.values()].some((n) => n >= 2), "some patients have several images");
    assert.ok(perPatient.size < train.length);
    assert.ok(train.some((s) => /^person\d+_(bacteria|virus)_\d+\.jpeg$/.test(path.basename(s.file))));
    assert.ok(train.some((s) => /^IM-\d{4}-\d{4}\.jpeg$/.test(path.basename(s.file))));
    const published = kermanyCounts(5216);
    assert.deepEqual(published.train, [1341, 3875]);
    assert.deepEqual(published.test, [234, 390]);
  });

  test("same seed gives the same bytes", async () => {
    const again = tempDir("chest-again");
    await synthChestXray(again, { seed: 11, size: 64, counts: SMALL });
    assert.equal(hashTree(again), hashTree(root));
  });

  test("PNEUMONIA is separable from NORMAL by lung-field brightness (the learnable difference)", async () => {
    const train = listChestXray(root).splits.train;
    // Lung fields (rows 14–40, columns 10–24 and 40–54) relative to the whole image, per image.
    const lungRatio = async (s: Sample): Promise<number> => {
      const px = await decodeGrayImage(s.file, { size: 64 });
      let lung = 0;
      let count = 0;
      for (let y = 14; y < 40; y++) for (const x0 of [10, 40]) for (let x = x0; x < x0 + 14; x++, count++) lung += px[y * 64 + x];
      return lung / count / (px.reduce((a, v) => a + v, 0) / px.length);
    };
    const pneumonia = await Promise.all(train.filter((s) => s.label === 1).map(lungRatio));
    const normal = await Promise.all(train.filter((s) => s.label === 0).map(lungRatio));
    let wins = 0;
    for (const p of pneumonia) for (const n of normal) wins += p > n ? 1 : p === n ? 0.5 : 0;
    const auc = wins / (pneumonia.length * normal.length);
    assert.ok(auc > 0.9, `one hand-made feature separates the classes with AUC ${auc.toFixed(3)}`);
  });

  test("decodes to one channel at the requested size", async () => {
    const file = listChestXray(root).splits.test[0].file;
    assert.equal((await decodeGrayImage(file)).length, 224 * 224);
    assert.equal((await decodeGrayImage(file, { size: 40 })).length, 40 * 40);
    // A 16-bit grayscale PNG (as some exports are) comes out as 8-bit, full range.
    const png16 = path.join(tempDir("chest-png16"), "IM-0001-0001.png");
    await sharp(new Uint16Array(64 * 64).map((_, i) => i * 16), { raw: { width: 64, height: 64, channels: 1 } }).toColourspace("grey16").png().toFile(png16);
    assert.equal((await sharp(png16).metadata()).depth, "ushort");
    const pixels = await decodeGrayImage(png16, { size: 32 });
    assert.equal(pixels.length, 32 * 32);
    assert.ok(pixels[0] < 10 && pixels[pixels.length - 1] > 245, `${pixels[0]}..${pixels[pixels.length - 1]}`);
  });

  test("re-split by patient: no patient on both sides, each class within one image of its share", () => {
    const train = listChestXray(root).splits.train;
    for (const seed of [1, 2, 3]) {
      const { train: tr, val } = splitByPatient(train, { valFraction: 0.2, seed });
      assert.equal(tr.length + val.length, train.length);
      const trainPatients = new Set(tr.map((s) => s.patient));
      assert.ok(val.every((s) => !trainPatients.has(s.patient)), "a patient is on both sides");
      for (const label of [0, 1]) {
        const total = train.filter((s) => s.label === label).length;
        const inVal = val.filter((s) => s.label === label).length;
        assert.ok(Math.abs(inVal - total * 0.2) <= 1, `class ${label}: ${inVal} of ${total} in val`);
      }
    }
    const a = splitByPatient(train, { seed: 7 }).val.map((s) => s.file);
    const b = splitByPatient(train, { seed: 7 }).val.map((s) => s.file);
    const c = splitByPatient(train, { seed: 8 }).val.map((s) => s.file);
    assert.deepEqual(a, b);
    assert.notDeepEqual(a, c);
  });

  test("class counts and balanced class weights as a danfojs DataFrame", () => {
    const train = listChestXray(root).splits.train;
    const frame = classCountsFrame(train, ["NORMAL", "PNEUMONIA"]);
    assert.deepEqual(frame.columns, ["class", "count", "share", "weight"]);
    assert.deepEqual(frame.column("class").values, ["NORMAL", "PNEUMONIA"]);
    assert.deepEqual(frame.column("count").values, [30, 87]);
    const weights = frame.column("weight").values as number[];
    assert.ok(Math.abs(weights[0] - 117 / 60) < 1e-9 && Math.abs(weights[1] - 117 / 174) < 1e-9);
    // Weighted counts are equal across classes.
    assert.ok(Math.abs(weights[0] * 30 - weights[1] * 87) < 1e-9);
  });

  test("a corrupt image and a stray file are skipped, counted and listed with the reason", async () => {
    const dir = tempDir("chest-bad");
    await synthChestXray(dir, { seed: 3, size: 32, counts: { train: [3, 4] } });
    const bad = path.join(dir, "train", "PNEUMONIA", "person999_bacteria_9999.jpeg");
    fs.writeFileSync(bad, Buffer.from("this is not a jpeg"));
    const truncatedSource = listChestXray(dir).splits.train[0].file;
    const truncated = path.join(dir, "train", "NORMAL", "IM-0999-0001.jpeg");
    fs.writeFileSync(truncated, fs.readFileSync(truncatedSource).subarray(0, 200));
    fs.writeFileSync(path.join(dir, "train", "NORMAL", "notes.txt"), "x");
    const listing = listChestXray(dir);
    assert.deepEqual(listing.skipped.map((s) => path.basename(s.file)), ["notes.txt"]);
    const { ok, skipped } = await verifyImages(listing.splits.train);
    assert.equal(ok.length, 7);
    assert.deepEqual(skipped.map((s) => path.basename(s.file)).sort(), ["IM-0999-0001.jpeg", "person999_bacteria_9999.jpeg"]);
    for (const s of skipped) assert.match(s.reason, /cannot decode|unsupported|corrupt|premature|input/i);
  });

  test("an extra class folder is an error naming it unless the class list includes it; stray and hidden files", async () => {
    const dir = tempDir("chest-classes");
    await synthChestXray(dir, { seed: 4, size: 16, counts: { train: [2, 2], test: [1, 1] } });
    const image = listChestXray(dir).splits.train[0].file;
    const covid = path.join(dir, "train", "COVID");
    fs.mkdirSync(covid);
    fs.copyFileSync(image, path.join(covid, "covid_1.jpeg"));
    assert.throws(() => listChestXray(dir), (e: Error) => e.message === `${covid}: a class folder outside the class list (NORMAL, PNEUMONIA); remove or rename it, or pass the class list including COVID to use it`);
    const three = listChestXray(dir, { classes: ["NORMAL", "PNEUMONIA", "COVID"] });
    assert.deepEqual(three.classNames, ["NORMAL", "PNEUMONIA", "COVID"]);
    assert.deepEqual(three.splits.train.filter((s) => s.className === "COVID").map((s) => [path.basename(s.file), s.label]), [["covid_1.jpeg", 2]]);
    assert.equal(three.splits.train.length, 5);
    assert.throws(() => listChestXray(dir, { classes: ["NORMAL", "NORMAL"] }), /names NORMAL twice/);
    fs.mkdirSync(path.join(dir, "test", "COVID"));
    fs.mkdirSync(path.join(dir, "test", "Covid-19"));
    const folders = [path.join(dir, "train", "COVID"), path.join(dir, "test", "COVID"), path.join(dir, "test", "Covid-19")];
    assert.throws(() => listChestXray(dir), { message: `class folders outside the class list (NORMAL, PNEUMONIA): ${folders.join(", ")}; remove or rename them, or pass the class list including COVID, Covid-19 to use them` });
    fs.rmSync(path.join(dir, "test", "COVID"), { recursive: true });
    fs.rmSync(path.join(dir, "test", "Covid-19"), { recursive: true });

    // A differently-cased folder is another folder, not NORMAL.
    fs.rmSync(covid, { recursive: true });
    fs.renameSync(path.join(dir, "test", "NORMAL"), path.join(dir, "test", "normal"));
    assert.throws(() => listChestXray(dir), (e: Error) => e.message.startsWith(`${path.join(dir, "test", "normal")}: a class folder outside the class list`));
    fs.renameSync(path.join(dir, "test", "normal"), path.join(dir, "test", "NORMAL"));

    fs.writeFileSync(path.join(dir, "train", "list.txt"), "x");
    fs.writeFileSync(path.join(dir, "train", ".DS_Store"), "x");
    fs.writeFileSync(path.join(dir, "train", "NORMAL", "._IM-0001-0001.jpeg"), "x");
    fs.mkdirSync(path.join(dir, "train", "NORMAL", "more"));
    const listing = listChestXray(dir);
    assert.deepEqual(listing.skipped.map((s) => `${path.relative(dir, s.file)}: ${s.reason}`), [
      "train/list.txt: not in a class folder (NORMAL, PNEUMONIA)",
      "train/NORMAL/more: a folder inside a class folder (images must sit directly in NORMAL/)",
    ]);
    assert.equal(listing.splits.train.length, 4);
  });
});
