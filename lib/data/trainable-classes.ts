/**
 * The check that every class of a dataset can be trained: at least two
 * classes, and for each at least one training image that decodes. A class
 * with none (an empty train/NORMAL folder, NORMAL images that are all
 * unreadable, labels that are all 0) would otherwise train a model that never
 * sees it, or fail deep in training ("depth must be >=2"). kdlab has no
 * option to train a subset of a dataset's classes, so this is an error.
 */
import * as path from "node:path";
import { decodeSample } from "./decode";
import { FORMATS } from "./formats/index";
import { Sample } from "./sample";

/** The folder a class's images would be in, where a format of the samples tells it (chest X-ray folders: train/<class>). */
function classFolder(train: readonly Sample[], className: string): string | undefined {
  const formats = new Set(train.map((s) => s.format));
  for (const entry of FORMATS) {
    const folder = formats.has(entry.name) ? entry.classFolder?.(train, className) : undefined;
    if (folder) return folder;
  }
  return undefined;
}

/** Throws, naming the dataset, the class and where its images are, unless every class has a training image that decodes at `size`. */
export async function checkTrainableClasses(dataset: string, classNames: readonly string[], train: readonly Sample[], size: number): Promise<void> {
  if (classNames.length < 2) {
    throw new Error(`${dataset}: one class ("${classNames[0] ?? ""}"): every label is the same, so there is nothing to tell apart; a classifier needs at least two classes (check the labels)`);
  }
  const problems: string[] = [];
  const usable: string[] = [];
  for (const [label, className] of classNames.entries()) {
    const samples = train.filter((s) => s.label === label);
    if (samples.length === 0) {
      const folder = classFolder(train, className);
      problems.push(`class "${className}" has no training images${folder ? ` (${folder} is empty or missing)` : ""}`);
      continue;
    }
    let firstError: string | undefined;
    let decoded = false;
    for (const sample of samples) {
      try {
        await decodeSample(sample, { size, fit: "fill" });
        decoded = true;
        break;
      } catch (error) {
        firstError ??= `${sample.file}: ${(error as Error).message}`;
      }
    }
    if (decoded) usable.push(className);
    else {
      const folders = [...new Set(samples.map((s) => path.dirname(s.file)))];
      problems.push(`class "${className}" has no usable training images: all ${samples.length} in ${folders.join(", ")} fail to decode (first: ${firstError})`);
    }
  }
  if (problems.length === 0) return;
  const only = usable.length === 1 ? `only class "${usable[0]}" could train, ` : "";
  throw new Error(`${dataset}: ${problems.join("; ")}; ${only}and kdlab trains every class of a dataset (it has no option to choose classes): add images of the class, or fix its labels`);
}
