/**
 * The dataset formats kdlab reads, in the order detection tries them
 * (CIFAR-10's batch files before the class-folder layouts; a .npz file is
 * never a folder). A new format is one file beside these and one line here.
 */
import { chestXrayFormat } from "./chest-xray";
import { cifar10Format } from "./cifar10";
import { dicomFormat } from "./dicom";
import { DatasetFormat, DatasetFormatEntry } from "./format";
import { medmnistFormat } from "./medmnist";

export type { DatasetFormat, DatasetFormatEntry, DatasetTask, FormatListing } from "./format";

export const FORMATS: readonly DatasetFormatEntry[] = [cifar10Format, chestXrayFormat, dicomFormat, medmnistFormat];

export function formatEntry(name: DatasetFormat): DatasetFormatEntry {
  const entry = FORMATS.find((f) => f.name === name);
  if (!entry) throw new Error(`unknown dataset format "${name}"; known: ${FORMATS.map((f) => f.name).join(", ")}`);
  return entry;
}
