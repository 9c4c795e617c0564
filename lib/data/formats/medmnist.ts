/**
 * A MedMNIST .npz file (lib/data/medmnist.ts) as a dataset format: the
 * official train/val/test split and class names; every array is checked
 * when read, so there is nothing to verify per image; records decoded as
 * stored (gray or RGB), 224 px by default; inspect adds the dataset's flag,
 * task, stored side and channels. No synthetic generator.
 */
import { decodeMedmnistRecord, isNpzFile, listMedmnist, medmnistCounts, readMedmnist } from "../medmnist";
import { DatasetFormatEntry } from "./format";

export const medmnistFormat: DatasetFormatEntry = {
  name: "medmnist",
  title: "MedMNIST",
  layout: "MedMNIST .npz file",
  storedAs: "file",
  ownClasses: true,
  ownValSplit: true,
  trains: ["chest-xray"],
  defaultSize: 224,
  channels: 1,
  detect: (target) => isNpzFile(target),
  list(file) {
    const listing = listMedmnist(file);
    return { root: listing.root, classNames: listing.classNames, splits: { ...listing.splits }, skipped: [] };
  },
  decode: async (sample, options) => ({ pixels: await decodeMedmnistRecord(sample, options), channels: sample.channels ?? 1 }),
  inspect(file) {
    const dataset = readMedmnist(file);
    const { flag = null, task, size, channels, classNames } = dataset;
    return {
      root: file,
      splits: medmnistCounts(dataset),
      skipped: [],
      about: `${flag ?? "unnamed"}, ${task}, ${size}×${size}, ${channels === 1 ? "gray" : "RGB"}; classes: ${classNames.join(", ")}`,
      details: { flag, task, size, channels, classNames },
    };
  },
};
