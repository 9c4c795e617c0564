/**
 * Progress of a training run as events. `terminalProgress` draws a bar in a
 * TTY and prints plain per-epoch lines otherwise (logs, CI); a notebook passes
 * its own listener (e.g. one that updates a tslab display) — nothing here
 * depends on tslab.
 */
import { EpochRecord } from "./history";

export interface BatchProgress {
  kind: "batch";
  label: string;
  /** 0-based epoch and batch. */
  epoch: number;
  epochs: number;
  batch: number;
  /** Batches per epoch when known (TrainerConfig.batchesPerEpoch, or learned from the first epoch). */
  batches?: number;
  /** Running means over the epoch so far. */
  loss: number;
  accuracy: number;
  lr: number;
  elapsedSeconds: number;
}

export interface EpochProgress {
  kind: "epoch";
  label: string;
  epoch: number;
  epochs: number;
  record: EpochRecord;
  improved: boolean;
}

export interface DoneProgress {
  kind: "done";
  label: string;
  epochsRun: number;
  stoppedEarly: boolean;
  bestEpoch: number | null;
  bestMetric: number | null;
  monitor: string;
}

export type ProgressEvent = BatchProgress | EpochProgress | DoneProgress;
export type ProgressListener = (event: ProgressEvent) => void;

export interface ProgressStream {
  isTTY?: boolean;
  columns?: number;
  write(text: string): boolean;
}

function formatNumber(value: number): string {
  if (!Number.isFinite(value)) return String(value);
  const abs = Math.abs(value);
  return abs !== 0 && (abs < 1e-3 || abs >= 1e4) ? value.toExponential(2) : value.toFixed(4);
}

function formatSeconds(seconds: number): string {
  if (!Number.isFinite(seconds)) return "?";
  const s = Math.round(seconds);
  return s >= 60 ? `${Math.floor(s / 60)}m${String(s % 60).padStart(2, "0")}s` : `${s}s`;
}

/** "epoch 3/25  loss 0.1234  accuracy 0.9120  val_loss …  lr 1.00e-4  12s" */
export function formatEpochLine(label: string, event: EpochProgress): string {
  const { record } = event;
  const metrics = Object.entries(record)
    .filter(([key]) => key !== "epoch" && key !== "seconds" && key !== "lr")
    .map(([key, value]) => `${key} ${formatNumber(value)}`);
  const prefix = label ? `${label} ` : "";
  return `${prefix}epoch ${record.epoch}/${event.epochs}  ${metrics.join("  ")}  lr ${formatNumber(record.lr)}  ${formatSeconds(record.seconds)}${event.improved ? "  *" : ""}`;
}

/** A listener that draws to a terminal: a redrawn bar in a TTY (≤ 10 redraws/s), one line per epoch otherwise. */
export function terminalProgress(stream: ProgressStream = process.stdout): ProgressListener {
  let lastDraw = 0;
  let barShown = false;
  return (event) => {
    if (event.kind === "batch") {
      if (!stream.isTTY) return;
      const now = Date.now();
      if (now - lastDraw < 100 && event.batch !== (event.batches ?? 0) - 1) return;
      lastDraw = now;
      const width = 24;
      const done = event.batches ? (event.batch + 1) / event.batches : 0;
      const bar = event.batches ? `[${"=".repeat(Math.round(done * width)).padEnd(width, ".")}] ${event.batch + 1}/${event.batches}` : `batch ${event.batch + 1}`;
      const eta = event.batches && done > 0 ? `  eta ${formatSeconds((event.elapsedSeconds / done) * (1 - done))}` : "";
      const prefix = event.label ? `${event.label} ` : "";
      const line = `${prefix}epoch ${event.epoch + 1}/${event.epochs} ${bar}  loss ${formatNumber(event.loss)}  acc ${formatNumber(event.accuracy)}${eta}`;
      stream.write(`\r${line.slice(0, (stream.columns ?? 120) - 1)}\x1b[K`);
      barShown = true;
    } else if (event.kind === "epoch") {
      stream.write(`${barShown ? "\r\x1b[K" : ""}${formatEpochLine(event.label, event)}\n`);
      barShown = false;
    } else {
      const prefix = event.label ? `${event.label} ` : "";
      const best = event.bestEpoch === null ? "" : `; best ${event.monitor} ${formatNumber(event.bestMetric ?? NaN)} at epoch ${event.bestEpoch}`;
      stream.write(`${prefix}done after ${event.epochsRun} epochs${event.stoppedEarly ? " (early stop)" : ""}${best}\n`);
    }
  };
}

/**
 * A listener for a notebook's live output: keeps the finished epochs' lines and
 * the current batch line, and hands the whole text to `render` (at most every
 * `everyMs`, always at epoch end). In tslab: `const d = tslab.newDisplay();
 * liveProgress((text) => d.text(text))`.
 */
export function liveProgress(render: (text: string) => void, everyMs = 250): ProgressListener {
  const lines: string[] = [];
  let current = "";
  let lastRender = 0;
  const show = (): void => {
    lastRender = Date.now();
    render([...lines, current].filter(Boolean).join("\n"));
  };
  return (event) => {
    const prefix = event.label ? `${event.label} ` : "";
    if (event.kind === "batch") {
      const of = event.batches ? `/${event.batches}` : "";
      current = `${prefix}epoch ${event.epoch + 1}/${event.epochs} batch ${event.batch + 1}${of}  loss ${formatNumber(event.loss)}  acc ${formatNumber(event.accuracy)}`;
      if (Date.now() - lastRender >= everyMs) show();
      return;
    }
    if (event.kind === "epoch") lines.push(formatEpochLine(event.label, event));
    else lines.push(`${prefix}done after ${event.epochsRun} epochs${event.stoppedEarly ? " (early stop)" : ""}`);
    current = "";
    show();
  };
}
