/**
 * On-disk cache of decoded, resized uint8 images, so epochs after the first
 * skip JPEG/DICOM decoding. The key covers the file's path, size and mtime
 * and the decode options, so a changed file or size is decoded afresh.
 */
import * as crypto from "node:crypto";
import * as fs from "node:fs";
import * as path from "node:path";
import { DecodedImage } from "./decode";
import { Sample } from "./sample";

export class DecodedImageCache {
  constructor(readonly dir: string) {
    fs.mkdirSync(dir, { recursive: true });
  }

  private entryPath(sample: Sample, size: number, fit: string): string {
    const stat = fs.statSync(sample.file);
    const key = JSON.stringify([path.resolve(sample.file), sample.array ?? "", sample.record ?? -1, stat.size, stat.mtimeMs, size, fit]);
    const hash = crypto.createHash("sha1").update(key).digest("hex");
    return path.join(this.dir, hash.slice(0, 2), `${hash}.u8`);
  }

  async get(sample: Sample, size: number, fit: string, channels: 1 | 3): Promise<DecodedImage | undefined> {
    const file = this.entryPath(sample, size, fit);
    try {
      const bytes = await fs.promises.readFile(file);
      // A short entry (e.g. a crash mid-write before rename existed) is treated as a miss.
      if (bytes.length !== size * size * channels) return undefined;
      return { pixels: new Uint8Array(bytes.buffer, bytes.byteOffset, bytes.length), channels };
    } catch {
      return undefined;
    }
  }

  async put(sample: Sample, size: number, fit: string, image: DecodedImage): Promise<void> {
    const file = this.entryPath(sample, size, fit);
    await fs.promises.mkdir(path.dirname(file), { recursive: true });
    const temp = `${file}.${process.pid}.${crypto.randomBytes(4).toString("hex")}.tmp`;
    await fs.promises.writeFile(temp, image.pixels);
    await fs.promises.rename(temp, file);
  }
}
