/**
 * What a dataset format is to kdlab: how to recognise it on disk, list its
 * splits, verify its images, and what it fixes itself (class names, a
 * validation split). One file per format in this folder; index.ts lists
 * them once, and every caller (detectFormat, openDataset, inspect, the
 * experiment runner, notebook 06) goes through that list.
 */
import { Sample, SkippedFile } from "../sample";

export type DatasetFormat = "cifar10" | "chest-xray" | "dicom" | "medmnist";

/** The experiment tasks a format can train: the CIFAR-10 stage, or the pneumonia stages (binary chest X-ray classification). */
export type DatasetTask = "cifar10" | "chest-xray";

export interface FormatListing {
  /** The dataset root (the folder or file the samples come from). */
  root: string;
  classNames: string[];
  /** Split name → samples. */
  splits: Record<string, Sample[]>;
  /** Files that could not be used, with the reason. */
  skipped: SkippedFile[];
}

export interface DatasetFormatEntry {
  name: DatasetFormat;
  /** The on-disk layout in a few words, for "not a dataset" errors. */
  layout: string;
  /** A dataset of this format is a folder or a single file (detection only asks the formats of the target's kind). */
  storedAs: "folder" | "file";
  /** The format names its own classes: a class list does not apply. */
  ownClasses: boolean;
  /** The format fixes its validation split (used as is), rather than train + val being pooled and re-split by patient. */
  ownValSplit: boolean;
  /** Tasks it can train. */
  trains: readonly DatasetTask[];
  /** Whether `target` (a folder or a file) is a dataset of this format. */
  detect(target: string, classes?: readonly string[]): boolean;
  list(target: string, classes?: readonly string[]): FormatListing;
  /** Decodes every image once to find corrupt ones; absent when listing already checked everything. */
  verify?(samples: readonly Sample[]): Promise<{ ok: Sample[]; skipped: SkippedFile[] }>;
}
