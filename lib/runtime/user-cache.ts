/**
 * kdlab's per-user cache of machine facts (~/.cache/kdlab, or
 * $XDG_CACHE_HOME/kdlab): small JSON records that several processes may
 * read and write at once (the oneDNN probe's answer, the per-shape crash
 * verdicts). A write goes beside the file and is renamed over it, so a reader
 * never sees half a record; an unreadable or unwritable record only costs a
 * probe next time, so neither read nor write throws.
 */
import * as fs from "node:fs";
import * as os from "node:os";
import * as path from "node:path";

/** The path of `name` in the per-user kdlab cache folder (not created here). */
export function userCacheFile(name: string): string {
  const base = process.env.XDG_CACHE_HOME ?? path.join(os.homedir(), ".cache");
  return path.join(base, "kdlab", name);
}

/** The parsed record, or undefined where there is none or it does not parse. */
export function readCacheRecord<T>(file: string): T | undefined {
  try {
    return JSON.parse(fs.readFileSync(file, "utf8")) as T;
  } catch {
    return undefined;
  }
}

/** Writes the record beside `file` and renames it over; false where the cache is not writable. */
export function writeCacheRecord(file: string, record: unknown): boolean {
  try {
    fs.mkdirSync(path.dirname(file), { recursive: true });
    const staging = `${file}.${process.pid}`;
    fs.writeFileSync(staging, JSON.stringify(record, null, 2));
    fs.renameSync(staging, file);
    return true;
  } catch {
    return false;
  }
}
