/** A DICOM folder with labels.csv (lib/data/dicom-dataset.ts) as a dataset format: labels and patients from the CSV. */
import { findDicomSplits, listDicomDataset, verifyDicomFiles } from "../dicom-dataset";
import { DatasetFormatEntry } from "./format";

export const dicomFormat: DatasetFormatEntry = {
  name: "dicom",
  layout: "DICOM (labels.csv)",
  storedAs: "folder",
  ownClasses: false,
  ownValSplit: false,
  trains: ["chest-xray"],
  detect: (dir) => Object.keys(findDicomSplits(dir)).length > 0,
  list: (dir, classes) => listDicomDataset(dir, { classes }),
  verify: async (samples) => verifyDicomFiles(samples),
};
