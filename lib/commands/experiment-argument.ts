/** The `<experiment>` positional of `kdlab train` and `kdlab sweep`: the known names in its help and in the error when it is left out. */
import type { Argument } from "commander";
import { EXPERIMENT_NAMES } from "../experiments/index";
import { argument } from "./command";

export function experimentArgument(): Argument {
  return argument("experiment", `one of ${EXPERIMENT_NAMES.join(", ")}`, `name an experiment: ${EXPERIMENT_NAMES.join(", ")}`);
}
