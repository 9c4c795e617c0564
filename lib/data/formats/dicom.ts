/**
 * A DICOM folder with labels.csv (lib/data/dicom-dataset.ts) as a dataset
 * format: labels and patients from the CSV, uncompressed pixel data decoded
 * to one gray channel (lib/data/dicom.ts), 224 px by default, and a seeded
 * synthetic set in every supported encoding (lib/data/synth-dicom.ts).
 */
import { decodeDicomImage } from "../dicom";
import { findDicomSplits, listDicomDataset, verifyDicomFiles } from "../dicom-dataset";
import { synthDicom } from "../synth-dicom";
import { DatasetFormatEntry } from "./format";

export const dicomFormat: DatasetFormatEntry = {
  name: "dicom",
  title: "DICOM",
  layout: "DICOM (labels.csv)",
  storedAs: "folder",
  ownClasses: false,
  ownValSplit: false,
  trains: ["chest-xray"],
  defaultSize: 224,
  channels: 1,
  detect: (dir) => Object.keys(findDicomSplits(dir)).length > 0,
  list: (dir, classes) => listDicomDataset(dir, { classes }),
  verify: async (samples) => verifyDicomFiles(samples),
  decode: async (sample, options) => ({ pixels: await decodeDicomImage(sample.file, options), channels: 1 }),
  async synth(dir, { seed }) {
    const { images } = synthDicom(dir, { seed });
    return `wrote ${images} DICOM files to ${dir}`;
  },
};
