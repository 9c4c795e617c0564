/**
 * `kdlab lab`: JupyterLab on notebooks/, with the "TypeScript (kdlab)" kernel;
 * arguments after `--` go to `jupyter lab`. Jupyter runs in its own process
 * group, which SIGINT, SIGTERM or SIGHUP to kdlab stops (SIGTERM, so Jupyter
 * shuts its kernels down; SIGKILL after 10 s), so no server outlives kdlab.
 */
import { spawn } from "node:child_process";
import { pythonTool } from "../notebook/python";
import { PROJECT_ROOT } from "../runtime/paths";
import { labArgs, LAB_STOP_GRACE_MS } from "../notebook/lab";
import { killGroup, onStopSignals } from "../runtime/process-tree";
import { defineCommand, option, UsageError } from "./command";

export const labCommand = defineCommand<{ port?: string; ip?: string; browser: boolean }>({
  name: "lab",
  summary: "open JupyterLab on the notebooks, with the \"TypeScript (kdlab)\" kernel",
  description: "Starts JupyterLab from the project's Python environment (.venv or the active conda env) on notebooks/. It listens on 127.0.0.1 unless --ip says otherwise. Ctrl-C (or SIGTERM) stops it.",
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
    // Its own group: a terminal's Ctrl-C reaches kdlab only, which stops Jupyter without its "Shutdown this Jupyter server?" prompt.
    const child = spawn(pythonTool("jupyter"), labArgs({ port: port ? Number(port) : undefined, ip, openBrowser: browser, extraArgs }), {
      cwd: PROJECT_ROOT,
      stdio: "inherit",
      detached: true,
    });
    const exited = new Promise<number>((resolve) => {
      child.on("error", (error) => {
        console.error(`kdlab lab: could not start ${pythonTool("jupyter")}: ${error.message}`);
        resolve(127);
      });
      child.on("exit", (code) => resolve(code ?? 1));
    });
    let stoppedBy: NodeJS.Signals | undefined;
    const stop = (signal: NodeJS.Signals) => {
      if (stoppedBy) return;
      stoppedBy = signal;
      console.error(`kdlab lab: ${signal}: stopping JupyterLab (pid ${child.pid})`);
      killGroup(child.pid, "SIGTERM");
      setTimeout(() => killGroup(child.pid, "SIGKILL"), LAB_STOP_GRACE_MS).unref();
    };
    const off = onStopSignals(stop);
    // Whatever ends kdlab (an exception included) takes the server with it.
    const onExit = () => killGroup(child.pid, "SIGTERM");
    process.on("exit", onExit);
    try {
      const code = await exited;
      // What is left of the group (a helper Jupyter started in it) goes too.
      killGroup(child.pid, "SIGKILL");
      return stoppedBy ? 0 : code;
    } finally {
      off();
      process.off("exit", onExit);
    }
  },
});
