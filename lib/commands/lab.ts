import { spawn } from "node:child_process";
import { PROJECT_ROOT, pythonTool } from "../notebook/python";
import { labArgs } from "../lab";
import { Command, parseFlags } from "./command";

export const labCommand: Command = {
  name: "lab",
  summary: "open JupyterLab on the notebooks, with the \"TypeScript (kdlab)\" kernel",
  usage: `usage: kdlab lab [--port N] [--ip ADDRESS] [--no-browser] [-- extra jupyter lab arguments]

  Starts JupyterLab from the project's Python environment (.venv or the active conda env)
  on notebooks/. It listens on 127.0.0.1 unless --ip says otherwise.`,
  async run(args) {
    const split = args.indexOf("--");
    const own = split >= 0 ? args.slice(0, split) : args;
    const extra = split >= 0 ? args.slice(split + 1) : [];
    const { flags } = parseFlags(own, ["no-browser"], ["port", "ip"]);
    const port = flags.get("port")?.[0];
    const child = spawn(pythonTool("jupyter"), labArgs({ port: port ? Number(port) : undefined, ip: flags.get("ip")?.[0], openBrowser: !flags.has("no-browser"), extraArgs: extra }), {
      cwd: PROJECT_ROOT,
      stdio: "inherit",
    });
    return await new Promise<number>((resolve) => child.on("exit", (code) => resolve(code ?? 1)));
  },
};
