/**
 * The KDLAB_* environment variables kdlab reads, with the values each
 * accepts, checked once at start (the CLI, initBackend) so a misspelt value
 * is an error naming the variable, the value and the accepted values before
 * anything is created, not a silent default (KDLAB_BF16=maybe once dropped
 * kdlab to the pure-JS backend). Variables kdlab sets for its own child
 * processes (KDLAB_ONEDNN, KDLAB_ONEDNN_MACHINE, KDLAB_ROOT) take any value.
 */
import { BF16_VARIABLE } from "./precision";
import { parseConvShapeKey } from "./conv-shape";

interface Variable {
  /** What it accepts, in words, for the error. */
  accepts: string;
  /** Whether a value (never undefined; "" counts as set) is accepted. */
  valid(value: string): boolean;
}

const oneOf = (values: readonly string[], normalise: (value: string) => string = (v) => v): Variable => ({
  accepts: values.map((v) => (v === "" ? '"" (unset)' : v)).join(", "),
  valid: (value) => values.includes(normalise(value)),
});

const lower = (value: string): string => value.trim().toLowerCase();

const aPath: Variable = { accepts: "a non-empty path", valid: (value) => value.trim() !== "" };

export const KDLAB_VARIABLES: Readonly<Record<string, Variable>> = {
  KDLAB_BACKEND: oneOf(["gpu", "cpu", "js", "auto", ""], lower),
  KDLAB_REQUIRE_NATIVE: oneOf(["1", "true", "yes", "0", "false", "no", ""], lower),
  [BF16_VARIABLE]: oneOf(["1", "teacher", "0", ""]),
  KDLAB_ONEDNN_ROUTE: oneOf(["1", "0", ""]),
  KDLAB_ONEDNN_STAND_IN_CRASH: {
    accepts: 'comma-separated convolution shape keys such as "conv 1x1/1 VALID 14x14x1024->512"',
    valid: (value) =>
      value
        .split(",")
        .map((key) => key.trim())
        .filter(Boolean)
        .every((key) => {
          try {
            parseConvShapeKey(key);
            return true;
          } catch {
            return false;
          }
        }),
  },
  KDLAB_RAY_STARTUP_S: { accepts: "a number of seconds above 0", valid: (value) => Number(value) > 0 },
  KDLAB_DATA_DIR: aPath,
  KDLAB_PYTHON: aPath,
  KDLAB_BENCH_DATA: aPath,
};

/** Every KDLAB_* variable of `env` that kdlab reads and whose value it does not accept, one line each. */
export function environmentProblems(env: NodeJS.ProcessEnv = process.env): string[] {
  const problems: string[] = [];
  for (const [name, variable] of Object.entries(KDLAB_VARIABLES)) {
    const value = env[name];
    if (value !== undefined && !variable.valid(value)) problems.push(`${name}=${JSON.stringify(value)} is not accepted; use ${variable.accepts} (or unset it)`);
  }
  return problems;
}

/** Throws, naming each variable, its value and the accepted values, where environmentProblems finds any. */
export function checkEnvironment(env: NodeJS.ProcessEnv = process.env): void {
  const problems = environmentProblems(env);
  if (problems.length > 0) throw new Error(`environment: ${problems.join("; ")}`);
}
