/**
 * What a dataset format is to kdlab, all in its one entry: how to recognise
 * it on disk, list its splits, verify its images, decode one sample, its
 * section of `kdlab data inspect`, its synthetic generator (tests, the
 * defaults of data/default/, `kdlab data synth`), its default input size and
 * channels, the tasks its data can train, and what it fixes itself (class
 * names, a validation split). One file per format in this folder, registered
 * with one line in index.ts (a test registers its own with registerFormat);
 * decode.ts, inspect.ts, default-data.ts, the pipeline, the experiment runner
 * and `kdlab data` go through the registry and hold no format's knowledge.
 */
import type { ProgressCallback } from "../progress";
import type { Sample, SkippedFile } from "../sample";
import type { TaskName } from "../task";

/** A format's name in the registry (cifar10, chest-xray, dicom, medmnist, or one a caller registers); a sample's `format` names the entry that decodes it. */
export type DatasetFormat = string;

export interface FormatListing {
  /** The dataset root (the folder or file the samples come from). */
  root: string;
  classNames: string[];
  /** Split name → samples. */
  splits: Record<string, Sample[]>;
  /** Files that could not be used, with the reason. */
  skipped: SkippedFile[];
}

export interface DecodeOptions {
  /** Output side in pixels: images are resized to size × size. */
  size: number;
  /** "fill" stretches to a square; "cover" crops the centre. */
  fit: "fill" | "cover";
}

export interface DecodedImage {
  /** HWC uint8. */
  pixels: Uint8Array;
  channels: 1 | 3;
}

export interface SplitSummary {
  count: number;
  classes: Record<string, number>;
  /** Distinct patients among the images whose file name or labels.csv row tells one. */
  patients?: number;
  /** Images with no patient id, when some have one (else absent): they are split as one patient each. */
  withoutPatient?: number;
}

/** A format's own `kdlab data inspect` report (without the format name, which the caller adds). */
export interface InspectSection {
  root: string;
  splits: Record<string, SplitSummary>;
  skipped: SkippedFile[];
  /** What the format tells about the dataset beyond its counts, in a few words (printed after the format's name). */
  about?: string;
  /** The same as data, for --json (MedMNIST: the flag, task, stored side, channels, class names). */
  details?: Readonly<Record<string, string | number | null | readonly string[]>>;
}

export interface SynthOptions {
  seed: number;
  /** "default": the small set runs and tests use (data/default/<format>); "command": the generator's own size (`kdlab data synth`). */
  purpose: "default" | "command";
  onProgress?: ProgressCallback;
}

export interface DatasetFormatEntry {
  name: DatasetFormat;
  /** In a word or two, for messages ("CIFAR-10", "chest X-ray"). */
  title: string;
  /** The on-disk layout in a few words, for "not a dataset" errors. */
  layout: string;
  /** A dataset of this format is a folder or a single file (detection only asks the formats of the target's kind). */
  storedAs: "folder" | "file";
  /** The format names its own classes: a class list does not apply. */
  ownClasses: boolean;
  /** The format fixes its validation split (used as is), rather than train + val being pooled and re-split by patient. */
  ownValSplit: boolean;
  /** Tasks it can train. */
  trains: readonly TaskName[];
  /** The input side a pipeline of its samples resizes to when none is given. */
  defaultSize: number;
  /** Channels of a decoded sample, unless the sample says (Sample.channels). */
  channels: 1 | 3;
  /** Whether `target` (a folder or a file) is a dataset of this format. */
  detect(target: string, classes?: readonly string[]): boolean;
  list(target: string, classes?: readonly string[]): FormatListing;
  /** Decodes every image once to find corrupt ones; absent when listing already checked everything. */
  verify?(samples: readonly Sample[]): Promise<{ ok: Sample[]; skipped: SkippedFile[] }>;
  /** One sample's pixels, resized to options.size. */
  decode(sample: Sample, options: DecodeOptions): Promise<DecodedImage>;
  /** Its own inspect report, counted without decoding; absent: the dataset is listed, verified and counted per split. */
  inspect?(target: string): InspectSection;
  /** Writes a synthetic dataset of this format (seeded: same seed, same bytes); returns the line `kdlab data synth` prints. Absent: none. */
  synth?(dir: string, options: SynthOptions): Promise<string>;
  /** The folder a class's training images would be in, for an error about a class without any (where the layout tells it). */
  classFolder?(train: readonly Sample[], className: string): string | undefined;
}
