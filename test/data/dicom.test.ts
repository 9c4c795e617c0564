import { before, describe, test } from "node:test";
import assert from "node:assert/strict";
import { execFileSync } from "node:child_process";
import * as fs from "node:fs";
import * as path from "node:path";
import { useNativeBackend } from "../helpers/native";
import { decodeDicomImage, readDicomImage } from "../../lib/data/dicom";
import { listDicomDataset } from "../../lib/data/dicom-dataset";
import { DicomImageSpec, writeDicom } from "../../lib/data/dicom-writer";
import { synthDicom } from "../../lib/data/synth-dicom";
import { hashTree, tempDir } from "./helpers";

const PYTHON = path.resolve(__dirname, "../../.venv/bin/python");

/** A 4×4 gradient image spec with stored values chosen by the caller. */
function gradient(overrides: Partial<DicomImageSpec>, values: number[]): DicomImageSpec {
  const bits = overrides.bitsAllocated ?? 16;
  const pixels = bits === 8 ? Uint8Array.from(values) : overrides.signed ? Int16Array.from(values) : Uint16Array.from(values);
  return { rows: 4, columns: 4, bitsAllocated: bits, pixels, sopInstanceUid: "1.2.3.4", ...overrides } as DicomImageSpec;
}

const RAMP = Array.from({ length: 16 }, (_, i) => i * 10);

function close(a: ArrayLike<number>, b: ArrayLike<number>, tolerance = 1e-5): boolean {
  return a.length === b.length && Array.from(a).every((v, i) => Math.abs(v - b[i]) <= tolerance);
}

describe("DICOM", () => {
  let root: string;
  let dir: string;
  before(async () => {
    await useNativeBackend();
    root = tempDir("dicom");
    synthDicom(root, { seed: 2, size: 48, counts: { train: [4, 6], test: [2, 2] } });
    dir = tempDir("dicom-unit");
  });

  test("writes real Part-10 files: preamble, DICM, explicit VR little endian meta", () => {
    const file = listDicomDataset(root).splits.train[0].file;
    const bytes = fs.readFileSync(file);
    assert.ok(bytes.subarray(0, 128).every((b) => b === 0));
    assert.equal(bytes.subarray(128, 132).toString("latin1"), "DICM");
    assert.equal(bytes.readUInt16LE(132), 2);
    assert.equal(bytes.subarray(136, 138).toString("latin1"), "UL");
  });

  test("pydicom reads a generated file and agrees on tags and pixels", () => {
    const sample = listDicomDataset(root).splits.train[1];
    const script = [
      "import sys, json, pydicom",
      "ds = pydicom.dcmread(sys.argv[1])",
      "a = ds.pixel_array",
      "print(json.dumps({'ts': str(ds.file_meta.TransferSyntaxUID), 'rows': ds.Rows, 'cols': ds.Columns, 'bits': ds.BitsAllocated,",
      " 'photo': ds.PhotometricInterpretation, 'patient': str(ds.PatientID), 'sum': int(a.astype('int64').sum()), 'first': int(a.flat[0]),",
      " 'slope': float(getattr(ds, 'RescaleSlope', 1)), 'intercept': float(getattr(ds, 'RescaleIntercept', 0))}))",
    ].join("\n");
    const out = JSON.parse(execFileSync(PYTHON, ["-c", script, sample.file], { encoding: "utf8" })) as Record<string, number | string>;
    assert.equal(out.ts, "1.2.840.10008.1.2.1");
    assert.equal(out.rows, 48);
    assert.equal(out.cols, 48);
    assert.equal(out.patient, sample.patient);
    // Our reader's display values, undone through the same rescale, give pydicom's stored sum.
    const image = readDicomImage(sample.file);
    assert.equal(out.bits, image.bitsAllocated);
    assert.equal(out.photo, image.photometric);
    const bytes = fs.readFileSync(sample.file);
    const stored = image.bitsAllocated === 16 ? new Int16Array(bytes.buffer.slice(bytes.length - 48 * 48 * 2)) : new Uint8Array(bytes.buffer.slice(bytes.length - 48 * 48));
    assert.equal(out.sum, Array.from(stored).reduce((s, v) => s + v, 0));
    assert.equal(out.first, stored[0]);
  });

  test("16-bit with a VOI window: DICOM's linear window function", () => {
    const file = path.join(dir, "window.dcm");
    writeDicom(file, gradient({ bitsStored: 12, windowCenter: 80, windowWidth: 101 }, RAMP));
    const image = readDicomImage(file);
    const expected = RAMP.map((x) => Math.min(1, Math.max(0, (x - 79.5) / 100 + 0.5)));
    assert.ok(close(image.pixels, expected), `${Array.from(image.pixels)}`);
  });

  test("rescale slope/intercept on signed 16-bit, then the window in modality units", () => {
    const file = path.join(dir, "rescale.dcm");
    const stored = RAMP.map((v) => v - 80);
    writeDicom(file, gradient({ signed: true, rescaleSlope: 2, rescaleIntercept: -100, windowCenter: -100, windowWidth: 201 }, stored));
    const image = readDicomImage(file);
    const expected = stored.map((s) => Math.min(1, Math.max(0, (2 * s - 100 - -100.5) / 200 + 0.5)));
    assert.ok(close(image.pixels, expected), `${Array.from(image.pixels)}`);
  });

  test("8-bit without a window is scaled by its range; MONOCHROME1 is the inverse of MONOCHROME2", () => {
    const mono2 = path.join(dir, "mono2.dcm");
    const mono1 = path.join(dir, "mono1.dcm");
    writeDicom(mono2, gradient({ bitsAllocated: 8, photometric: "MONOCHROME2" }, RAMP));
    writeDicom(mono1, gradient({ bitsAllocated: 8, photometric: "MONOCHROME1" }, RAMP));
    const a = readDicomImage(mono2).pixels;
    const b = readDicomImage(mono1).pixels;
    assert.ok(close(a, RAMP.map((x) => x / 150)));
    assert.ok(close(b, Array.from(a).map((v) => 1 - v)));
  });

  test("the generated encodings all decode back to the same-looking radiograph", async () => {
    const samples = listDicomDataset(root).splits.train;
    const images = samples.slice(0, 4).map((s) => readDicomImage(s.file));
    assert.deepEqual(images.map((i) => `${i.bitsAllocated}/${i.photometric}`), ["16/MONOCHROME2", "16/MONOCHROME2", "8/MONOCHROME1", "16/MONOCHROME1"]);
    for (const image of images) {
      // Bright spine down the middle column, dark lungs beside it, dark corners: not inverted.
      const at = (x: number, y: number): number => image.pixels[y * 48 + x];
      assert.ok(at(24, 24) > at(14, 20) + 0.1, `${image.file}: spine ${at(24, 24)} vs lung ${at(14, 20)}`);
      assert.ok(at(1, 1) < 0.25, `${image.file}: corner ${at(1, 1)}`);
    }
    assert.equal((await decodeDicomImage(samples[0].file, { size: 32 })).length, 32 * 32);
  });

  test("a compressed transfer syntax gets an error naming it", () => {
    const file = path.join(dir, "jpeg.dcm");
    writeDicom(file, gradient({ bitsAllocated: 8, transferSyntax: "1.2.840.10008.1.2.4.50" }, RAMP));
    assert.throws(() => readDicomImage(file), (e: Error) => e.message.includes(file) && e.message.includes("1.2.840.10008.1.2.4.50") && e.message.includes("JPEG Baseline"));
  });

  test("a folder plus labels.csv is a dataset; missing and unlisted files are reported", () => {
    const listing = listDicomDataset(root);
    assert.deepEqual(listing.classNames, ["NORMAL", "PNEUMONIA"]);
    assert.deepEqual(Object.keys(listing.splits), ["test", "train"]);
    assert.equal(listing.splits.train.length, 10);
    assert.equal(listing.skipped.length, 0);
    assert.ok(listing.splits.train.every((s) => s.patient && s.format === "dicom"));

    const flat = tempDir("dicom-flat");
    writeDicom(path.join(flat, "a.dcm"), gradient({}, RAMP));
    writeDicom(path.join(flat, "b.dcm"), gradient({}, RAMP));
    fs.writeFileSync(path.join(flat, "labels.csv"), "file,label\na.dcm,1\ngone.dcm,0\n");
    const small = listDicomDataset(flat);
    assert.deepEqual(Object.keys(small.splits), ["all"]);
    assert.deepEqual(small.classNames, ["0", "1"]);
    assert.equal(small.splits.all[0].label, 1);
    assert.equal(small.splits.all[0].patient, undefined);
    assert.deepEqual(small.skipped.map((s) => `${path.basename(s.file)}: ${s.reason}`).sort(), ["b.dcm: not listed in labels.csv", "gone.dcm: listed in labels.csv but missing"]);
  });

  test("labels.csv: differently-cased and unknown labels, conflicting and repeated rows are errors naming the lines", () => {
    const flat = tempDir("dicom-labels");
    for (const name of ["a.dcm", "b.dcm", "c.dcm"]) writeDicom(path.join(flat, name), gradient({}, RAMP));
    const csv = path.join(flat, "labels.csv");
    const listWith = (text: string, classes?: string[]): (() => unknown) => () => {
      fs.writeFileSync(csv, text);
      return listDicomDataset(flat, { classes });
    };
    // Line numbers are the file's own: header and blank lines count.
    assert.throws(listWith("file,label,patient\na.dcm,NORMAL,P1\n\nb.dcm,normal,P2\nc.dcm,PNEUMONIA,P3\n"), {
      message: `labels.csv: 1 problem, nothing listed:\n  ${csv}: line 4: label "normal" differs only in case from "NORMAL" (${csv}: line 2); labels are case-sensitive: use one spelling`,
    });
    assert.throws(listWith("file,label\na.dcm,NORMAL\nb.dcm,normal\n", ["NORMAL", "PNEUMONIA"]), {
      message: `labels.csv: 1 problem, nothing listed:\n  ${csv}: line 3: label "normal" is not one of the classes NORMAL, PNEUMONIA`,
    });
    assert.throws(listWith("file,label,patient\na.dcm,NORMAL,P1\nb.dcm,PNEUMONIA,P2\na.dcm,PNEUMONIA,P1\n"), {
      message: `labels.csv: 1 problem, nothing listed:\n  ${csv}: line 4: a.dcm is labelled "PNEUMONIA" here and "NORMAL" at ${csv}: line 2`,
    });
    assert.throws(listWith("file,label,patient\na.dcm,NORMAL,P1\n./a.dcm,NORMAL,P9\nb.dcm,NORMAL\nb.dcm,NORMAL\n"), {
      message: [
        "labels.csv: 2 problems, nothing listed:",
        `  ${csv}: line 3: ./a.dcm has patient "P9" here and "P1" at ${csv}: line 2`,
        `  ${csv}: line 5: b.dcm is listed again, the same row as ${csv}: line 4; remove one`,
      ].join("\n"),
    });
    // A class list fixes the classes and their order, including one no row uses.
    const listing = listWith("file,label\na.dcm,PNEUMONIA\nb.dcm,NORMAL\nc.dcm,NORMAL\n", ["PNEUMONIA", "NORMAL", "COVID"])() as ReturnType<typeof listDicomDataset>;
    assert.deepEqual(listing.classNames, ["PNEUMONIA", "NORMAL", "COVID"]);
    assert.deepEqual(listing.splits.all.map((s) => s.label), [0, 1, 1]);
    assert.deepEqual(listing.skipped, []);
  });

  test("labels.csv: a missing or unknown header, extra cells, non-UTF-8 text and files outside the dataset folder are errors naming the line", () => {
    const data = tempDir("dicom-strict");
    const flat = path.join(data, "set");
    fs.mkdirSync(flat);
    for (const name of ["a.dcm", "b.dcm"]) writeDicom(path.join(flat, name), gradient({}, RAMP));
    writeDicom(path.join(data, "outside.dcm"), gradient({}, RAMP));
    fs.symlinkSync(path.join(data, "outside.dcm"), path.join(flat, "link.dcm"));
    const csv = path.join(flat, "labels.csv");
    const listWith = (text: string | Buffer): (() => unknown) => () => {
      fs.writeFileSync(csv, text);
      return listDicomDataset(flat);
    };
    // A third column "notes" once became patient ids.
    assert.throws(listWith("file,label,notes\na.dcm,NORMAL,blurry\nb.dcm,PNEUMONIA,ok\n"), {
      message: `${csv}: line 1: unknown column "notes"; labels.csv starts with the header file,label or file,label,patient (no other columns)`,
    });
    assert.throws(listWith("file,label,patient,notes\na.dcm,NORMAL,P1,x\n"), { message: /line 1: unknown column "notes"/ });
    assert.throws(listWith("a.dcm,NORMAL\nb.dcm,PNEUMONIA\n"), { message: `${csv}: line 1: header "a.dcm,NORMAL"; labels.csv starts with the header file,label or file,label,patient (no other columns)` });
    assert.throws(listWith("file,label\na.dcm,NORMAL,P1\n"), { message: `${csv}: line 2 needs file,label, got "a.dcm,NORMAL,P1"` });
    // Latin-1 NEUMONÍA (0xCD) once read as NEUMON\uFFFDA.
    assert.throws(listWith(Buffer.concat([Buffer.from("file,label\na.dcm,NORMAL\nb.dcm,NEUMON"), Buffer.from([0xcd]), Buffer.from("A\n")])), {
      message: `${csv}: line 3 is not valid UTF-8 text; save labels.csv as UTF-8 (e.g. iconv -f latin1 -t utf-8 labels.csv)`,
    });
    const outside = listWith("file,label\na.dcm,NORMAL\n../outside.dcm,PNEUMONIA\n/etc/passwd,PNEUMONIA\nlink.dcm,NORMAL\n");
    assert.throws(outside, (error: Error) => {
      const real = fs.realpathSync(flat);
      const lines = error.message.split("\n");
      assert.equal(lines[0], "labels.csv: 3 problems, nothing listed:");
      assert.equal(lines[1], `  ${csv}: line 3: ../outside.dcm resolves to ${fs.realpathSync(path.join(data, "outside.dcm"))}, outside the dataset folder ${real}; list only files inside it`);
      assert.match(lines[2], /line 4: \/etc\/passwd resolves to \/etc\/passwd, outside the dataset folder/);
      assert.match(lines[3], /line 5: link\.dcm resolves to .*outside\.dcm, outside the dataset folder/);
      return true;
    });
    // UTF-8 with a byte-order mark (as Excel saves it) and the fixed header read fine.
    const listing = listWith(Buffer.concat([Buffer.from([0xef, 0xbb, 0xbf]), Buffer.from("file,label,patient\na.dcm,NEUMONÍA,P1\nb.dcm,NORMAL,P2\n")]))() as ReturnType<typeof listDicomDataset>;
    assert.deepEqual(listing.classNames, ["NEUMONÍA", "NORMAL"]);
    assert.deepEqual(listing.splits.all.map((s) => s.patient), ["P1", "P2"]);
  });

  test("same seed gives the same bytes", () => {
    const again = tempDir("dicom-again");
    synthDicom(again, { seed: 2, size: 48, counts: { train: [4, 6], test: [2, 2] } });
    assert.equal(hashTree(again), hashTree(root));
  });
});
