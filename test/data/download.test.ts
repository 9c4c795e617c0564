import { after, before, describe, test } from "node:test";
import assert from "node:assert/strict";
import * as crypto from "node:crypto";
import * as fs from "node:fs";
import * as http from "node:http";
import { AddressInfo } from "node:net";
import * as path from "node:path";
import * as tar from "tar";
import { UsageError } from "../../lib/commands/command";
import { dataCommand } from "../../lib/commands/data";
import { listCifar10 } from "../../lib/data/cifar10";
import { listChestXray } from "../../lib/data/chest-xray";
import { downloadChestXray, downloadCifar10 } from "../../lib/data/dataset-download";
import { downloadFile } from "../../lib/data/download";
import { Progress } from "../../lib/data/progress";
import { synthChestXray } from "../../lib/data/synth-chest-xray";
import { synthCifar10 } from "../../lib/data/synth-cifar10";
import { tempDir } from "./helpers";

interface ZipWriter {
  addLocalFolder(folder: string, zipPath?: string): void;
  writeZip(file: string): void;
}

/** Serves files on 127.0.0.1 with Range support; can drop the connection half-way through the next full response. */
class ArchiveServer {
  readonly files = new Map<string, Buffer>();
  readonly ranges: (string | undefined)[] = [];
  dropNext = false;
  private server = http.createServer((req, res) => this.handle(req, res));

  async start(): Promise<string> {
    await new Promise<void>((resolve) => this.server.listen(0, "127.0.0.1", resolve));
    return `http://127.0.0.1:${(this.server.address() as AddressInfo).port}`;
  }

  stop(): Promise<void> {
    this.server.closeAllConnections();
    return new Promise((resolve) => this.server.close(() => resolve()));
  }

  private handle(req: http.IncomingMessage, res: http.ServerResponse): void {
    const body = this.files.get(req.url ?? "");
    if (!body) {
      res.writeHead(404).end();
      return;
    }
    const range = req.headers.range;
    this.ranges.push(range);
    const start = range ? Number(/bytes=(\d+)-/.exec(range)?.[1] ?? 0) : 0;
    const slice = body.subarray(start);
    res.writeHead(range ? 206 : 200, {
      "Content-Length": slice.length,
      ...(range ? { "Content-Range": `bytes ${start}-${body.length - 1}/${body.length}` } : {}),
    });
    if (this.dropNext) {
      this.dropNext = false;
      // Half the body, then a clean close (FIN) of the socket: the client has the half, then loses the connection.
      res.write(slice.subarray(0, Math.floor(slice.length / 2)), () => setTimeout(() => res.socket?.end(), 20));
      return;
    }
    res.end(slice);
  }
}

const md5 = (bytes: Buffer): string => crypto.createHash("md5").update(bytes).digest("hex");

describe("download", () => {
  const server = new ArchiveServer();
  let base: string;
  let cifarArchive: Buffer;
  before(async () => {
    base = await server.start();
    const source = tempDir("dl-src");
    synthCifar10(source, { seed: 3, recordsPerTrainBatch: 20, testRecords: 20 });
    const archiveFile = path.join(tempDir("dl-archive"), "cifar-10-binary.tar.gz");
    await tar.c({ gzip: true, cwd: source, file: archiveFile }, ["cifar-10-batches-bin"]);
    cifarArchive = fs.readFileSync(archiveFile);
    server.files.set("/cifar-10-binary.tar.gz", cifarArchive);
  });
  after(() => server.stop());

  test("reports progress and verifies the MD5", async () => {
    const dest = path.join(tempDir("dl-ok"), "a.tar.gz");
    const seen: Progress[] = [];
    const result = await downloadFile(`${base}/cifar-10-binary.tar.gz`, dest, { md5: md5(cifarArchive), onProgress: (p) => seen.push(p) });
    assert.equal(result.bytes, cifarArchive.length);
    assert.ok(fs.readFileSync(dest).equals(cifarArchive));
    assert.ok(seen.length >= 2);
    assert.deepEqual(seen.at(-1), { done: cifarArchive.length, total: cifarArchive.length });
    assert.ok(seen.every((p, i) => i === 0 || p.done >= seen[i - 1].done));
  });

  test("an MD5 mismatch is a clear error and leaves nothing behind", async () => {
    const dir = tempDir("dl-bad");
    const dest = path.join(dir, "a.tar.gz");
    await assert.rejects(downloadFile(`${base}/cifar-10-binary.tar.gz`, dest, { md5: "0".repeat(32) }), (e: Error) => /MD5 mismatch \(expected 0{32}, got [0-9a-f]{32}\)/.test(e.message));
    assert.deepEqual(fs.readdirSync(dir), []);
  });

  test("a dropped connection resumes with an HTTP Range request", async () => {
    const dest = path.join(tempDir("dl-resume"), "a.tar.gz");
    server.ranges.length = 0;
    server.dropNext = true;
    const result = await downloadFile(`${base}/cifar-10-binary.tar.gz`, dest, { md5: md5(cifarArchive) });
    assert.equal(result.resumes, 1);
    assert.equal(server.ranges[0], undefined);
    assert.match(server.ranges[1] ?? "", /^bytes=\d+-$/);
    assert.ok(Number(/\d+/.exec(server.ranges[1] ?? "")?.[0]) > 0);
    assert.ok(fs.readFileSync(dest).equals(cifarArchive));
  });

  test("without retries the partial file is kept and the next call resumes it", async () => {
    const dest = path.join(tempDir("dl-later"), "a.tar.gz");
    server.ranges.length = 0;
    server.dropNext = true;
    await assert.rejects(downloadFile(`${base}/cifar-10-binary.tar.gz`, dest, { retries: 0 }), /run again to resume/);
    const partial = fs.statSync(`${dest}.part`).size;
    assert.ok(partial > 0 && partial < cifarArchive.length);
    assert.ok(!fs.existsSync(dest));
    await downloadFile(`${base}/cifar-10-binary.tar.gz`, dest, { md5: md5(cifarArchive) });
    assert.equal(server.ranges[1], `bytes=${partial}-`);
    assert.ok(fs.readFileSync(dest).equals(cifarArchive));
  });

  test("CIFAR-10: download, verify, extract to cifar-10-batches-bin; a bad sum leaves no dataset", async () => {
    const dir = tempDir("dl-cifar");
    const batchDir = await downloadCifar10({ dir, url: `${base}/cifar-10-binary.tar.gz`, md5: md5(cifarArchive) });
    assert.equal(batchDir, path.join(dir, "cifar-10-batches-bin"));
    assert.equal(listCifar10(batchDir, "train").samples.length, 100);

    const other = tempDir("dl-cifar-bad");
    // The default sum is the official archive's, which this generated one is not.
    await assert.rejects(downloadCifar10({ dir: other, url: `${base}/cifar-10-binary.tar.gz` }), /MD5 mismatch \(expected c32a1d4ab5d03f1284b67883e8d87530/);
    assert.ok(!fs.existsSync(path.join(other, "cifar-10-batches-bin")));
    assert.deepEqual(fs.readdirSync(path.join(other, "downloads")), []);
  });

  test("kdlab data download cifar10 --url --md5 --dir", async () => {
    const dir = tempDir("dl-cli");
    const code = await dataCommand.run(["download", "cifar10", "--url", `${base}/cifar-10-binary.tar.gz`, "--md5", md5(cifarArchive), "--dir", dir]);
    assert.equal(code, 0);
    assert.equal(listCifar10(path.join(dir, "cifar-10-batches-bin"), "test").samples.length, 20);
    await assert.rejects(dataCommand.run(["download", "cifar10", "--url", "http://x", "--archive", "y"]), UsageError);
  });

  test("chest X-ray from a .zip, a .tar.gz URL, or an extracted folder", async () => {
    const source = tempDir("dl-chest-src");
    await synthChestXray(path.join(source, "chest_xray"), { seed: 2, size: 24, counts: { train: [2, 3], test: [1, 2] } });
    // Kaggle's zip nests the dataset one level down (chest_xray/chest_xray/...).
    const zipFile = path.join(tempDir("dl-zip"), "chest-xray-pneumonia.zip");
    // eslint-disable-next-line @typescript-eslint/no-require-imports
    const AdmZip = require("adm-zip") as new () => ZipWriter;
    const zip = new AdmZip();
    zip.addLocalFolder(path.join(source, "chest_xray"), "chest_xray/chest_xray");
    zip.writeZip(zipFile);
    const fromZip = await downloadChestXray({ dir: tempDir("dl-chest-zip"), archive: zipFile });
    assert.equal(path.basename(fromZip), "chest_xray");
    assert.equal(listChestXray(fromZip).splits.train.length, 5);

    const tgz = path.join(tempDir("dl-tgz"), "ChestXRay2017.tar.gz");
    await tar.c({ gzip: true, cwd: source, file: tgz }, ["chest_xray"]);
    server.files.set("/ChestXRay2017.tar.gz", fs.readFileSync(tgz));
    const fromUrl = await downloadChestXray({ dir: tempDir("dl-chest-url"), url: `${base}/ChestXRay2017.tar.gz`, md5: md5(fs.readFileSync(tgz)) });
    assert.equal(listChestXray(fromUrl).splits.test.length, 3);

    assert.equal(await downloadChestXray({ archive: source }), path.join(source, "chest_xray"));
  });
});
