/**
 * `kdlab data inspect`: detects a dataset folder's format and reports each
 * split's image count, per-class counts and (where file names or labels.csv
 * tell them) patient counts, plus every file that cannot be used and why.
 * A format with its own inspect section (lib/data/formats/: CIFAR-10 counts
 * its batch files, MedMNIST adds its flag, task, size and channels) gives
 * it; any other is listed and, unless `verify` is false, every image decoded
 * (small) to find corrupt files.
 * A skipped file is a problem with the dataset: the command then exits 1.
 */
import { DatasetFormat, checkClassesApply, detectFormat, openDataset } from "./dataset";
import { formatEntry, InspectSection, SplitSummary } from "./formats/index";
import { Sample } from "./sample";

export type { SplitSummary };

export interface InspectReport extends InspectSection {
  format: DatasetFormat;
}

export function summarise(samples: readonly Sample[], classNames: readonly string[]): SplitSummary {
  const classes: Record<string, number> = Object.fromEntries(classNames.map((c) => [c, 0]));
  for (const s of samples) classes[s.className] = (classes[s.className] ?? 0) + 1;
  const summary: SplitSummary = { count: samples.length, classes };
  const known = samples.filter((s) => s.patient !== undefined);
  if (known.length > 0) summary.patients = new Set(known.map((s) => s.patient)).size;
  // A partial count says how many images it leaves out rather than hiding the patients altogether.
  if (known.length > 0 && known.length < samples.length) summary.withoutPatient = samples.length - known.length;
  return summary;
}

/** Counts per split, after decoding every image once (unless `verify` is false) to list corrupt files. */
export async function inspectDataset(dir: string, options: { verify?: boolean; classes?: readonly string[] } = {}): Promise<InspectReport> {
  const format = detectFormat(dir, options);
  checkClassesApply(format, options.classes);
  const entry = formatEntry(format);
  if (entry.inspect) return { format, ...entry.inspect(dir) };
  const opened = await openDataset(dir, { verify: options.verify ?? true, classes: options.classes });
  const splits = Object.fromEntries(Object.entries(opened.splits).map(([split, samples]) => [split, summarise(samples, opened.classNames)]));
  return { format: opened.format, root: opened.root, splits, skipped: opened.skipped };
}
