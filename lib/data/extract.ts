/**
 * Archive extraction into a fresh folder: .tar.gz / .tgz / .tar with npm
 * `tar`, .zip with yauzl, one entry at a time streamed to disk (a multi-GB
 * archive is never held in memory). A zip entry whose path would land outside
 * the target folder (zip-slip: "../x", "/etc/x") stops the extraction with an
 * error naming the archive and the entry. Callers extract beside the final
 * location and rename, so a failed extraction leaves no half dataset behind.
 */
import * as fs from "node:fs";
import * as path from "node:path";
import { pipeline } from "node:stream/promises";
import * as tar from "tar";
import * as yauzl from "yauzl";

export function archiveKind(file: string): "tar" | "zip" | undefined {
  const name = file.toLowerCase();
  if (name.endsWith(".tar.gz") || name.endsWith(".tgz") || name.endsWith(".tar")) return "tar";
  if (name.endsWith(".zip")) return "zip";
  return undefined;
}

/** Thrown for an entry that would escape the target; passed through without the generic "extraction failed" wording. */
class UnsafeEntryError extends Error {}

function escapes(root: string, dest: string): boolean {
  const inside = path.relative(root, dest);
  return inside === ".." || inside.startsWith(`..${path.sep}`) || path.isAbsolute(inside);
}

async function extractZip(archive: string, targetDir: string): Promise<void> {
  const root = path.resolve(targetDir);
  // decodeStrings: false so that our own check (and its message) sees every name rather than yauzl's terser one;
  // autoClose: false so that entries stay readable after the listing pass.
  const zip = await yauzl.openPromise(archive, { decodeStrings: false, autoClose: false });
  try {
    // Pass 1 reads only the central directory: every name is checked before anything is written.
    const entries: { entry: yauzl.Entry; name: string; dest: string }[] = [];
    for await (const entry of zip.eachEntry()) {
      const name = yauzl.getFileNameLowLevel(entry.generalPurposeBitFlag, entry.fileNameRaw, entry.extraFields, false);
      const dest = path.resolve(root, name);
      if (escapes(root, dest)) throw new UnsafeEntryError(`${archive}: entry "${name}" would be written outside the target folder (zip-slip); nothing extracted`);
      entries.push({ entry, name, dest });
    }
    for (const { entry, name, dest } of entries) {
      if (name.endsWith("/")) {
        fs.mkdirSync(dest, { recursive: true });
        continue;
      }
      fs.mkdirSync(path.dirname(dest), { recursive: true });
      // Symlink entries become plain files holding the link text: nothing extracted can point outside.
      await pipeline(await zip.openReadStreamPromise(entry), fs.createWriteStream(dest));
    }
  } finally {
    zip.close();
  }
}

export async function extractArchive(archive: string, targetDir: string): Promise<void> {
  const kind = archiveKind(archive);
  if (!kind) throw new Error(`${archive}: unknown archive type (expected .tar.gz, .tgz, .tar or .zip)`);
  fs.mkdirSync(targetDir, { recursive: true });
  try {
    if (kind === "tar") await tar.x({ file: archive, cwd: targetDir, strict: true });
    else await extractZip(archive, targetDir);
  } catch (error) {
    if (error instanceof UnsafeEntryError) throw error;
    throw new Error(`${archive}: extraction failed: ${(error as Error).message}`);
  }
}
