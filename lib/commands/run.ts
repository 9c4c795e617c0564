/** `kdlab run <notebook>`: one notebook, headless, with parameters; the executed notebook and its HTML. */
import * as path from "node:path";
import { parseParameterAssignments } from "../notebook/parameters";
import { NotebookCellError, runNotebook } from "../notebook/runner";
import { argument, defineCommand, option, repeatable, UsageError } from "./command";

export const runCommand = defineCommand<{ set?: string[]; out?: string; timeout?: string }>({
  name: "run",
  summary: "execute one notebook headless, with parameters, saving the executed notebook and HTML",
  define: (cmd) =>
    cmd
      .addArgument(argument("notebook.ipynb", "the notebook to execute", "give exactly one notebook"))
      .addOption(repeatable("--set <name=value>", "override a name declared in the notebook's parameters cell (repeatable)"))
      .addOption(option("--out <DIR>", "where the executed .ipynb and .html go (default: reports/)"))
      .addOption(option("--timeout <SECONDS>", "limit for one cell (default 1800)")),
  async action([input], { set = [], out = "reports", timeout: timeoutText = "1800" }) {
    const outDir = path.resolve(out);
    const base = path.basename(input).replace(/\.ipynb$/, "");
    const timeout = Number(timeoutText);
    if (!Number.isFinite(timeout) || timeout <= 0) throw new UsageError("--timeout must be a positive number of seconds");
    try {
      const run = await runNotebook(input, {
        output: path.join(outDir, `${base}.ipynb`),
        html: path.join(outDir, `${base}.html`),
        parameters: parseParameterAssignments(set),
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
});
