/**
 * Content hashes for cached files (model-cache entries, teacher outputs):
 * sha256 of each file's bytes, and a check that every float32 value is
 * finite. A cache writes its hash last, so an entry whose hash is missing,
 * or does not match, was half-written or changed since: it is never loaded.
 */
import { createHash } from "node:crypto";
import * as fs from "node:fs";
import * as path from "node:path";

export function sha256(bytes: Uint8Array): string {
  return createHash("sha256").update(bytes).digest("hex");
}

/** The index of the first value that is NaN or ±Infinity, or -1. */
export function firstNonFinite(values: Float32Array): number {
  for (let i = 0; i < values.length; i++) if (!Number.isFinite(values[i])) return i;
  return -1;
}

/** A copy of `bytes` as float32 values (a copy: Buffer offsets need not be 4-aligned). */
export function float32View(bytes: Uint8Array): Float32Array {
  const copy = new Uint8Array(bytes.byteLength - (bytes.byteLength % 4));
  copy.set(bytes.subarray(0, copy.byteLength));
  return new Float32Array(copy.buffer);
}

/** The hash file of a folder entry, in sha256sum's format (`sha256sum -c` checks it by hand). */
export const HASH_FILE = "content.sha256";

/** Writes `dir`/content.sha256 over `files` (names in dir); call it after every file is written. */
export function writeContentHashes(dir: string, files: readonly string[]): void {
  const lines = files.map((name) => `${sha256(fs.readFileSync(path.join(dir, name)))}  ${name}\n`);
  fs.writeFileSync(path.join(dir, HASH_FILE), lines.join(""));
}

/**
 * What is wrong with a folder entry's content, or undefined when each of
 * `required` is listed in content.sha256 and every listed file matches.
 */
export function contentProblem(dir: string, required: readonly string[]): string | undefined {
  const hashFile = path.join(dir, HASH_FILE);
  if (!fs.existsSync(hashFile)) return `no ${HASH_FILE} (written by an older kdlab, or the write was interrupted)`;
  const listed = new Map<string, string>();
  for (const line of fs.readFileSync(hashFile, "utf8").split("\n")) {
    if (line === "") continue;
    const match = /^([0-9a-f]{64}) {2}(.+)$/.exec(line);
    if (!match) return `${HASH_FILE} has a malformed line "${line.slice(0, 80)}"`;
    listed.set(match[2], match[1]);
  }
  const unlisted = required.find((name) => !listed.has(name));
  if (unlisted) return `${HASH_FILE} does not list ${unlisted}`;
  for (const [name, hash] of listed) {
    const file = path.join(dir, name);
    if (!fs.existsSync(file)) return `${name} is missing`;
    if (sha256(fs.readFileSync(file)) !== hash) return `${name} does not match its content hash (changed or truncated since it was written)`;
  }
  return undefined;
}
