/**
 * A terminal progress bar for long data work (downloads, generation,
 * verification). On a TTY it redraws one line; elsewhere (CI logs, notebook
 * subprocesses) it prints a line every 10 %, so logs stay short.
 */
export interface Progress {
  done: number;
  /** Undefined when the size is not known (no Content-Length). */
  total?: number;
}

export type ProgressCallback = (progress: Progress) => void;

function formatAmount(n: number, bytes: boolean): string {
  if (!bytes) return String(n);
  if (n >= 1 << 30) return `${(n / (1 << 30)).toFixed(2)} GiB`;
  if (n >= 1 << 20) return `${(n / (1 << 20)).toFixed(1)} MiB`;
  return `${(n / 1024).toFixed(1)} KiB`;
}

export function progressLine(label: string, progress: Progress, bytes: boolean, elapsedSeconds: number): string {
  const { done, total } = progress;
  const rate = elapsedSeconds > 0 ? done / elapsedSeconds : 0;
  const rateText = bytes ? `${formatAmount(rate, true)}/s` : `${rate.toFixed(1)}/s`;
  if (!total) return `${label} ${formatAmount(done, bytes)} ${rateText}`;
  const share = Math.min(1, done / total);
  const width = 24;
  const filled = Math.round(share * width);
  return `${label} [${"#".repeat(filled)}${"-".repeat(width - filled)}] ${(share * 100).toFixed(0).padStart(3)}% ${formatAmount(done, bytes)}/${formatAmount(total, bytes)} ${rateText}`;
}

/** A callback that draws progress on `stream` (default stderr). */
export function terminalProgress(label: string, options: { bytes?: boolean; stream?: NodeJS.WriteStream } = {}): ProgressCallback {
  const stream = options.stream ?? process.stderr;
  const start = Date.now();
  let lastDecile = -1;
  let lastDraw = 0;
  return (progress) => {
    const line = progressLine(label, progress, options.bytes ?? false, (Date.now() - start) / 1000);
    const finished = progress.total !== undefined && progress.done >= progress.total;
    if (stream.isTTY) {
      if (!finished && Date.now() - lastDraw < 100) return;
      lastDraw = Date.now();
      stream.write(`\r${line}\x1b[K${finished ? "\n" : ""}`);
      return;
    }
    const decile = progress.total ? Math.floor((10 * progress.done) / progress.total) : -1;
    if (decile > lastDecile || finished) {
      lastDecile = decile;
      stream.write(`${line}\n`);
    }
  };
}
