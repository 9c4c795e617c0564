/**
 * Papermill-style parameters for TypeScript notebooks: after the cell tagged
 * `parameters`, a cell tagged `injected-parameters` redeclares the given
 * names as `const`s (tslab lets a later cell redeclare a name).
 */
import { CodeCell, Notebook, cellSource, cellTags } from "./notebook-file";

export type ParameterValue = string | number | boolean | null | ParameterValue[] | { [key: string]: ParameterValue };
export type Parameters = Record<string, ParameterValue>;

export const PARAMETERS_TAG = "parameters";
export const INJECTED_TAG = "injected-parameters";

const IDENTIFIER = /^[A-Za-z_$][A-Za-z0-9_$]*$/;
const DECLARATION = /(?:^|[\s;])(?:export\s+)?(?:const|let|var)\s+([A-Za-z_$][A-Za-z0-9_$]*)/g;

/** A value as a TypeScript literal; JSON is valid TypeScript for every ParameterValue. */
export function toTypeScriptLiteral(value: ParameterValue): string {
  if (typeof value === "number" && !Number.isFinite(value)) throw new Error(`parameter value ${value} is not a finite number`);
  return JSON.stringify(value);
}

/** Names declared at the top of a cell's source. */
export function declaredNames(source: string): string[] {
  const withoutComments = source.replace(/\/\*[\s\S]*?\*\//g, "").replace(/\/\/.*$/gm, "");
  return [...withoutComments.matchAll(DECLARATION)].map((m) => m[1]);
}

/** Turns `key=value` strings into parameters: numbers, booleans and null are parsed, JSON objects/arrays too, anything else is a string. */
export function parseParameterAssignments(assignments: readonly string[]): Parameters {
  const result: Parameters = {};
  for (const assignment of assignments) {
    const eq = assignment.indexOf("=");
    if (eq <= 0) throw new Error(`parameter "${assignment}" is not of the form name=value`);
    const name = assignment.slice(0, eq).trim();
    const raw = assignment.slice(eq + 1).trim();
    let value: ParameterValue = raw;
    if (/^-?\d+(\.\d+)?([eE][-+]?\d+)?$/.test(raw)) value = Number(raw);
    else if (raw === "true" || raw === "false") value = raw === "true";
    else if (raw === "null") value = null;
    else if (/^[[{"]/.test(raw)) value = JSON.parse(raw) as ParameterValue;
    result[name] = value;
  }
  return result;
}

/**
 * Returns a copy of the notebook with the injected-parameters cell placed
 * right after the `parameters` cell (replacing an earlier injection). Every
 * name must be declared in the parameters cell: a misspelt name is an error,
 * not a silently ignored setting.
 */
export function injectParameters(notebook: Notebook, parameters: Parameters, notebookPath: string): Notebook {
  const names = Object.keys(parameters);
  const cells = notebook.cells.filter((cell) => !cellTags(cell).includes(INJECTED_TAG));
  if (names.length === 0) return { ...notebook, cells };
  const index = cells.findIndex((cell) => cell.cell_type === "code" && cellTags(cell).includes(PARAMETERS_TAG));
  if (index < 0) throw new Error(`${notebookPath}: no code cell is tagged "${PARAMETERS_TAG}", so parameters ${names.join(", ")} cannot be injected`);
  const declared = declaredNames(cellSource(cells[index]));
  for (const name of names) {
    if (!IDENTIFIER.test(name)) throw new Error(`${notebookPath}: parameter name "${name}" is not a TypeScript identifier`);
  }
  const unknown = names.filter((name) => !declared.includes(name));
  if (unknown.length > 0) {
    throw new Error(`${notebookPath}: unknown parameter(s) ${unknown.join(", ")}; the parameters cell declares ${declared.join(", ") || "nothing"}`);
  }
  const lines = ["// Parameters injected by kdlab's notebook runner", ...names.map((name) => `const ${name} = ${toTypeScriptLiteral(parameters[name])};`)];
  const injected: CodeCell = {
    cell_type: "code",
    execution_count: null,
    metadata: { tags: [INJECTED_TAG] },
    outputs: [],
    source: lines.join("\n"),
  };
  return { ...notebook, cells: [...cells.slice(0, index + 1), injected, ...cells.slice(index + 1)] };
}
