/**
 * Checks files against an MD5SUMS list (the `md5sum` tool's format: "<32 hex>
 * <space><space or *><name>" per line, names relative to a base folder).
 * Used for the shipped data, so a corrupted or edited copy stops a run with
 * the file's name instead of giving quietly different numbers.
 */
import * as fs from "node:fs";
import * as path from "node:path";
import { md5OfFile } from "./download";

export interface Md5Entry {
  md5: string;
  name: string;
}

/** The entries of an MD5SUMS file; a malformed line is an error naming the file and the line. */
export function readMd5Sums(listFile: string): Md5Entry[] {
  if (!fs.existsSync(listFile)) throw new Error(`${listFile}: the MD5 list is missing`);
  const entries: Md5Entry[] = [];
  fs.readFileSync(listFile, "utf8").split(/\r?\n/).forEach((line, index) => {
    if (line.trim() === "") return;
    const match = /^([0-9a-fA-F]{32}) [ *](.+)$/.exec(line);
    if (!match) throw new Error(`${listFile}: line ${index + 1} is not "<md5>  <file>": ${JSON.stringify(line)}`);
    entries.push({ md5: match[1].toLowerCase(), name: match[2] });
  });
  if (entries.length === 0) throw new Error(`${listFile}: lists no files`);
  return entries;
}

// A file already checked in this process, unchanged since (size and mtime), is not hashed again.
const verified = new Map<string, string>();

function stamp(file: string): string {
  const stat = fs.statSync(file);
  return `${stat.size}:${stat.mtimeMs}`;
}

/** Verifies every listed file under `baseDir`; throws naming the first missing or mismatching file. */
export async function verifyMd5Sums(listFile: string, baseDir: string): Promise<void> {
  for (const { md5, name } of readMd5Sums(listFile)) {
    const file = path.join(baseDir, name);
    if (!fs.existsSync(file)) throw new Error(`${file}: missing (listed in ${listFile})`);
    const key = `${path.resolve(file)}#${md5}`;
    if (verified.get(key) === stamp(file)) continue;
    const actual = await md5OfFile(file);
    if (actual !== md5) throw new Error(`${file}: MD5 ${actual} does not match ${md5} in ${listFile} (the file is corrupted or changed)`);
    verified.set(key, stamp(file));
  }
}
