/**
 * The `kdlab` command line, parsed by commander. Each subcommand lives in
 * lib/commands/<name>.ts (its arguments, options, help and action; see
 * command.ts) and is listed here once.
 */
import { benchCommand } from "./commands/bench";
import { Command, CommandSpec, commandPath, CommandUsageError, execute } from "./commands/command";
import { dataCommand } from "./commands/data";
import { checkEnvironment } from "./runtime/env-vars";
import { doctorCommand } from "./commands/doctor";
import { exportCommand } from "./commands/export";
import { labCommand } from "./commands/lab";
import { modelsCommand } from "./commands/models";
import { reproduceCommand } from "./commands/reproduce";
import { runCommand } from "./commands/run";
import { sweepCommand } from "./commands/sweep";
import { serveCommand } from "./commands/serve";
import { tensorboardCommand } from "./commands/tensorboard";
import { trainCommand } from "./commands/train";

const COMMANDS: Command[] = [reproduceCommand, runCommand, trainCommand, sweepCommand, dataCommand, modelsCommand, labCommand, tensorboardCommand, exportCommand, serveCommand, doctorCommand, benchCommand];

function version(): string {
  // eslint-disable-next-line @typescript-eslint/no-require-imports
  const pkg = require("../package.json") as { version: string };
  return `kdlab ${pkg.version}`;
}

/** `kdlab help [command [subcommand]]`: that command's usage, or the list of commands. */
const helpCommand: CommandSpec = {
  name: "help",
  summary: "show a command's usage and options, e.g. `kdlab help train`, `kdlab help data inspect`",
  define: (cmd) => cmd.argument("[command...]", "a command, and a subcommand of it"),
  async action(names, _options, { command }) {
    const program = command.parent ?? command;
    let target = program;
    for (const name of names) {
      const next = target.commands.find((c) => c.name() === name);
      if (!next) throw new CommandUsageError(`unknown command "${names.join(" ")}"`, program);
      target = next;
    }
    target.outputHelp();
    return 0;
  },
};

const KDLAB: CommandSpec = {
  name: "kdlab",
  summary: "knowledge-distillation workbench for radiology images",
  define: (cmd) =>
    cmd
      .version(version(), "-V, --version", "print kdlab's version")
      .addHelpText("after", "\n`kdlab help <command>` or `kdlab <command> --help` shows a command's options; `kdlab --version` the version."),
  subcommands: [...COMMANDS, helpCommand],
};

/** Exit codes, the same for every command: 0 done, 1 failed, 2 a usage error (with the usage printed). */
export async function main(argv: string[]): Promise<number> {
  // Before any command creates anything: a KDLAB_* value kdlab does not accept is an error (lib/runtime/env-vars.ts).
  checkEnvironment();
  try {
    return await execute(KDLAB, argv.length === 0 ? ["help"] : argv);
  } catch (error) {
    if (!(error instanceof CommandUsageError)) throw error;
    console.error(`${commandPath(error.command)}: ${error.message}\n`);
    error.command.outputHelp({ error: true });
    return 2;
  }
}
