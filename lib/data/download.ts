/**
 * Resumable HTTP(S) download with an MD5 check. Bytes go to `<dest>.part`;
 * an interrupted transfer continues from there with an HTTP Range request
 * (automatically up to `retries` times, or on the next call). Only a complete
 * file whose MD5 matches is renamed to `dest`; on a mismatch the partial file
 * is deleted and the error names both sums. Requests go through undici's
 * EnvHttpProxyAgent, so HTTP_PROXY / HTTPS_PROXY / NO_PROXY are honoured
 * (loopback hosts direct when NO_PROXY is unset). `reuseCached` decides
 * whether a file downloaded earlier may be used again.
 */
import * as crypto from "node:crypto";
import * as fs from "node:fs";
import * as path from "node:path";
import { pipeline } from "node:stream/promises";
import { Dispatcher, EnvHttpProxyAgent, request as undiciRequest } from "undici";
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
/** NO_PROXY when the environment sets none: a local mirror or test server is never sent to a proxy. */
export const DEFAULT_NO_PROXY = "localhost,127.0.0.1,::1";

/**
 * A dispatcher that follows HTTP(S)_PROXY / NO_PROXY as they are now (read at
 * construction). An http:// URL goes to an HTTP proxy as an absolute-URI GET,
 * as curl sends it (proxyTunnel: false; many proxies allow CONNECT only to
 * port 443); https:// is tunnelled with CONNECT.
 */
export function proxyAwareDispatcher(): EnvHttpProxyAgent {
  const noProxySet = process.env.no_proxy !== undefined || process.env.NO_PROXY !== undefined;
  return new EnvHttpProxyAgent({ proxyTunnel: false, ...(noProxySet ? {} : { noProxy: DEFAULT_NO_PROXY }) });
}

async function request(dispatcher: Dispatcher, url: string, headers: Record<string, string>, timeoutMs: number, redirects = 0): Promise<Dispatcher.ResponseData> {
  const res = await undiciRequest(url, { dispatcher, headers, headersTimeout: timeoutMs, bodyTimeout: timeoutMs });
  const location = [res.headers.location].flat()[0];
  if (res.statusCode >= 300 && res.statusCode < 400 && location) {
    await res.body.dump();
    if (redirects >= MAX_REDIRECTS) throw new Error(`${url}: more than ${MAX_REDIRECTS} redirects`);
    return request(dispatcher, new URL(location, url).toString(), headers, timeoutMs, redirects + 1);
  }
  return res;
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
async function attempt(dispatcher: Dispatcher, url: string, part: string, options: DownloadOptions): Promise<void> {
  const have = sizeOf(part);
  const res = await request(dispatcher, url, have > 0 ? { Range: `bytes=${have}-` } : {}, options.idleTimeoutMs ?? 60_000);
  const status = res.statusCode;
  if (status === 416 && have > 0) {
    // The .part already holds the whole file.
    await res.body.dump();
    return;
  }
  if (status !== 200 && status !== 206) {
    await res.body.dump();
    throw Object.assign(new Error(`${url}: HTTP ${status} ${res.statusText ?? ""}`.trim()), { fatal: true });
  }
  const append = status === 206;
  const start = append ? have : 0;
  const length = Number(res.headers["content-length"]);
  const total = Number.isFinite(length) ? start + length : undefined;
  let done = start;
  let dropped: Error | undefined;
  options.onProgress?.({ done, total });
  // Written by hand rather than with stream.pipeline: on a dropped connection
  // pipeline would destroy the file stream and discard chunks already
  // received; here everything received reaches the .part file before we decide.
  await new Promise<void>((resolve, reject) => {
    const file = fs.createWriteStream(part, { flags: append ? "a" : "w" });
    file.on("error", reject);
    res.body.on("data", (chunk: Buffer) => {
      done += chunk.length;
      options.onProgress?.({ done, total });
      if (!file.write(chunk)) {
        res.body.pause();
        file.once("drain", () => res.body.resume());
      }
    });
    // undici ends the body with an error when the socket closes early or goes idle.
    res.body.on("error", (error: Error) => (dropped = error));
    res.body.on("close", () => file.end(() => resolve()));
  });
  if (dropped || (total !== undefined && done < total)) {
    throw new Error(`connection closed at ${done} of ${total ?? "unknown"} bytes${dropped ? ` (${dropped.message})` : ""}`);
  }
}

export async function downloadFile(url: string, dest: string, options: DownloadOptions = {}): Promise<DownloadResult> {
  fs.mkdirSync(path.dirname(dest), { recursive: true });
  const part = `${dest}.part`;
  const retries = options.retries ?? 3;
  let resumes = 0;
  const dispatcher = proxyAwareDispatcher();
  try {
    for (let tryIndex = 0; ; tryIndex++) {
      if (sizeOf(part) > 0) resumes++;
      try {
        await attempt(dispatcher, url, part, options);
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
  } finally {
    await dispatcher.destroy();
  }
  const md5 = await md5OfFile(part);
  if (options.md5 && md5.toLowerCase() !== options.md5.toLowerCase()) {
    fs.rmSync(part, { force: true });
    throw new Error(`download of ${url}: MD5 mismatch (expected ${options.md5.toLowerCase()}, got ${md5}); the downloaded file was deleted`);
  }
  fs.renameSync(part, dest);
  return { file: dest, bytes: sizeOf(dest), md5, resumes };
}

/** Throws when `file`'s MD5 is not `expected` (nothing to check without one). */
export async function assertMd5(file: string, expected: string | undefined): Promise<void> {
  if (!expected) return;
  const actual = await md5OfFile(file);
  if (actual !== expected.toLowerCase()) throw new Error(`${file}: MD5 mismatch (expected ${expected.toLowerCase()}, got ${actual})`);
}

/**
 * Whether a file downloaded earlier can be used again: it exists and, when a
 * sum is expected, has that MD5. A file with another sum is deleted and `log`
 * told why, so the caller downloads it again instead of failing on it forever.
 */
export async function reuseCached(file: string, expected: string | undefined, log: (line: string) => void): Promise<boolean> {
  if (!fs.existsSync(file)) return false;
  if (!expected) return true;
  const actual = await md5OfFile(file);
  if (actual === expected.toLowerCase()) return true;
  fs.rmSync(file, { force: true });
  log(`${file}: MD5 ${actual}, expected ${expected.toLowerCase()}: deleted, downloading again`);
  return false;
}
