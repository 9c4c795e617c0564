/**
 * The data pipeline's rate alone: JPEG decode + resize to 224 + augmentation
 * (lib/data/pipeline.ts, its prefetch queue on sharp's worker threads), with a
 * stand-in consumer that reads one number per batch so each batch is really
 * computed. Compared against the DenseNet121 head's training rate, it says
 * whether training would wait for its input.
 */
import * as tf from "@tensorflow/tfjs";
import { ImagePipeline } from "../../lib/data/pipeline";
import { ChestSet, sampleSubset } from "../common/chest-set";
import { PipelineRate } from "./schema";

export interface PipelineRateOptions {
  images: number;
  size: number;
  batch: number;
  prefetch: number;
  seed: number;
}

export async function measurePipelineRate(set: ChestSet, options: PipelineRateOptions): Promise<PipelineRate> {
  const samples = sampleSubset(set.samples, options.images, options.seed);
  const pipeline = new ImagePipeline(samples, { batchSize: options.batch, numClasses: 2, size: options.size, channels: 3, seed: options.seed, prefetch: options.prefetch, augment: {}, labels: "int" });
  let images = 0;
  const started = performance.now();
  for await (const batch of pipeline.epoch(0)) {
    tf.tidy(() => tf.mean(batch.xs).dataSync());
    images += batch.labels.length;
    batch.dispose();
  }
  const seconds = (performance.now() - started) / 1000;
  if (pipeline.skipped.length > 0) throw new Error(`pipeline bench: ${pipeline.skipped.length} images of ${set.dir} failed to decode, first ${pipeline.skipped[0].file}: ${pipeline.skipped[0].reason}`);
  return {
    images,
    sourceSize: set.sourceSize,
    size: options.size,
    batch: options.batch,
    prefetch: options.prefetch,
    what: `${images} grayscale JPEGs of ${set.sourceSize}×${set.sourceSize} → decode + resize to ${options.size}×${options.size} + augment (flip, rotate, crop, brightness, contrast) → 3-channel float batches of ${options.batch}, prefetch ${options.prefetch}, no training alongside`,
    imagesPerSec: images / seconds,
    trainingModel: "pneumonia-teacher-model2",
  };
}

/** Fills in the comparison with a training rate (images/s of the DenseNet121 head's train step). */
export function compareWithTraining(rate: PipelineRate, trainingImagesPerSec: number | undefined): PipelineRate {
  if (trainingImagesPerSec === undefined) return rate;
  const headroom = rate.imagesPerSec / trainingImagesPerSec;
  return { ...rate, trainingImagesPerSec, headroom, inputBound: headroom < 1 };
}
