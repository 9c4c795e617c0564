/**
 * `kdlab serve`: a folder served read-only over HTTP on 127.0.0.1, for a
 * quick look at an export (browsers refuse fetch() and WASM from file://).
 * GET and HEAD only; `/` is index.html; .wasm goes out as application/wasm
 * (WebAssembly.instantiateStreaming needs it). No caching headers: a
 * re-export shows on reload.
 *
 * Hand-written on node:http (no maintained static-server library, e.g.
 * `send`/`serve-static`, is installed, and adding one means reinstalling
 * node_modules), so the guards are here:
 * - confinement: every path is resolved with realpath, symlinks included,
 *   and the file actually opened is checked again through /proc/self/fd, so
 *   nothing outside the served folder is read (403);
 * - DNS rebinding: the Host header must name a loopback address
 *   (127.0.0.1, localhost, [::1]) or the bound host, any port (else 421);
 * - a read error (EIO from /proc, EACCES, …) answers 500, or cuts a response
 *   already started; the server itself never dies of one.
 */
import * as fs from "node:fs";
import * as http from "node:http";
import type { AddressInfo } from "node:net";
import * as path from "node:path";

const TYPES: Record<string, string> = {
  ".html": "text/html; charset=utf-8",
  ".js": "text/javascript; charset=utf-8",
  ".json": "application/json; charset=utf-8",
  ".md": "text/markdown; charset=utf-8",
  ".css": "text/css; charset=utf-8",
  ".wasm": "application/wasm",
  ".bin": "application/octet-stream",
  ".png": "image/png",
  ".jpg": "image/jpeg",
  ".jpeg": "image/jpeg",
  ".dcm": "application/dicom",
  ".svg": "image/svg+xml",
  ".ico": "image/x-icon",
};

export interface ServeOptions {
  /** Default 8080; 0 picks a free port. */
  port?: number;
  /** Default 127.0.0.1. */
  host?: string;
  /** Called once per request, e.g. for a log line. */
  onRequest?: (method: string, url: string, status: number) => void;
}

export interface StaticServer {
  url: string;
  port: number;
  close(): Promise<void>;
}

const LOOPBACK = new Set(["127.0.0.1", "localhost", "[::1]"]);

/** The host name of a Host header without its port ("[::1]:8080" → "[::1]"), lower case; undefined when malformed. */
export function hostName(header: string): string | undefined {
  const match = /^(\[[0-9a-f:.]+\]|[^:[\]]+)(?::(\d{1,5}))?$/i.exec(header.trim());
  return match ? match[1].toLowerCase() : undefined;
}

/** Whether a request's Host header names this server: loopback or the bound host. */
export function hostAllowed(header: string | undefined, boundHost: string): boolean {
  if (header === undefined) return false;
  const name = hostName(header);
  if (name === undefined) return false;
  const bound = boundHost.includes(":") ? `[${boundHost.toLowerCase()}]` : boundHost.toLowerCase();
  return LOOPBACK.has(name) || name === bound;
}

function send(response: http.ServerResponse, status: number, text: string): number {
  response.writeHead(status, { "content-type": "text/plain; charset=utf-8" });
  response.end(text);
  return status;
}

function inside(root: string, file: string): boolean {
  return file === root || file.startsWith(`${root}${path.sep}`);
}

/** The path of an open file as the kernel sees it (Linux); undefined where /proc is absent. */
function openedPath(fd: number): string | undefined {
  try {
    return fs.readlinkSync(`/proc/self/fd/${fd}`);
  } catch {
    return undefined;
  }
}

/** A failed realpath or open: missing is 404, forbidden 403, anything else (EIO, …) 500. */
function sendOpenError(response: http.ServerResponse, pathname: string, error: NodeJS.ErrnoException): number {
  if (error.code === "ENOENT" || error.code === "ENOTDIR" || error.code === "ELOOP") return send(response, 404, `${pathname}: not found\n`);
  if (error.code === "EACCES" || error.code === "EPERM") return send(response, 403, `${pathname}: not readable\n`);
  return send(response, 500, `${pathname}: cannot be read (${error.code ?? error.message})\n`);
}

/** Streams an open file; a read error before the first byte is a 500, after it the response is cut. Closes fd. */
function stream(fd: number, size: number, headers: http.OutgoingHttpHeaders, response: http.ServerResponse): Promise<number> {
  return new Promise((resolve) => {
    // /proc and other synthetic files report size 0 and still have content: no length, chunked.
    const reader = fs.createReadStream("", { fd, autoClose: true, ...(size > 0 ? { start: 0, end: size - 1 } : {}) });
    let started = false;
    reader.on("error", (error: NodeJS.ErrnoException) => {
      reader.destroy();
      if (!started && !response.headersSent) resolve(send(response, 500, `read error: ${error.code ?? error.message}\n`));
      else {
        response.destroy(error);
        resolve(500);
      }
    });
    reader.on("data", (chunk) => {
      if (!started) {
        started = true;
        response.writeHead(200, size > 0 ? { ...headers, "content-length": size } : headers);
      }
      if (!response.write(chunk)) {
        reader.pause();
        response.once("drain", () => reader.resume());
      }
    });
    reader.on("end", () => {
      if (!started) response.writeHead(200, { ...headers, "content-length": 0 });
      response.end();
      resolve(200);
    });
    // A client gone mid-way: stop reading (the fd closes with the stream).
    response.on("close", () => reader.destroy());
  });
}

async function handle(root: string, boundHost: string, request: http.IncomingMessage, response: http.ServerResponse): Promise<number> {
  if (!hostAllowed(request.headers.host, boundHost)) return send(response, 421, `Host ${JSON.stringify(request.headers.host ?? "")} is not this server: use http://127.0.0.1 or http://localhost\n`);
  if (request.method !== "GET" && request.method !== "HEAD") {
    response.setHeader("allow", "GET, HEAD");
    return send(response, 405, "method not allowed\n");
  }
  let pathname: string;
  try {
    pathname = decodeURIComponent(new URL(request.url ?? "/", "http://localhost").pathname);
  } catch {
    return send(response, 400, "bad path\n");
  }
  if (pathname.includes("\0")) return send(response, 400, "bad path\n");
  const file = path.resolve(root, `.${pathname.endsWith("/") ? `${pathname}index.html` : pathname}`);
  if (!inside(root, file)) return send(response, 403, "outside the served folder\n");
  let real: string;
  try {
    real = await fs.promises.realpath(file);
  } catch (error) {
    return sendOpenError(response, pathname, error as NodeJS.ErrnoException);
  }
  // A symlink may point anywhere: what counts is where it lands.
  if (!inside(root, real)) return send(response, 403, "outside the served folder\n");
  let fd: number;
  try {
    // A plain fd (not a FileHandle, which would close it again when collected); O_NONBLOCK: a FIFO must not hang the open.
    fd = await new Promise<number>((resolve, reject) => fs.open(real, fs.constants.O_RDONLY | fs.constants.O_NOFOLLOW | fs.constants.O_NONBLOCK, (error, opened) => (error ? reject(error) : resolve(opened))));
  } catch (error) {
    return sendOpenError(response, pathname, error as NodeJS.ErrnoException);
  }
  let keep = false;
  try {
    // A path swapped for a symlink between realpath and open lands here.
    const opened = openedPath(fd);
    if (opened !== undefined && !inside(root, opened)) return send(response, 403, "outside the served folder\n");
    const stat = fs.fstatSync(fd);
    if (!stat.isFile()) return send(response, 404, `${pathname}: not a file\n`);
    const headers = {
      "content-type": TYPES[path.extname(real).toLowerCase()] ?? "application/octet-stream",
      "cache-control": "no-cache",
      "x-content-type-options": "nosniff",
    };
    if (request.method === "HEAD") {
      response.writeHead(200, stat.size > 0 ? { ...headers, "content-length": stat.size } : headers);
      response.end();
      return 200;
    }
    keep = true;
    return await stream(fd, stat.size, headers, response);
  } finally {
    if (!keep) fs.closeSync(fd);
  }
}

/** Serves `dir` until close(); resolves once listening. */
export async function serveStatic(dir: string, options: ServeOptions = {}): Promise<StaticServer> {
  const given = path.resolve(dir);
  if (!fs.existsSync(given) || !fs.statSync(given).isDirectory()) throw new Error(`${given}: no such folder`);
  // The folder's own real path: a served folder reached through a symlink is fine, its contents are judged against where it is.
  const root = fs.realpathSync(given);
  const host = options.host ?? "127.0.0.1";
  const server = http.createServer((request, response) => {
    handle(root, host, request, response)
      .catch((error: Error) => {
        if (!response.headersSent) return send(response, 500, `server error: ${error.message}\n`);
        response.destroy(error);
        return 500;
      })
      .then((status) => options.onRequest?.(request.method ?? "", request.url ?? "", status))
      .catch(() => undefined);
  });
  await new Promise<void>((resolve, reject) => {
    server.once("error", (error: NodeJS.ErrnoException) =>
      reject(error.code === "EADDRINUSE" ? new Error(`port ${options.port} on ${host} is in use; choose another with --port`) : error),
    );
    server.listen(options.port ?? 8080, host, () => resolve());
  });
  const port = (server.address() as AddressInfo).port;
  return {
    url: `http://${host}:${port}/`,
    port,
    close: () =>
      new Promise<void>((resolve) => {
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  };
}
