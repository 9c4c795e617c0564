/** CIFAR-10's official binary batches (lib/data/cifar10.ts) as a dataset format: train and test splits, its own ten class names. */
import * as fs from "node:fs";
import * as path from "node:path";
import { CIFAR_TEST_FILE, CIFAR_TRAIN_FILES, cifarBatchDir, listCifar10 } from "../cifar10";
import { DatasetFormatEntry } from "./format";

export const cifar10Format: DatasetFormatEntry = {
  name: "cifar10",
  layout: "CIFAR-10 (cifar-10-batches-bin)",
  storedAs: "folder",
  ownClasses: true,
  ownValSplit: false,
  trains: ["cifar10"],
  detect: (dir) => [...CIFAR_TRAIN_FILES, CIFAR_TEST_FILE].some((f) => fs.existsSync(path.join(cifarBatchDir(dir), f))),
  list(dir) {
    const train = listCifar10(dir, "train");
    const test = listCifar10(dir, "test");
    return { root: dir, classNames: train.classNames, splits: { train: train.samples, test: test.samples }, skipped: [] };
  },
};
