/**
 * CIFAR-10's official binary batches (lib/data/cifar10.ts) as a dataset
 * format: train and test splits, its own ten class names, RGB records of
 * 32×32 (its default input size), counted per batch file by inspect, and a
 * seeded synthetic set in the same files (lib/data/synth-cifar10.ts).
 */
import * as fs from "node:fs";
import * as path from "node:path";
import sharp from "sharp";
import { CIFAR_SIZE, CIFAR_TEST_FILE, CIFAR_TRAIN_FILES, checkCifarBatch, cifarBatchDir, listCifar10, readCifarClassNames, readCifarRecord } from "../cifar10";
import { SkippedFile } from "../sample";
import { synthCifar10 } from "../synth-cifar10";
import { DatasetFormatEntry, InspectSection, SplitSummary } from "./format";

/** Counts per split from the batch files' label bytes; a missing or malformed batch file is skipped with the reason. */
function inspectCifar(dir: string): InspectSection {
  const batchDir = cifarBatchDir(dir);
  const classNames = readCifarClassNames(dir);
  const splits: Record<string, SplitSummary> = {};
  const skipped: SkippedFile[] = [];
  for (const [split, names] of [["train", CIFAR_TRAIN_FILES], ["test", [CIFAR_TEST_FILE]]] as const) {
    const classes: Record<string, number> = Object.fromEntries(classNames.map((c) => [c, 0]));
    let count = 0;
    for (const name of names) {
      const file = path.join(batchDir, name);
      if (!fs.existsSync(file)) {
        skipped.push({ file, reason: `missing from the ${split} split` });
        continue;
      }
      try {
        for (const label of checkCifarBatch(file, fs.readFileSync(file))) {
          classes[classNames[label]]++;
          count++;
        }
      } catch (error) {
        skipped.push({ file, reason: (error as Error).message });
      }
    }
    splits[split] = { count, classes };
  }
  return { root: batchDir, splits, skipped };
}

export const cifar10Format: DatasetFormatEntry = {
  name: "cifar10",
  title: "CIFAR-10",
  layout: "CIFAR-10 (cifar-10-batches-bin)",
  storedAs: "folder",
  ownClasses: true,
  ownValSplit: false,
  trains: ["cifar10"],
  defaultSize: CIFAR_SIZE,
  channels: 3,
  detect: (dir) => [...CIFAR_TRAIN_FILES, CIFAR_TEST_FILE].some((f) => fs.existsSync(path.join(cifarBatchDir(dir), f))),
  list(dir) {
    const train = listCifar10(dir, "train");
    const test = listCifar10(dir, "test");
    return { root: dir, classNames: train.classNames, splits: { train: train.samples, test: test.samples }, skipped: [] };
  },
  async decode(sample, options) {
    const { pixels } = await readCifarRecord(sample.file, sample.record ?? 0);
    if (options.size === CIFAR_SIZE) return { pixels, channels: 3 };
    const resized = await sharp(Buffer.from(pixels.buffer), { raw: { width: CIFAR_SIZE, height: CIFAR_SIZE, channels: 3 } })
      .resize(options.size, options.size, { fit: options.fit })
      .raw()
      .toBuffer();
    return { pixels: new Uint8Array(resized.buffer, resized.byteOffset, resized.length), channels: 3 };
  },
  inspect: inspectCifar,
  async synth(dir, { seed, purpose }) {
    return `wrote ${synthCifar10(dir, purpose === "default" ? { seed, recordsPerTrainBatch: 400, testRecords: 500 } : { seed })}`;
  },
};
