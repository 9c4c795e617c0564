/**
 * What every `kdlab` subcommand is made of, on commander. A CommandSpec (one
 * in each lib/commands/<name>.ts) names the command, declares its arguments
 * and options on a commander Command, and either runs (its action returns the
 * exit code) or has subcommands of its own (`kdlab data inspect`).
 * defineCommand adds `run(args)`, which parses and runs the command alone
 * (tests call it); lib/cli.ts runs them all under `kdlab` with execute.
 *
 * Exit codes, the same for every command: 0 done, 1 failed, 2 a usage error.
 * A usage error is a UsageError thrown by an action or an argument commander
 * rejects (an unknown flag, a flag without its value, a missing or extra
 * argument); execute throws it as a CommandUsageError naming the command, so
 * that the CLI prints the message and that command's usage.
 */
import { Argument, Command as Commander, CommanderError, Help, Option } from "commander";

/** A bad argument: the CLI prints the message and the command's usage, exits 2. */
export class UsageError extends Error {}

/** A usage error and the command whose usage goes with it. */
export class CommandUsageError extends UsageError {
  constructor(
    message: string,
    readonly command: Commander,
  ) {
    super(message);
  }
}

/** What an action gets besides its arguments and options. */
export interface Invocation {
  /** The commander command that parsed them. */
  command: Commander;
  /** The arguments after the command's name, as given (a parent takes no options of its own but --help and --version, which end the parse, so these are the parse's arguments after the command's path). */
  argv: string[];
}

/** One `kdlab` command, or a subcommand of one. */
export interface CommandSpec<O extends object = Record<string, unknown>> {
  name: string;
  /** One line, for the list of commands in the parent's help. */
  summary: string;
  /** The text under the usage line in the command's own help (default: the summary). */
  description?: string;
  /** Declares the arguments (see `argument`), options (`option`, `repeatable`, `cmd.option` for a switch) and extra help text. */
  define?(cmd: Commander): void;
  /** Runs the command with its positional arguments and option values; resolves to the exit code. */
  action?(args: string[], options: O, invocation: Invocation): Promise<number>;
  /** With no action: the subcommands, one of which must be named. */
  subcommands?: CommandSpec[];
}

export interface Command extends CommandSpec {
  /** Parses `args` (what follows `kdlab <name>`) and runs; a bad argument rejects with a UsageError. */
  run(args: string[]): Promise<number>;
}

export function defineCommand<O extends object>(spec: CommandSpec<O>): Command {
  return { ...(spec as CommandSpec), run: (args) => execute(spec as CommandSpec, args) };
}

/** Options taken once: given twice is a usage error. */
const SINGLE = new WeakSet<Option>();
/** Required arguments' messages for when they are missing. */
const MISSING = new WeakMap<Argument, string>();

/** `--flag <value>`, repeatable: the option's value is every value given, in order. */
export function repeatable(flags: string, description: string): Option {
  const made = new Option(flags, description);
  // A value that is itself a flag (`--out --json`) means the value was left out.
  return made.argParser((value: string, previous: string[] | undefined) => {
    if (value.startsWith("--")) throw new UsageError(`${made.long} needs a value`);
    return [...(previous ?? []), value];
  });
}

/** `--flag <value>`, at most once. */
export function option(flags: string, description: string): Option {
  const made = repeatable(flags, description);
  SINGLE.add(made);
  return made;
}

/** A required positional argument; `missing` is the usage error when it is left out (default: commander's). */
export function argument(name: string, description: string, missing?: string): Argument {
  const made = new Argument(`<${name}>`, description);
  if (missing) MISSING.set(made, missing);
  return made;
}

/** Commander writes through console, where the tests capture it; its error messages are left to the caller (usageMessage). */
const OUTPUT = {
  writeOut: (text: string) => console.log(text.replace(/\n$/, "")),
  writeErr: (text: string) => console.error(text.replace(/\n$/, "")),
  outputError: () => undefined,
};

/** kdlab's help: lower-case headings, commands listed by name. */
const HELP: Partial<Help> = {
  styleTitle: (title) => title.toLowerCase(),
  subcommandTerm: (cmd) => cmd.name(),
};

/** The state of one parse: the arguments, the command being parsed (for its usage), the action's exit code. */
interface Parse {
  argv: string[];
  current?: Commander;
  code: number;
}

function optionValues(cmd: Commander): Record<string, unknown> {
  const values: Record<string, unknown> = { ...cmd.opts() };
  for (const option of cmd.options) {
    const key = option.attributeName();
    const given = values[key];
    if (!SINGLE.has(option) || !Array.isArray(given)) continue;
    if (given.length > 1) throw new UsageError(`${option.long} given ${given.length} times`);
    values[key] = given[0];
  }
  return values;
}

function build(spec: CommandSpec, parse: Parse, depth: number): Commander {
  const cmd = new Commander(spec.name)
    .summary(spec.summary)
    .description(spec.description ?? spec.summary)
    .exitOverride()
    .configureOutput(OUTPUT)
    .configureHelp(HELP);
  spec.define?.(cmd);
  const { action, subcommands = [] } = spec;
  for (const sub of subcommands) cmd.addCommand(build(sub, parse, depth + 1));
  // A parent's own options (kdlab's --version) only come before the subcommand's name.
  if (subcommands.length > 0) cmd.enablePositionalOptions().hook("preSubcommand", (_parent, sub) => void (parse.current = sub));
  if (action) {
    cmd.action(async () => {
      parse.code = await action(cmd.args, optionValues(cmd), { command: cmd, argv: parse.argv.slice(depth) });
    });
  } else if (subcommands.length > 0) {
    // Reached only when no subcommand is named (commander dispatches to one before this).
    const names = subcommands.map((s) => s.name).join(", ");
    cmd.usage("<command> [options]").allowExcessArguments().action(() => {
      throw new UsageError(cmd.args.length > 0 ? `unknown command "${cmd.args[0]}" (${names})` : `missing command (${names})`);
    });
  }
  return cmd;
}

/** Commander's error as kdlab says it: the message, without commander's "error: " and with the known options. */
function usageMessage(error: CommanderError, cmd: Commander): string {
  const [first, ...more] = error.message.replace(/^error: /, "").split("\n");
  const quoted = /'([^']*)'/.exec(first)?.[1] ?? "";
  switch (error.code) {
    case "commander.unknownOption": {
      const known = cmd.options.map((o) => o.long ?? o.short);
      const suggestion = more.length > 0 ? ` ${more.join(" ")}` : "";
      return `unknown option ${quoted} ${known.length > 0 ? `(options: ${known.join(", ")})` : "(this command takes none)"}${suggestion}`;
    }
    case "commander.optionMissingArgument":
      return `${quoted.split(/[ ,]+/).find((f) => f.startsWith("--")) ?? quoted} needs a value`;
    case "commander.missingArgument": {
      const missing = cmd.registeredArguments.find((a) => a.name() === quoted);
      return (missing && MISSING.get(missing)) ?? `missing <${quoted}>`;
    }
    case "commander.excessArguments":
      return `unexpected arguments: ${cmd.args.slice(cmd.registeredArguments.length).join(" ")}`;
    default:
      return [first, ...more].join("\n");
  }
}

/**
 * Parses `argv` with the command `spec` describes and runs its action; resolves
 * to the exit code (0 after --help or --version). A bad argument rejects with a
 * CommandUsageError; any other error of the action rejects as it is.
 */
export async function execute(spec: CommandSpec, argv: string[]): Promise<number> {
  const parse: Parse = { argv, code: 0 };
  const root = build(spec, parse, 0);
  try {
    await root.parseAsync(argv, { from: "user" });
    return parse.code;
  } catch (error) {
    const current = parse.current ?? root;
    if (error instanceof CommanderError) {
      if (error.exitCode === 0) return 0;
      throw new CommandUsageError(usageMessage(error, current), current);
    }
    if (error instanceof UsageError && !(error instanceof CommandUsageError)) throw new CommandUsageError(error.message, current);
    throw error;
  }
}

/** `kdlab data inspect`: the command's name after its parents'. */
export function commandPath(cmd: Commander): string {
  return cmd.parent ? `${commandPath(cmd.parent)} ${cmd.name()}` : cmd.name();
}
