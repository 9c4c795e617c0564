/**
 * The Kermany chest X-ray folders (lib/data/chest-xray.ts) as a dataset
 * format: {train,val,test}/<class>/*.jpeg, patients from file names, each
 * image decoded to one gray channel (224 px by default), and a seeded
 * synthetic set of radiographs in the same layout (lib/data/synth-chest-xray.ts).
 */
import * as path from "node:path";
import { decodeGrayImage, findChestXrayRoot, listChestXray, verifyImages } from "../chest-xray";
import { kermanyCounts, synthChestXray } from "../synth-chest-xray";
import { DatasetFormatEntry } from "./format";

export const chestXrayFormat: DatasetFormatEntry = {
  name: "chest-xray",
  title: "chest X-ray",
  layout: "chest X-ray ({train,val,test}/{NORMAL,PNEUMONIA})",
  storedAs: "folder",
  ownClasses: false,
  ownValSplit: false,
  trains: ["chest-xray"],
  defaultSize: 224,
  channels: 1,
  detect: (dir, classes) => findChestXrayRoot(dir, classes) !== undefined,
  list: (dir, classes) => listChestXray(dir, { classes }),
  verify: (samples) => verifyImages(samples),
  decode: async (sample, options) => ({ pixels: await decodeGrayImage(sample.file, options), channels: 1 }),
  async synth(dir, { seed, purpose, onProgress }) {
    // The default: 400 train (103 : 297), 16 val, 48 test at 128 px, so a quick notebook run takes seconds.
    const { images } = await synthChestXray(dir, purpose === "default" ? { seed, size: 128, counts: kermanyCounts(400) } : { seed, onProgress });
    return `wrote ${images} images to ${dir}`;
  },
  // <root>/train/<class>/<image>: the class's folder is beside the folder of any training image.
  classFolder(train, className) {
    const image = train.find((s) => s.format === "chest-xray");
    return image ? path.join(path.dirname(path.dirname(image.file)), className) : undefined;
  },
};
