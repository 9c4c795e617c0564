/** `kdlab lab`: JupyterLab on notebooks/, with the "TypeScript (kdlab)" kernel; arguments after `--` go to `jupyter lab`. */
import { spawn } from "node:child_process";
import { PROJECT_ROOT, pythonTool } from "../notebook/python";
import { labArgs } from "../lab";
import { defineCommand, option, UsageError } from "./command";

export const labCommand = defineCommand<{ port?: string; ip?: string; browser: boolean }>({
  name: "lab",
  summary: "open JupyterLab on the notebooks, with the \"TypeScript (kdlab)\" kernel",
  description: "Starts JupyterLab from the project's Python environment (.venv or the active conda env) on notebooks/. It listens on 127.0.0.1 unless --ip says otherwise.",
  define: (cmd) =>
    cmd
      .usage("[options] [-- extra jupyter lab arguments]")
      .argument("[jupyter-args...]", "after --: extra arguments for jupyter lab")
      .addOption(option("--port <N>", "the port to listen on"))
      .addOption(option("--ip <ADDRESS>", "the address to listen on (default 127.0.0.1)"))
      .option("--no-browser", "do not open a browser"),
  async action(args, { port, ip, browser }, { argv }) {
    // Positional arguments are jupyter's only after `--`.
    const split = argv.indexOf("--");
    const extraArgs = split >= 0 ? argv.slice(split + 1) : [];
    if (args.length > extraArgs.length) throw new UsageError(`unexpected arguments: ${args.slice(0, args.length - extraArgs.length).join(" ")} (jupyter lab's go after --)`);
    const child = spawn(pythonTool("jupyter"), labArgs({ port: port ? Number(port) : undefined, ip, openBrowser: browser, extraArgs }), {
      cwd: PROJECT_ROOT,
      stdio: "inherit",
    });
    return await new Promise<number>((resolve) => child.on("exit", (code) => resolve(code ?? 1)));
  },
});
