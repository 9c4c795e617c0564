/**
 * The `kdlab` command line. Each subcommand lives in lib/commands/<name>.ts
 * and is listed here once.
 */
import { benchCommand } from "./commands/bench";
import { Command, UsageError } from "./commands/command";
import { dataCommand } from "./commands/data";
import { doctorCommand } from "./commands/doctor";
import { labCommand } from "./commands/lab";
import { modelsCommand } from "./commands/models";
import { reproduceCommand } from "./commands/reproduce";
import { runCommand } from "./commands/run";
import { tensorboardCommand } from "./commands/tensorboard";
import { trainCommand } from "./commands/train";

const COMMANDS: Command[] = [reproduceCommand, runCommand, trainCommand, dataCommand, modelsCommand, labCommand, tensorboardCommand, doctorCommand, benchCommand];

function help(): string {
  const width = Math.max(...COMMANDS.map((c) => c.name.length));
  const lines = COMMANDS.map((c) => `  ${c.name.padEnd(width)}  ${c.summary}`);
  return `usage: kdlab <command> [options]\n\ncommands:\n${lines.join("\n")}\n\n\`kdlab help <command>\` or \`kdlab <command> --help\` shows a command's options; \`kdlab --version\` the version.`;
}

function version(): string {
  // eslint-disable-next-line @typescript-eslint/no-require-imports
  const pkg = require("../package.json") as { version: string };
  return `kdlab ${pkg.version}`;
}

/** Exit codes, the same for every command: 0 done, 1 failed, 2 a usage error (with the usage printed). */
export async function main(argv: string[]): Promise<number> {
  const [name, ...rest] = argv;
  if (name === "--version" || name === "-V") {
    console.log(version());
    return 0;
  }
  if (name === "help" && rest.length > 0) {
    const wanted = COMMANDS.find((c) => c.name === rest[0]);
    if (!wanted) {
      console.error(`kdlab help: unknown command "${rest[0]}"\n\n${help()}`);
      return 2;
    }
    console.log(wanted.usage);
    return 0;
  }
  if (!name || name === "help" || name === "--help" || name === "-h") {
    console.log(help());
    return 0;
  }
  const command = COMMANDS.find((c) => c.name === name);
  if (!command) {
    console.error(`kdlab: unknown command "${name}"\n\n${help()}`);
    return 2;
  }
  if (rest.includes("--help") || rest.includes("-h")) {
    console.log(command.usage);
    return 0;
  }
  try {
    return await command.run(rest);
  } catch (error) {
    if (error instanceof UsageError) {
      console.error(`kdlab ${name}: ${error.message}\n\n${command.usage}`);
      return 2;
    }
    throw error;
  }
}
