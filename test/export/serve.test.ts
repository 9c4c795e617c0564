/**
 * `kdlab serve`'s guards (lib/export/serve.ts), on a folder made here: files
 * and in-folder symlinks are served; symlinks out of the folder (to /etc, to
 * /proc/self/mem) are refused; a read error is a 500 and the server answers
 * the next request; a Host header that is not loopback or the bound host is
 * refused (DNS rebinding); `../` stays refused.
 */
import assert from "node:assert/strict";
import * as fs from "node:fs";
import * as http from "node:http";
import * as os from "node:os";
import * as path from "node:path";
import { after, before, describe, test } from "node:test";
import { hostAllowed, serveStatic, StaticServer } from "../../lib/export/serve";

/** One GET (or `method`) to 127.0.0.1:port with the given Host header; resolves with status and body. */
function get(port: number, urlPath: string, options: { host?: string; method?: string } = {}): Promise<{ status: number; body: string }> {
  return new Promise((resolve, reject) => {
    const request = http.request({ host: "127.0.0.1", port, path: urlPath, method: options.method ?? "GET", headers: { host: options.host ?? `127.0.0.1:${port}` }, timeout: 10_000 }, (response) => {
      let body = "";
      response.setEncoding("utf8");
      response.on("data", (chunk: string) => (body += chunk));
      response.on("end", () => resolve({ status: response.statusCode ?? 0, body }));
      response.on("error", reject);
    });
    request.on("timeout", () => request.destroy(new Error(`GET ${urlPath} timed out`)));
    request.on("error", reject);
    request.end();
  });
}

describe("kdlab serve", () => {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), "kdlab-serve-"));
  const outside = fs.mkdtempSync(path.join(os.tmpdir(), "kdlab-serve-outside-"));
  let server: StaticServer;
  const statuses: number[] = [];

  before(async () => {
    fs.writeFileSync(path.join(dir, "index.html"), "<p>page</p>\n");
    fs.mkdirSync(path.join(dir, "sub"));
    fs.writeFileSync(path.join(dir, "sub", "model.json"), "{}\n");
    fs.writeFileSync(path.join(outside, "secret.txt"), "secret\n");
    fs.symlinkSync("/etc", path.join(dir, "etc-link"));
    fs.symlinkSync(path.join(outside, "secret.txt"), path.join(dir, "secret-link.txt"));
    fs.symlinkSync(outside, path.join(dir, "outside-dir"));
    fs.symlinkSync("/proc/self/mem", path.join(dir, "mem"));
    fs.symlinkSync(path.join("sub", "model.json"), path.join(dir, "inside-link.json"));
    server = await serveStatic(dir, { port: 0, onRequest: (_m, _u, status) => statuses.push(status) });
  });

  after(async () => {
    await server?.close();
    fs.rmSync(dir, { recursive: true, force: true });
    fs.rmSync(outside, { recursive: true, force: true });
  });

  test("files and symlinks that stay inside are served", async () => {
    assert.deepEqual(await get(server.port, "/"), { status: 200, body: "<p>page</p>\n" });
    assert.deepEqual(await get(server.port, "/sub/model.json"), { status: 200, body: "{}\n" });
    assert.deepEqual(await get(server.port, "/inside-link.json"), { status: 200, body: "{}\n" });
    assert.equal((await get(server.port, "/nothing.js")).status, 404);
    assert.equal((await get(server.port, "/sub")).status, 404);
  });

  test("symlinks out of the folder are refused, whatever they point to", async () => {
    for (const urlPath of ["/etc-link/hostname", "/etc-link/passwd", "/secret-link.txt", "/outside-dir/secret.txt", "/mem"]) {
      const { status, body } = await get(server.port, urlPath);
      assert.equal(status, 403, `${urlPath}: ${body}`);
      assert.doesNotMatch(body, /secret|root:/, urlPath);
    }
    // URL parsing folds an encoded ../ into the folder: not there.
    assert.equal((await get(server.port, "/%2e%2e/%2e%2e/etc/hostname")).status, 404);
    // The server is still up after the /proc/self/mem link.
    assert.equal((await get(server.port, "/")).status, 200);
  });

  test("a Host header that is not loopback or the bound host is refused (DNS rebinding)", async () => {
    for (const host of ["evil.example", `evil.example:${server.port}`, "127.0.0.1.evil.example", "10.0.0.1", "localhost.evil:80", "[::2]:80"]) {
      const { status, body } = await get(server.port, "/", { host });
      assert.equal(status, 421, host);
      assert.match(body, /is not this server/);
    }
    for (const host of ["127.0.0.1", `localhost:${server.port}`, "LOCALHOST", "[::1]:8080"]) assert.equal((await get(server.port, "/", { host })).status, 200, host);
    assert.equal(hostAllowed(undefined, "127.0.0.1"), false);
    assert.equal(hostAllowed("box.lan:8080", "box.lan"), true);
    assert.equal(hostAllowed("[::1]", "::1"), true);
  });

  test("a read error is a 500 and the server lives on", async () => {
    // /proc/self of the server (this process): its mem file opens, reading it at offset 0 fails with EIO.
    const procServer = await serveStatic("/proc/self", { port: 0 });
    try {
      const { status, body } = await get(procServer.port, "/mem");
      assert.equal(status, 500, body);
      assert.match(body, /read error: EIO/);
      const after = await get(procServer.port, "/status");
      assert.equal(after.status, 200);
      assert.match(after.body, new RegExp(`^Pid:\\s+${process.pid}$`, "m"));
    } finally {
      await procServer.close();
    }
    assert.equal((await get(server.port, "/")).status, 200);
  });
});
