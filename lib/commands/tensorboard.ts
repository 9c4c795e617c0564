/**
 * `kdlab tensorboard`: TensorBoard on the runs' event files (one folder per
 * model of each run, written by lib/experiments/tensorboard-log.ts),
 * installing TensorBoard into the project's Python on first use.
 */
import { spawn } from "node:child_process";
import * as path from "node:path";
import { defaultRunsRoot } from "../experiments/index";
import { projectPython } from "../notebook/python";
import { PROJECT_ROOT } from "../runtime/paths";
import { ensureRequirements, PythonRequirements } from "../notebook/python-requirements";
import { defineCommand, option, UsageError } from "./command";

export const TENSORBOARD_REQUIREMENTS: PythonRequirements = {
  name: "tensorboard",
  file: path.join(PROJECT_ROOT, "scripts", "tensorboard-requirements.txt"),
  packages: "tensorboard",
};

/** TensorBoard's arguments: the log folder, listening on 127.0.0.1 unless told otherwise. */
export function tensorboardArgs(options: { logdir: string; port?: number; host?: string }): string[] {
  return ["-m", "tensorboard.main", "--logdir", options.logdir, "--host", options.host ?? "127.0.0.1", "--port", String(options.port ?? 6006)];
}

export const tensorboardCommand = defineCommand<{ logdir?: string; port?: string; host?: string }>({
  name: "tensorboard",
  summary: "TensorBoard on every run's curves (installs tensorboard into the project's Python on first use)",
  define: (cmd) =>
    cmd
      .addOption(option("--logdir <DIR>", "the runs folder (default: runs/ at the project root); each model of each run is a TensorBoard run"))
      .addOption(option("--port <N>", "default 6006"))
      .addOption(option("--host <ADDRESS>", "default 127.0.0.1")),
  async action(_args, { logdir, port: portText, host }) {
    const port = portText === undefined ? undefined : Number(portText);
    if (port !== undefined && !(Number.isInteger(port) && port > 0 && port < 65536)) throw new UsageError(`--port must be a port number, got ${portText}`);
    ensureRequirements(TENSORBOARD_REQUIREMENTS, (line) => console.error(line));
    const child = spawn(projectPython(), tensorboardArgs({ logdir: path.resolve(logdir ?? defaultRunsRoot()), port, host }), { cwd: PROJECT_ROOT, stdio: "inherit" });
    return await new Promise<number>((resolve) => child.on("exit", (code) => resolve(code ?? 1)));
  },
});
