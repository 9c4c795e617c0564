/**
 * Temporary siblings named `<target>.writing-<pid>`: a folder or file is
 * written there, then renamed onto `<target>`, so a reader never sees half
 * of it (model-cache entries, a run's <role>/final, `kdlab export`). A write
 * that fails (a full disk, EFBIG) removes its own; one left by a process
 * that was killed is removed by the next start of the same command, once
 * its pid is no longer alive on this machine. Of two processes renaming
 * onto one target side by side, the first keeps it (renameFolderIntoPlace).
 */
import * as fs from "node:fs";
import * as path from "node:path";
import { pidAlive } from "./process-tree";

/** Where `target` is written before it is renamed into place. */
export function stagingPath(target: string, pid = process.pid): string {
  return `${target}.writing-${pid}`;
}

/** Runs `write` (which fills stagingPath(target)); if it throws, the half-written staging is removed before the error goes on. */
export async function removingStagingOnFailure<T>(target: string, write: () => Promise<T>): Promise<T> {
  try {
    return await write();
  } catch (error) {
    fs.rmSync(stagingPath(target), { recursive: true, force: true });
    throw error;
  }
}

/**
 * Removes `<name>.writing-<pid>` entries of `folder` whose pid is not alive
 * (every name, or only `name` when given); returns the paths removed. Pids
 * are checked on this machine: a folder written from several hosts at once
 * (a shared disk) must not be cleaned this way.
 */
export function removeStaleStaging(folder: string, name?: string): string[] {
  let entries: string[];
  try {
    entries = fs.readdirSync(folder);
  } catch {
    return [];
  }
  const removed: string[] = [];
  for (const entry of entries) {
    const match = /^(.+)\.writing-(\d+)$/.exec(entry);
    if (!match || (name !== undefined && match[1] !== name)) continue;
    const pid = Number(match[2]);
    if (pid === process.pid || pidAlive(pid)) continue;
    const stale = path.join(folder, entry);
    fs.rmSync(stale, { recursive: true, force: true });
    removed.push(stale);
  }
  return removed;
}

/**
 * Renames a written folder onto `target`. Where another process renamed its
 * own folder onto `target` first (two notebooks or test files writing the
 * same thing side by side), theirs stays and ours is removed. Callers
 * remove an old `target` they mean to replace beforehand.
 */
export function renameFolderIntoPlace(staging: string, target: string): void {
  try {
    fs.renameSync(staging, target);
  } catch (error) {
    const code = (error as NodeJS.ErrnoException).code;
    if (code !== "ENOTEMPTY" && code !== "EEXIST") throw error;
    fs.rmSync(staging, { recursive: true, force: true });
  }
}
