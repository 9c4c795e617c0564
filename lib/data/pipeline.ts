/**
 * Streaming batches for training. Images are decoded ahead of the consumer
 * (a prefetch queue of `prefetch` batches, decoded on sharp's worker threads
 * while the training step runs). Decoded, resized uint8 images are kept in
 * memory while the split's images fit `memoryCacheBytes` (the embedded
 * PneumoniaMNIST at 32 px is 5 MB, so its later epochs decode nothing: on 2
 * cores decoding every epoch took as long as half the training steps and ran
 * beside them); beyond it images are decoded each epoch and only the
 * prefetched batches are in memory. Optional on-disk cache of the same
 * images; seeded shuffle per epoch; seeded augmentation per batch (after the
 * cache, so every epoch still draws its own).
 *
 * Each yielded batch is the consumer's to dispose (`batch.dispose()`).
 * Labels (`ys`): one-hot float32 [B, numClasses] by default (what soft-target
 * distillation losses take), or int32 class indices [B] with `labels: "int"`.
 * A sample that fails to decode is skipped, listed in `pipeline.skipped` with
 * its reason and passed to `onSkip` (default: a warning on stderr); its batch
 * is one image shorter. It is not retried in later epochs.
 */
import * as os from "node:os";
import * as tf from "@tensorflow/tfjs";
import { AugmentOptions, augmentBatch } from "./augment";
import { DecodedImage, decodeSample, decodedChannels, defaultInputSize } from "./decode";
import { DecodedImageCache } from "./image-cache";
import { Limiter } from "./limiter";
import { mixSeed, seededRandom, shuffled } from "./random";
import { Sample, SkippedFile, sampleName } from "./sample";

export interface PipelineOptions {
  batchSize: number;
  numClasses: number;
  /** Output side in pixels (default: the samples' format's, lib/data/formats/: 32 for CIFAR-10, 224 otherwise). */
  size?: number;
  /** Output channels: 3 repeats grayscale (default), 1 converts RGB to gray. */
  channels?: 1 | 3;
  fit?: "fill" | "cover";
  /** "onehot" (default): float32 [B, numClasses]; "int": int32 [B]. */
  labels?: "onehot" | "int";
  /** Shuffle each epoch with a seed mixed from `seed` and the epoch (default true). */
  shuffle?: boolean;
  seed?: number;
  /** Batches decoded ahead of the consumer (default 2). */
  prefetch?: number;
  /** Images decoded at once (default: CPU count). */
  concurrency?: number;
  /** Folder for the decoded-image cache; no cache when absent. */
  cacheDir?: string;
  /** Decoded images kept in memory while the split fits this many bytes (default 256 MiB; 0: none). */
  memoryCacheBytes?: number;
  /** Augmentation settings, or false/absent for none. */
  augment?: AugmentOptions | false;
  /** Drop a last batch shorter than batchSize (default false). */
  dropRemainder?: boolean;
  onSkip?: (skipped: SkippedFile) => void;
}

export interface Batch {
  /** NHWC float32 in [0, 1]. */
  xs: tf.Tensor4D;
  /** One-hot float32 [B, numClasses] or int32 [B] (see PipelineOptions.labels). */
  ys: tf.Tensor;
  /** Class index of each image. */
  labels: number[];
  /** Source of each image (`file#record` for CIFAR-10). */
  files: string[];
  dispose(): void;
}

interface DecodedBatch {
  images: DecodedImage[];
  samples: Sample[];
}

const DEFAULT_MEMORY_CACHE_BYTES = 256 * 1024 * 1024;

export class ImagePipeline {
  readonly skipped: SkippedFile[] = [];
  /** Images decoded (or read from the cache) so far, across epochs: shows how far decoding runs ahead. */
  decodedCount = 0;
  private readonly failed = new Set<Sample>();
  private readonly limiter: Limiter;
  private readonly cache?: DecodedImageCache;
  /** Decoded images by sample; empty when the split would not fit memoryCacheBytes. */
  private readonly inMemory = new Map<Sample, DecodedImage>();
  private readonly keepInMemory: boolean;
  private readonly size: number;
  private readonly fit: "fill" | "cover";

  constructor(
    readonly samples: readonly Sample[],
    readonly options: PipelineOptions,
  ) {
    if (!(options.batchSize >= 1)) throw new Error(`batchSize must be at least 1, got ${options.batchSize}`);
    this.size = options.size ?? defaultInputSize(samples);
    this.fit = options.fit ?? "fill";
    this.limiter = new Limiter(options.concurrency ?? os.availableParallelism());
    if (options.cacheDir) this.cache = new DecodedImageCache(options.cacheDir);
    const channels = samples.some((s) => decodedChannels(s) === 3) ? 3 : 1;
    this.keepInMemory = samples.length * this.size * this.size * channels <= (options.memoryCacheBytes ?? DEFAULT_MEMORY_CACHE_BYTES);
  }

  /** Batches in the next epoch (samples that failed to decode are no longer counted). */
  get batchesPerEpoch(): number {
    const n = (this.samples.length - this.failed.size) / this.options.batchSize;
    return this.options.dropRemainder ? Math.floor(n) : Math.ceil(n);
  }

  /** The sample order of an epoch (seeded, so a resumed run sees the same order). */
  epochOrder(epoch: number): Sample[] {
    const live = this.samples.filter((s) => !this.failed.has(s));
    if (this.options.shuffle === false) return live;
    return shuffled(live, seededRandom(mixSeed(this.options.seed ?? 0, epoch, 0x5eed)));
  }

  private async decodeOne(sample: Sample): Promise<DecodedImage | undefined> {
    return this.limiter.run(async () => {
      try {
        const kept = this.inMemory.get(sample);
        if (kept) {
          this.decodedCount++;
          return kept;
        }
        const cached = await this.cache?.get(sample, this.size, this.fit, decodedChannels(sample));
        const image = cached ?? (await decodeSample(sample, { size: this.size, fit: this.fit }));
        if (!cached) await this.cache?.put(sample, this.size, this.fit, image);
        if (this.keepInMemory) this.inMemory.set(sample, image);
        this.decodedCount++;
        return image;
      } catch (error) {
        this.skip(sample, (error as Error).message);
        return undefined;
      }
    });
  }

  private skip(sample: Sample, reason: string): void {
    if (this.failed.has(sample)) return;
    this.failed.add(sample);
    const entry = { file: sampleName(sample), reason };
    this.skipped.push(entry);
    if (this.options.onSkip) this.options.onSkip(entry);
    else console.warn(`kdlab data: skipped ${entry.file}: ${reason}`);
  }

  private async decodeBatch(samples: Sample[]): Promise<DecodedBatch> {
    const decoded = await Promise.all(samples.map((s) => this.decodeOne(s)));
    const kept: DecodedBatch = { images: [], samples: [] };
    decoded.forEach((image, i) => {
      if (image) {
        kept.images.push(image);
        kept.samples.push(samples[i]);
      }
    });
    return kept;
  }

  private toBatch(decoded: DecodedBatch, seed: number): Batch {
    const { size } = this;
    const count = decoded.images.length;
    const sourceChannels = decoded.images[0].channels;
    const bytes = new Uint8Array(count * size * size * sourceChannels);
    decoded.images.forEach((image, i) => {
      if (image.channels !== sourceChannels) throw new Error(`${sampleName(decoded.samples[i])}: ${image.channels} channels in a batch of ${sourceChannels}-channel images`);
      bytes.set(image.pixels, i * size * size * sourceChannels);
    });
    const labels = decoded.samples.map((s) => s.label);
    const channels = this.options.channels ?? 3;
    const augment = this.options.augment;
    const xs = tf.tidy(() => {
      let images = tf.tensor4d(bytes, [count, size, size, sourceChannels], "int32").toFloat().div(255) as tf.Tensor4D;
      if (augment) images = augmentBatch(images, seed, augment);
      if (channels === 3 && sourceChannels === 1) images = images.tile([1, 1, 1, 3]) as tf.Tensor4D;
      if (channels === 1 && sourceChannels === 3) images = tf.image.rgbToGrayscale(images) as tf.Tensor4D;
      return images;
    });
    const ys = tf.tidy(() => {
      const indices = tf.tensor1d(labels, "int32");
      return this.options.labels === "int" ? indices : tf.oneHot(indices, this.options.numClasses).toFloat();
    });
    return { xs, ys, labels, files: decoded.samples.map(sampleName), dispose: () => tf.dispose([xs, ys]) };
  }

  /** One epoch of batches; decoding runs `prefetch` batches ahead of the consumer. */
  async *epoch(epoch: number): AsyncGenerator<Batch> {
    const order = this.epochOrder(epoch);
    const { batchSize } = this.options;
    const chunks: Sample[][] = [];
    for (let start = 0; start < order.length; start += batchSize) {
      const chunk = order.slice(start, start + batchSize);
      if (chunk.length < batchSize && this.options.dropRemainder) break;
      chunks.push(chunk);
    }
    const prefetch = Math.max(1, this.options.prefetch ?? 2);
    const queue: Promise<DecodedBatch>[] = [];
    let next = 0;
    const fill = (): void => {
      while (queue.length < prefetch && next < chunks.length) queue.push(this.decodeBatch(chunks[next++]));
    };
    try {
      for (let index = 0; index < chunks.length; index++) {
        fill();
        const decoded = await (queue.shift() as Promise<DecodedBatch>);
        fill();
        if (decoded.images.length === 0) continue;
        yield this.toBatch(decoded, mixSeed(this.options.seed ?? 0, epoch, index));
      }
    } finally {
      // A consumer that stops early leaves decodes in flight: let them settle so none fails unobserved.
      await Promise.allSettled(queue);
    }
  }
}
