/** The Kermany chest X-ray folders (lib/data/chest-xray.ts) as a dataset format: {train,val,test}/<class>/*.jpeg, patients from file names. */
import { findChestXrayRoot, listChestXray, verifyImages } from "../chest-xray";
import { DatasetFormatEntry } from "./format";

export const chestXrayFormat: DatasetFormatEntry = {
  name: "chest-xray",
  layout: "chest X-ray ({train,val,test}/{NORMAL,PNEUMONIA})",
  storedAs: "folder",
  ownClasses: false,
  ownValSplit: false,
  trains: ["chest-xray"],
  detect: (dir, classes) => findChestXrayRoot(dir, classes) !== undefined,
  list: (dir, classes) => listChestXray(dir, { classes }),
  verify: (samples) => verifyImages(samples),
};
