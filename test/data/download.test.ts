import { after, before, describe, test } from "node:test";
import assert from "node:assert/strict";
import * as crypto from "node:crypto";
import * as fs from "node:fs";
import * as http from "node:http";
import { AddressInfo } from "node:net";
import * as path from "node:path";
import { Duplex } from "node:stream";
import * as tar from "tar";
import { UsageError } from "../../lib/commands/command";
import { dataCommand } from "../../lib/commands/data";
import { listCifar10 } from "../../lib/data/cifar10";
import { listChestXray } from "../../lib/data/chest-xray";
import { downloadChestXray, downloadCifar10 } from "../../lib/data/dataset-download";
import { downloadFile } from "../../lib/data/download";
import { extractArchive } from "../../lib/data/extract";
import { Progress } from "../../lib/data/progress";
import { synthChestXray } from "../../lib/data/synth-chest-xray";
import { synthCifar10 } from "../../lib/data/synth-cifar10";
import { tempDir } from "./helpers";

interface ZipWriter {
  addLocalFolder(folder: string, zipPath?: string): void;
  addFile(entryName: string, content: Buffer): void;
  getEntries(): { entryName: string }[];
  writeZip(file: string): void;
}
// eslint-disable-next-line @typescript-eslint/no-require-imports
const AdmZip = require("adm-zip") as new () => ZipWriter;

/** A forward proxy for plain HTTP: takes absolute-URI requests ("GET http://host/path"), records them, relays them. */
class ForwardProxy {
  readonly seen: string[] = [];
  private server = http.createServer((req, res) => {
    this.seen.push(req.url ?? "");
    const upstream = http.request(req.url ?? "", { method: req.method, headers: req.headers }, (up) => {
      res.writeHead(up.statusCode ?? 502, up.headers);
      up.pipe(res);
      // Like a real proxy, pass a cut upstream connection on as a cut one.
      up.on("close", () => up.complete || res.destroy());
    });
    upstream.on("error", () => res.writeHead(502).end());
    req.pipe(upstream);
  });

  async start(): Promise<string> {
    // A tunnel request is recorded and refused at once: plain HTTP must not be tunnelled.
    this.server.on("connect", (req: http.IncomingMessage, socket: Duplex) => {
      this.seen.push(`CONNECT ${req.url ?? ""}`);
      socket.end("HTTP/1.1 405 Method Not Allowed\r\n\r\n");
    });
    await new Promise<void>((resolve) => this.server.listen(0, "127.0.0.1", resolve));
    return `http://127.0.0.1:${(this.server.address() as AddressInfo).port}`;
  }

  stop(): Promise<void> {
    this.server.closeAllConnections();
    return new Promise((resolve) => this.server.close(() => resolve()));
  }
}

const PROXY_VARS = ["http_proxy", "HTTP_PROXY", "https_proxy", "HTTPS_PROXY", "no_proxy", "NO_PROXY"];

/** Runs `body` with exactly the proxy variables in `vars` set (the machine's own are put back afterwards). */
async function withProxyEnv<T>(vars: Record<string, string>, body: () => Promise<T>): Promise<T> {
  const saved = PROXY_VARS.map((name) => [name, process.env[name]] as const);
  for (const name of PROXY_VARS) delete process.env[name];
  Object.assign(process.env, vars);
  try {
    return await body();
  } finally {
    for (const [name, value] of saved) {
      if (value === undefined) delete process.env[name];
      else process.env[name] = value;
    }
  }
}

/** Serves files on 127.0.0.1 with Range support; can drop the connection half-way through the next full response. */
class ArchiveServer {
  readonly files = new Map<string, Buffer>();
  readonly ranges: (string | undefined)[] = [];
  /** Every request's path, including those for missing files. */
  readonly requested: string[] = [];
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
    this.requested.push(req.url ?? "");
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

  test("a corrupted cached archive is deleted, said so (stderr by default), and downloaded again", async () => {
    const dir = tempDir("dl-cache");
    const url = `${base}/cifar-10-binary.tar.gz`;
    const cached = path.join(dir, "downloads", "cifar-10-binary.tar.gz");
    await downloadCifar10({ dir, url, md5: md5(cifarArchive) });
    assert.ok(fs.readFileSync(cached).equals(cifarArchive));

    // An intact cached archive is reused without a request.
    fs.rmSync(path.join(dir, "cifar-10-batches-bin"), { recursive: true });
    server.requested.length = 0;
    const said: string[] = [];
    await downloadCifar10({ dir, url, md5: md5(cifarArchive), log: (line) => said.push(line) });
    assert.deepEqual(server.requested, []);
    assert.equal(said.length, 0);

    // A truncated one (what made every later run fail with TAR_BAD_ARCHIVE) is replaced.
    fs.rmSync(path.join(dir, "cifar-10-batches-bin"), { recursive: true });
    fs.writeFileSync(cached, cifarArchive.subarray(0, 1000));
    const bad = md5(cifarArchive.subarray(0, 1000));
    const batchDir = await downloadCifar10({ dir, url, md5: md5(cifarArchive), log: (line) => said.push(line) });
    assert.deepEqual(said, [`${cached}: MD5 ${bad}, expected ${md5(cifarArchive)}: deleted, downloading again`]);
    assert.deepEqual(server.requested, ["/cifar-10-binary.tar.gz"]);
    assert.ok(fs.readFileSync(cached).equals(cifarArchive));
    assert.equal(listCifar10(batchDir, "train").samples.length, 100);

    // The command passes no log: the line goes to stderr.
    fs.rmSync(batchDir, { recursive: true });
    fs.writeFileSync(cached, "garbage");
    const stderr: string[] = [];
    const write = process.stderr.write;
    process.stderr.write = ((chunk: string | Uint8Array) => (stderr.push(String(chunk)), true)) as typeof process.stderr.write;
    try {
      assert.equal(await dataCommand.run(["download", "cifar10", "--url", url, "--md5", md5(cifarArchive), "--dir", dir]), 0);
    } finally {
      process.stderr.write = write;
    }
    assert.ok(stderr.some((line) => line.startsWith(`${cached}: MD5 ${md5(Buffer.from("garbage"))}, expected ${md5(cifarArchive)}: deleted`)), stderr.join(""));
    assert.ok(fs.readFileSync(cached).equals(cifarArchive));
  });

  test("HTTP_PROXY is honoured; NO_PROXY (default: loopback) goes direct", async () => {
    const proxy = new ForwardProxy();
    const proxyUrl = await proxy.start();
    const url = `${base}/cifar-10-binary.tar.gz`;
    try {
      // NO_PROXY names another host, so 127.0.0.1 itself must go through the proxy.
      const viaProxy = path.join(tempDir("dl-proxy"), "a.tar.gz");
      server.requested.length = 0;
      await withProxyEnv({ HTTP_PROXY: proxyUrl, NO_PROXY: "example.invalid" }, () => downloadFile(url, viaProxy, { md5: md5(cifarArchive) }));
      assert.deepEqual(proxy.seen, [url]);
      assert.deepEqual(server.requested, ["/cifar-10-binary.tar.gz"]);
      assert.ok(fs.readFileSync(viaProxy).equals(cifarArchive));

      // A resumed transfer goes through the proxy too (Range forwarded).
      proxy.seen.length = 0;
      server.ranges.length = 0;
      server.dropNext = true;
      const resumed = await withProxyEnv({ http_proxy: proxyUrl, no_proxy: "" }, () => downloadFile(url, path.join(tempDir("dl-proxy-resume"), "a.tar.gz"), { md5: md5(cifarArchive) }));
      assert.equal(resumed.resumes, 1);
      assert.deepEqual(proxy.seen, [url, url]);
      assert.match(server.ranges[1] ?? "", /^bytes=\d+-$/);

      // No NO_PROXY at all: loopback is direct by default; NO_PROXY=127.0.0.1 likewise.
      proxy.seen.length = 0;
      await withProxyEnv({ HTTP_PROXY: proxyUrl }, () => downloadFile(url, path.join(tempDir("dl-noproxy"), "a.tar.gz"), { md5: md5(cifarArchive) }));
      await withProxyEnv({ HTTP_PROXY: proxyUrl, NO_PROXY: "127.0.0.1" }, () => downloadFile(url, path.join(tempDir("dl-noproxy2"), "a.tar.gz"), { md5: md5(cifarArchive) }));
      assert.deepEqual(proxy.seen, []);
    } finally {
      await proxy.stop();
    }
  });

  test("a zip is extracted entry by entry (nested folders, empty files); a zip-slip entry is refused, naming archive and entry", async () => {
    const source = tempDir("dl-zip-src");
    fs.mkdirSync(path.join(source, "a", "b"), { recursive: true });
    const big = crypto.randomBytes(300_000);
    fs.writeFileSync(path.join(source, "a", "b", "big.bin"), big);
    fs.writeFileSync(path.join(source, "a", "empty.txt"), "");
    fs.writeFileSync(path.join(source, "top.txt"), "top");
    const zipFile = path.join(tempDir("dl-zip-ok"), "x.zip");
    const zip = new AdmZip();
    zip.addLocalFolder(source, "root");
    zip.writeZip(zipFile);
    const target = path.join(tempDir("dl-zip-out"), "out");
    await extractArchive(zipFile, target);
    assert.ok(fs.readFileSync(path.join(target, "root", "a", "b", "big.bin")).equals(big));
    assert.equal(fs.readFileSync(path.join(target, "root", "a", "empty.txt"), "utf8"), "");
    assert.equal(fs.readFileSync(path.join(target, "root", "top.txt"), "utf8"), "top");

    // adm-zip's writer normalises "../" away, so the hostile name is patched into the bytes (same length).
    const evil = new AdmZip();
    evil.addFile("ok.txt", Buffer.from("fine"));
    evil.addFile("zz/evil.txt", Buffer.from("owned"));
    const evilFile = path.join(tempDir("dl-zip-evil"), "evil.zip");
    evil.writeZip(evilFile);
    const bytes = fs.readFileSync(evilFile);
    let at = bytes.indexOf("zz/evil.txt");
    while (at >= 0) {
      bytes.write("../evil.txt", at, "latin1");
      at = bytes.indexOf("zz/evil.txt", at + 1);
    }
    fs.writeFileSync(evilFile, bytes);
    const outer = tempDir("dl-zip-slip");
    const slipTarget = path.join(outer, "inside");
    await assert.rejects(extractArchive(evilFile, slipTarget), (e: Error) => {
      assert.equal(e.message, `${evilFile}: entry "../evil.txt" would be written outside the target folder (zip-slip); nothing extracted`);
      return true;
    });
    assert.ok(!fs.existsSync(path.join(outer, "evil.txt")));
    assert.deepEqual(fs.readdirSync(slipTarget), []);
  });
});
