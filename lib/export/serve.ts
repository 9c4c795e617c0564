/**
 * `kdlab serve`: a folder served read-only over HTTP on 127.0.0.1, for a
 * quick look at an export (browsers refuse fetch() and WASM from file://).
 * GET and HEAD only; paths are confined to the folder; `/` is index.html;
 * .wasm goes out as application/wasm (WebAssembly.instantiateStreaming
 * needs it). No caching headers: a re-export shows on reload.
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

function send(response: http.ServerResponse, status: number, text: string): number {
  response.writeHead(status, { "content-type": "text/plain; charset=utf-8" });
  response.end(text);
  return status;
}

function handle(root: string, request: http.IncomingMessage, response: http.ServerResponse): number {
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
  const file = path.resolve(root, `.${pathname.endsWith("/") ? `${pathname}index.html` : pathname}`);
  if (file !== root && !file.startsWith(`${root}${path.sep}`)) return send(response, 403, "outside the served folder\n");
  let stat: fs.Stats;
  try {
    stat = fs.statSync(file);
  } catch {
    return send(response, 404, `${pathname}: not found\n`);
  }
  if (!stat.isFile()) return send(response, 404, `${pathname}: not a file\n`);
  response.writeHead(200, {
    "content-type": TYPES[path.extname(file).toLowerCase()] ?? "application/octet-stream",
    "content-length": stat.size,
    "cache-control": "no-cache",
    "x-content-type-options": "nosniff",
  });
  if (request.method === "HEAD") response.end();
  else fs.createReadStream(file).pipe(response);
  return 200;
}

/** Serves `dir` until close(); resolves once listening. */
export async function serveStatic(dir: string, options: ServeOptions = {}): Promise<StaticServer> {
  const root = path.resolve(dir);
  if (!fs.existsSync(root) || !fs.statSync(root).isDirectory()) throw new Error(`${root}: no such folder`);
  const server = http.createServer((request, response) => {
    const status = handle(root, request, response);
    options.onRequest?.(request.method ?? "", request.url ?? "", status);
  });
  const host = options.host ?? "127.0.0.1";
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
