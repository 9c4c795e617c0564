/**
 * One labelled image on disk, whatever its format. Loaders list samples
 * without decoding them; the pipeline decodes them batch by batch.
 */
import type { DatasetFormat } from "./formats/format";

export interface Sample {
  /** The dataset format whose entry (lib/data/formats/) listed it and decodes it. */
  format: DatasetFormat;
  /** The file holding the image (for CIFAR-10, the batch file). */
  file: string;
  /** Record index inside a CIFAR-10 batch file or a MedMNIST array. */
  record?: number;
  /** The array inside an archive holding the record (MedMNIST: `train_images`, …). */
  array?: string;
  /** Channels of the decoded image (default: its format's, 3 for CIFAR-10, 1 otherwise). */
  channels?: 1 | 3;
  /** Class index into the dataset's class names. */
  label: number;
  className: string;
  /** Patient id, where the format tells it. */
  patient?: string;
}

/** A file that a loader could not use, and why. Loaders never drop files silently. */
export interface SkippedFile {
  file: string;
  reason: string;
}

/** A readable name for a sample in errors and batch listings. */
export function sampleName(sample: Sample): string {
  if (sample.record === undefined) return sample.file;
  return sample.array === undefined ? `${sample.file}#${sample.record}` : `${sample.file}:${sample.array}#${sample.record}`;
}
