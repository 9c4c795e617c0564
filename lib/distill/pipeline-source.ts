/**
 * Adapts the data pipeline (lib/data/pipeline.ts: `epoch(e)` yields
 * `{ xs, ys, labels: number[], files: string[], dispose() }`) to the trainer's
 * `BatchSource`. Typed structurally, so the trainer does not depend on the
 * pipeline's module: int32 label tensor from `labels`, sample ids from
 * `files` (for the teacher-logit cache), the backbone's preprocessing applied
 * to `xs`, and `augmented` set from the pipeline's options.
 */
import * as tf from "@tensorflow/tfjs";
import { Batch, BatchSource } from "./batch";

export interface PipelineBatchLike {
  xs: tf.Tensor4D;
  labels: readonly number[];
  files: readonly string[];
  dispose(): void;
}

export interface PipelineLike {
  epoch(epoch: number): AsyncIterable<PipelineBatchLike>;
  readonly batchesPerEpoch?: number;
  readonly options?: { augment?: unknown };
}

export interface PipelineSourceOptions {
  /** Backbone preprocessing on [0, 1] images (DenseNet: torch mean/std; MobileNetV2: [-1, 1]). */
  preprocess?: (xs: tf.Tensor4D) => tf.Tensor4D;
  /** Whether batches are randomly augmented; default: from the pipeline's `augment` option. */
  augmented?: boolean;
}

export function pipelineSource(pipeline: PipelineLike, options: PipelineSourceOptions = {}): BatchSource {
  const augmented = options.augmented ?? Boolean(pipeline.options?.augment);
  return ({ epoch }) => ({
    async *[Symbol.asyncIterator](): AsyncGenerator<Batch> {
      for await (const batch of pipeline.epoch(epoch)) {
        let xs: tf.Tensor4D;
        let labels: tf.Tensor1D;
        try {
          xs = options.preprocess ? tf.tidy(() => options.preprocess!(batch.xs)) : tf.clone(batch.xs);
          labels = tf.tensor1d(batch.labels as number[], "int32");
        } finally {
          batch.dispose();
        }
        yield { xs, labels, ids: batch.files, augmented };
      }
    },
  });
}
