/**
 * The pixels kdlab trains on, handed to Keras: each split of an experiment's
 * data as kdlab's own pipeline yields it (lib/experiments/data.ts: the
 * MedMNIST file's official split, the config's limits, sharp's resize to the
 * input size, gray repeated to three channels), written back as uint8
 * `.npy` arrays. Resizing is not redone in Python, so the two frameworks see
 * identical images; only the order of training batches differs (each
 * framework shuffles with the seed).
 */
import * as fs from "node:fs";
import * as path from "node:path";
import type { Batch } from "../../lib/data/pipeline";
import type { ExperimentConfig } from "../../lib/experiments/config";
import { buildExperimentData, SplitName } from "../../lib/experiments/data";
import { writeNpy } from "./npy-writer";

export const FIDELITY_SPLITS: readonly SplitName[] = ["train", "validation", "test"];

export interface DumpedData {
  dir: string;
  description: string;
  isReal: boolean;
  counts: Record<SplitName, number>;
  /** Test labels in the order written (the Keras side predicts in this order). */
  testLabels: number[];
  size: number;
  channels: number;
}

interface SplitArrays {
  pixels: Uint8Array;
  labels: Int32Array;
  shape: [number, number, number, number];
}

/** One epoch of a pipeline as uint8 (its [0, 1] floats are decoded bytes / 255, so ×255 rounds back exactly). */
async function collect(batches: AsyncIterable<Batch>): Promise<SplitArrays> {
  const chunks: Uint8Array[] = [];
  const labels: number[] = [];
  let shape: [number, number, number] | undefined;
  for await (const batch of batches) {
    try {
      const [, h, w, c] = batch.xs.shape;
      shape ??= [h, w, c];
      const values = await batch.xs.data();
      const bytes = new Uint8Array(values.length);
      for (let i = 0; i < values.length; i++) bytes[i] = Math.round(values[i] * 255);
      chunks.push(bytes);
      labels.push(...batch.labels);
    } finally {
      batch.dispose();
    }
  }
  if (!shape) throw new Error("fidelity data: a split produced no batches");
  const pixels = new Uint8Array(chunks.reduce((n, c) => n + c.length, 0));
  let offset = 0;
  for (const chunk of chunks) {
    pixels.set(chunk, offset);
    offset += chunk.length;
  }
  return { pixels, labels: Int32Array.from(labels), shape: [labels.length, ...shape] };
}

/** Writes `<dir>/<split>_images.npy` (N, S, S, 3) uint8 and `<split>_labels.npy` (N,) int32 for the config's data. */
export async function dumpExperimentData(config: ExperimentConfig, dataFile: string, dir: string): Promise<DumpedData> {
  if (config.augmentation.enabled) throw new Error(`fidelity data: ${config.name} augments its training images; one dumped epoch would not be what kdlab trains on`);
  const data = await buildExperimentData(config, { dataDir: dataFile });
  fs.mkdirSync(dir, { recursive: true });
  const counts = {} as Record<SplitName, number>;
  let testLabels: number[] = [];
  let shape: SplitArrays["shape"] | undefined;
  for (const split of FIDELITY_SPLITS) {
    const arrays = await collect(data.pipelines[split].epoch(0));
    writeNpy(path.join(dir, `${split}_images.npy`), arrays.pixels, arrays.shape);
    writeNpy(path.join(dir, `${split}_labels.npy`), arrays.labels, [arrays.labels.length]);
    counts[split] = arrays.labels.length;
    if (split === "test") testLabels = Array.from(arrays.labels);
    shape = arrays.shape;
  }
  const skipped = data.skipped();
  if (skipped.length > 0) throw new Error(`fidelity data: ${skipped.length} image(s) failed to decode, e.g. ${skipped[0].file}: ${skipped[0].reason}`);
  return { dir, description: data.description, isReal: data.isReal, counts, testLabels, size: shape?.[1] ?? config.dataset.inputSize, channels: shape?.[3] ?? 3 };
}
