/**
 * The dataset formats kdlab reads, in the order detection tries them
 * (CIFAR-10's batch files before the class-folder layouts; a .npz file is
 * never a folder). A new format is one file beside these and one
 * registerFormat line here (or in the caller: a test registers its own).
 */
import { chestXrayFormat } from "./chest-xray";
import { cifar10Format } from "./cifar10";
import { dicomFormat } from "./dicom";
import { DatasetFormat, DatasetFormatEntry } from "./format";
import { medmnistFormat } from "./medmnist";

export type { DatasetFormat, DatasetFormatEntry, DecodedImage, DecodeOptions, FormatListing, InspectSection, SplitSummary, SynthOptions } from "./format";

const registered: DatasetFormatEntry[] = [];

/** Adds a format after those registered so far (detection tries them in this order); a name registered twice is an error. */
export function registerFormat(entry: DatasetFormatEntry): void {
  if (registered.some((f) => f.name === entry.name)) throw new Error(`dataset format "${entry.name}" is registered twice`);
  registered.push(entry);
}

registerFormat(cifar10Format);
registerFormat(chestXrayFormat);
registerFormat(dicomFormat);
registerFormat(medmnistFormat);

/** Every registered format, in detection order. */
export const FORMATS: readonly DatasetFormatEntry[] = registered;

export function formatEntry(name: DatasetFormat): DatasetFormatEntry {
  const entry = FORMATS.find((f) => f.name === name);
  if (!entry) throw new Error(`unknown dataset format "${name}"; known: ${FORMATS.map((f) => f.name).join(", ")}`);
  return entry;
}
