/**
 * A MedMNIST .npz file (lib/data/medmnist.ts) as a dataset format: the
 * official train/val/test split and class names; every array is checked
 * when read, so there is nothing to verify per image.
 */
import { isNpzFile, listMedmnist } from "../medmnist";
import { DatasetFormatEntry } from "./format";

export const medmnistFormat: DatasetFormatEntry = {
  name: "medmnist",
  layout: "MedMNIST .npz file",
  storedAs: "file",
  ownClasses: true,
  ownValSplit: true,
  trains: ["chest-xray"],
  detect: (target) => isNpzFile(target),
  list(file) {
    const listing = listMedmnist(file);
    return { root: listing.root, classNames: listing.classNames, splits: { ...listing.splits }, skipped: [] };
  },
};
