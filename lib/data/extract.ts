/**
 * Archive extraction into a fresh folder: .tar.gz / .tgz / .tar with npm
 * `tar`, .zip with adm-zip (a direct dependency; also one of
 * @tensorflow/tfjs-node). Callers extract beside the final location and
 * rename, so a failed extraction leaves no half dataset behind.
 */
import * as fs from "node:fs";
import * as tar from "tar";

interface ZipArchive {
  extractAllTo(target: string, overwrite: boolean): void;
}
type ZipConstructor = new (file: string) => ZipArchive;

export function archiveKind(file: string): "tar" | "zip" | undefined {
  const name = file.toLowerCase();
  if (name.endsWith(".tar.gz") || name.endsWith(".tgz") || name.endsWith(".tar")) return "tar";
  if (name.endsWith(".zip")) return "zip";
  return undefined;
}

export async function extractArchive(archive: string, targetDir: string): Promise<void> {
  const kind = archiveKind(archive);
  if (!kind) throw new Error(`${archive}: unknown archive type (expected .tar.gz, .tgz, .tar or .zip)`);
  fs.mkdirSync(targetDir, { recursive: true });
  try {
    if (kind === "tar") {
      await tar.x({ file: archive, cwd: targetDir, strict: true });
    } else {
      // eslint-disable-next-line @typescript-eslint/no-require-imports
      const AdmZip = require("adm-zip") as ZipConstructor;
      new AdmZip(archive).extractAllTo(targetDir, true);
    }
  } catch (error) {
    throw new Error(`${archive}: extraction failed: ${(error as Error).message}`);
  }
}
