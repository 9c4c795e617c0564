/** One `kdlab` subcommand: parses its own arguments, returns the exit code. */
export interface Command {
  name: string;
  /** One line for `kdlab help`. */
  summary: string;
  /** Full usage text, printed on `kdlab <name> --help` and on bad arguments. */
  usage: string;
  run(args: string[]): Promise<number>;
}

/** A bad argument: the CLI prints the message and the command's usage, exits 2. */
export class UsageError extends Error {}

/**
 * Splits `--flag value`, `--flag=value` and bare `--switch` from positional
 * arguments. With `options` (the flags that take a value), any flag that is
 * neither one of them nor a switch is a UsageError: a misspelt flag never
 * passes silently.
 */
export function parseFlags(args: string[], switches: readonly string[] = [], options?: readonly string[]): { positional: string[]; flags: Map<string, string[]> } {
  const positional: string[] = [];
  const flags = new Map<string, string[]>();
  const check = (key: string): void => {
    if (options && !options.includes(key) && !switches.includes(key)) {
      const known = [...options, ...switches].map((k) => `--${k}`).join(", ");
      throw new UsageError(`unknown option --${key}${known ? ` (options: ${known})` : " (this command takes none)"}`);
    }
  };
  const add = (key: string, value: string): void => {
    check(key);
    flags.set(key, [...(flags.get(key) ?? []), value]);
  };
  for (let i = 0; i < args.length; i++) {
    const arg = args[i];
    if (!arg.startsWith("--")) {
      positional.push(arg);
      continue;
    }
    const eq = arg.indexOf("=");
    if (eq > 0) {
      add(arg.slice(2, eq), arg.slice(eq + 1));
    } else if (switches.includes(arg.slice(2))) {
      add(arg.slice(2), "true");
    } else {
      check(arg.slice(2));
      const value = args[i + 1];
      if (value === undefined || value.startsWith("--")) throw new UsageError(`${arg} needs a value`);
      add(arg.slice(2), value);
      i++;
    }
  }
  return { positional, flags };
}
