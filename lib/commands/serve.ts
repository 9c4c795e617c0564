/** `kdlab serve <dir>`: a folder (an export) served on 127.0.0.1 until Ctrl-C (lib/export/serve.ts). */
import { serveStatic } from "../export/index";
import { argument, defineCommand, option, UsageError } from "./command";

export const serveCommand = defineCommand<{ port?: string }>({
  name: "serve",
  summary: "serve a folder (e.g. a `kdlab export`) on 127.0.0.1 for a look in the browser",
  define: (cmd) => cmd.addArgument(argument("dir", "the folder to serve", "name the folder to serve (an export)")).addOption(option("--port <N>", "default 8080")),
  async action([dir], { port: portText }) {
    const port = portText === undefined ? 8080 : Number(portText);
    if (!(Number.isInteger(port) && port >= 0 && port < 65536)) throw new UsageError(`--port must be a port number, got ${portText}`);
    let server;
    try {
      server = await serveStatic(dir, { port, onRequest: (method, url, status) => status >= 400 && console.error(`${status} ${method} ${url}`) });
    } catch (error) {
      console.error(`kdlab serve: ${(error as Error).message}`);
      return 1;
    }
    console.log(`serving ${dir} at ${server.url} (Ctrl-C to stop)`);
    await new Promise<void>((resolve) => {
      process.once("SIGINT", resolve);
      process.once("SIGTERM", resolve);
    });
    await server.close();
    return 0;
  },
});
