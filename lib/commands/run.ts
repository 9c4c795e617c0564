import * as path from "node:path";
import { parseParameterAssignments } from "../notebook/parameters";
import { NotebookCellError, runNotebook } from "../notebook/runner";
import { Command, UsageError, parseFlags } from "./command";

export const runCommand: Command = {
  name: "run",
  summary: "execute one notebook headless, with parameters, saving the executed notebook and HTML",
  usage: `usage: kdlab run <notebook.ipynb> [--set name=value ...] [--out DIR] [--timeout SECONDS]

  --set name=value   override a name declared in the notebook's parameters cell (repeatable)
  --out DIR          where the executed .ipynb and .html go (default: reports/)
  --timeout SECONDS  limit for one cell (default 1800)`,
  async run(args) {
    const { positional, flags } = parseFlags(args, [], ["set", "out", "timeout"]);
    if (positional.length !== 1) throw new UsageError("give exactly one notebook");
    const input = positional[0];
    const outDir = path.resolve(flags.get("out")?.[0] ?? "reports");
    const base = path.basename(input).replace(/\.ipynb$/, "");
    const timeout = Number(flags.get("timeout")?.[0] ?? 1800);
    if (!Number.isFinite(timeout) || timeout <= 0) throw new UsageError("--timeout must be a positive number of seconds");
    try {
      const run = await runNotebook(input, {
        output: path.join(outDir, `${base}.ipynb`),
        html: path.join(outDir, `${base}.html`),
        parameters: parseParameterAssignments(flags.get("set") ?? []),
        cellTimeout: timeout,
      });
      console.log(`${base}: ok in ${run.seconds.toFixed(1)} s → ${path.relative(process.cwd(), run.html ?? run.output)}`);
      return 0;
    } catch (error) {
      if (error instanceof NotebookCellError) {
        console.error(error.message);
        return 1;
      }
      throw error;
    }
  },
};
