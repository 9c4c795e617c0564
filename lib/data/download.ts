/**
 * Resumable HTTP(S) download with an MD5 check. Bytes go to `<dest>.part`;
 * an interrupted transfer continues from there with an HTTP Range request
 * (automatically up to `retries` times, or on the next call). Only a complete
 * file whose MD5 matches is renamed to `dest`; on a mismatch the partial file
 * is deleted and the error names both sums.
 */
import * as crypto from "node:crypto";
import * as fs from "node:fs";
import * as http from "node:http";
import * as https from "node:https";
import * as path from "node:path";
import { pipeline } from "node:stream/promises";
import { ProgressCallback } from "./progress";

export interface DownloadOptions {
  md5?: string;
  onProgress?: ProgressCallback;
  /** Automatic resumes after a dropped connection (default 3). */
  retries?: number;
  /** Milliseconds without data before a connection counts as dropped (default 60,000). */
  idleTimeoutMs?: number;
}

export interface DownloadResult {
  file: string;
  bytes: number;
  md5: string;
  /** How many times the transfer continued from a partial file. */
  resumes: number;
}

const MAX_REDIRECTS = 5;

function request(url: string, headers: Record<string, string>, timeoutMs: number, redirects = 0): Promise<http.IncomingMessage> {
  return new Promise((resolve, reject) => {
    const client = url.startsWith("https:") ? https : http;
    const req = client.get(url, { headers }, (res) => {
      const status = res.statusCode ?? 0;
      if (status >= 300 && status < 400 && res.headers.location) {
        res.resume();
        if (redirects >= MAX_REDIRECTS) return reject(new Error(`${url}: more than ${MAX_REDIRECTS} redirects`));
        request(new URL(res.headers.location, url).toString(), headers, timeoutMs, redirects + 1).then(resolve, reject);
        return;
      }
      resolve(res);
    });
    req.setTimeout(timeoutMs, () => req.destroy(new Error(`no data for ${timeoutMs} ms`)));
    req.on("error", reject);
  });
}

export async function md5OfFile(file: string): Promise<string> {
  const hash = crypto.createHash("md5");
  await pipeline(fs.createReadStream(file), hash);
  return hash.digest("hex");
}

function sizeOf(file: string): number {
  return fs.existsSync(file) ? fs.statSync(file).size : 0;
}

/** One attempt: appends to the .part file from where it ends. Returns when the server has sent everything. */
async function attempt(url: string, part: string, options: DownloadOptions): Promise<void> {
  const have = sizeOf(part);
  const res = await request(url, have > 0 ? { Range: `bytes=${have}-` } : {}, options.idleTimeoutMs ?? 60_000);
  const status = res.statusCode ?? 0;
  if (status === 416 && have > 0) {
    // The .part already holds the whole file.
    res.resume();
    return;
  }
  if (status !== 200 && status !== 206) {
    res.resume();
    throw Object.assign(new Error(`${url}: HTTP ${status} ${res.statusMessage ?? ""}`.trim()), { fatal: true });
  }
  const append = status === 206;
  const start = append ? have : 0;
  const length = Number(res.headers["content-length"]);
  const total = Number.isFinite(length) ? start + length : undefined;
  let done = start;
  options.onProgress?.({ done, total });
  // Written by hand rather than with stream.pipeline: on a dropped connection
  // pipeline would destroy the file stream and discard chunks already
  // received; here everything received reaches the .part file before we decide.
  await new Promise<void>((resolve, reject) => {
    const file = fs.createWriteStream(part, { flags: append ? "a" : "w" });
    file.on("error", reject);
    res.on("data", (chunk: Buffer) => {
      done += chunk.length;
      options.onProgress?.({ done, total });
      if (!file.write(chunk)) {
        res.pause();
        file.once("drain", () => res.resume());
      }
    });
    // A reset connection surfaces as res.complete === false below.
    res.on("error", () => undefined);
    res.on("close", () => file.end(() => resolve()));
  });
  if (!res.complete || (total !== undefined && done < total)) throw new Error(`connection closed at ${done} of ${total ?? "unknown"} bytes`);
}

export async function downloadFile(url: string, dest: string, options: DownloadOptions = {}): Promise<DownloadResult> {
  fs.mkdirSync(path.dirname(dest), { recursive: true });
  const part = `${dest}.part`;
  const retries = options.retries ?? 3;
  let resumes = 0;
  for (let tryIndex = 0; ; tryIndex++) {
    if (sizeOf(part) > 0) resumes++;
    try {
      await attempt(url, part, options);
      break;
    } catch (error) {
      const fatal = (error as { fatal?: boolean }).fatal === true;
      if (fatal || tryIndex >= retries) {
        const kept = sizeOf(part);
        const hint = !fatal && kept > 0 ? `; ${kept} bytes kept in ${part}, run again to resume` : "";
        throw new Error(`download of ${url} failed: ${(error as Error).message}${hint}`);
      }
    }
  }
  const md5 = await md5OfFile(part);
  if (options.md5 && md5.toLowerCase() !== options.md5.toLowerCase()) {
    fs.rmSync(part, { force: true });
    throw new Error(`download of ${url}: MD5 mismatch (expected ${options.md5.toLowerCase()}, got ${md5}); the downloaded file was deleted`);
  }
  fs.renameSync(part, dest);
  return { file: dest, bytes: sizeOf(dest), md5, resumes };
}
