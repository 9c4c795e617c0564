/**
 * Where a run writes, checked and explained: the runs folder is made and
 * probed for writing before any work (so a read-only `--runs` fails at once,
 * naming the path, not as "ENOENT … mkdir" after the data is read), and a
 * write error met later (read-only, disk full) is reworded to name the path
 * and the fix. Node's own ENOSPC message names no path.
 */
import * as fs from "node:fs";
import * as path from "node:path";

function notWritable(where: string, reason: string): string {
  return `${where}: not writable (${reason}); choose a runs folder you can write (--runs), or fix its permissions`;
}

/**
 * `error` reworded to name `where` and the fix when it can only come from a
 * write (disk full, a read-only file system); otherwise undefined. (EACCES
 * and ENOENT come from reads too, so they are left as they are.)
 */
export function writeProblem(error: unknown, where: string): string | undefined {
  const code = (error as NodeJS.ErrnoException)?.code;
  const reason = (error as Error)?.message ?? String(error);
  if (code === "ENOSPC" || code === "EDQUOT") return `${where}: disk full (${reason}); free some space, or choose a runs folder on another disk (--runs)`;
  if (code === "EROFS") return notWritable(where, reason);
  return undefined;
}

/**
 * mkdir -p, one level at a time: Node 20's recursive mkdirSync never returns
 * where a parent refuses a child with ENOENT (under /proc it spins forever).
 */
function makeFolders(dir: string): void {
  if (fs.existsSync(dir)) return;
  const parent = path.dirname(dir);
  if (parent !== dir) makeFolders(parent);
  fs.mkdirSync(dir);
}

/** Makes `dir` (with its parents) and checks that kdlab can create folders in it; throws naming the path otherwise. */
export function ensureWritableFolder(dir: string): void {
  try {
    makeFolders(path.resolve(dir));
    // access() says yes to root on a read-only file system: making (and removing) a folder is the real test.
    fs.rmdirSync(fs.mkdtempSync(path.join(dir, ".kdlab-write-check-")));
  } catch (error) {
    // Whatever the code (EACCES, EROFS, ENOENT under /proc, ENOTDIR under a file), here it means the folder cannot be written.
    throw new Error(writeProblem(error, dir) ?? notWritable(dir, (error as Error).message));
  }
}
