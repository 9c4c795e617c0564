/**
 * TensorBoard event files for a model's training, written by TensorFlow's
 * own summary writer through tfjs-node (tf.node.summaryFileWriter) into the
 * model's folder of the run (runs/<experiment>-<timestamp>/<role>/), so
 * `tensorboard --logdir runs` (`kdlab tensorboard`) shows every run's curves.
 * One scalar per epoch and metric; the pure-JS backend has no writer, and
 * then nothing is written (the run's history.csv has the same numbers).
 */
import type { EpochRecord } from "../distill/index";
import { currentBackend } from "../backend";

interface SummaryWriter {
  scalar(name: string, value: number, step: number): void;
  flush(): void;
}

interface TfjsNode {
  node: { summaryFileWriter(logdir: string, maxQueue?: number, flushMillis?: number): SummaryWriter };
}

/** The metrics of an epoch written as scalars (those present: validation ones only with a validation split). */
const SCALARS: string[] = ["loss", "accuracy", "val_loss", "val_accuracy", "val_auc", "val_sensitivity", "val_specificity", "lr"];

function nativePackage(): TfjsNode | undefined {
  const kind = currentBackend()?.kind;
  if (kind !== "cpu" && kind !== "gpu") return undefined;
  // eslint-disable-next-line @typescript-eslint/no-require-imports
  return require(kind === "gpu" ? "@tensorflow/tfjs-node-gpu" : "@tensorflow/tfjs-node") as TfjsNode;
}

/** A function that logs one epoch record to `dir`'s event file, or undefined without a native backend. */
export function epochLogger(dir: string): ((record: EpochRecord) => void) | undefined {
  const tfNode = nativePackage();
  if (!tfNode) return undefined;
  const writer = tfNode.node.summaryFileWriter(dir);
  return (record) => {
    for (const name of SCALARS) {
      const value = record[name];
      if (typeof value === "number" && Number.isFinite(value)) writer.scalar(name, value, record.epoch);
    }
    writer.flush();
  };
}
