/**
 * Executes a notebook headless on the kdlab kernel: injects parameters,
 * runs every cell through nbclient, saves the executed notebook and exports
 * HTML with nbconvert. A failing cell fails the run, naming the cell.
 */
import { spawn } from "node:child_process";
import * as fs from "node:fs";
import * as path from "node:path";
import { Notebook, Output, cellSource, outputsOf, readNotebook, writeNotebook } from "./notebook-file";
import { Parameters, injectParameters } from "./parameters";
import { projectPython } from "./python";
import { PROJECT_ROOT } from "../runtime/paths";

export interface RunNotebookOptions {
  /** Where the executed notebook goes (default: beside the input, `.executed.ipynb`). */
  output?: string;
  /** Also export HTML here. */
  html?: string;
  parameters?: Parameters;
  kernel?: string;
  /** Seconds a single cell may run; default the notebook's metadata kdlab.cellTimeoutSeconds, else 1800. */
  cellTimeout?: number;
  /** Called with each line the executor prints on stderr (kernel logs). */
  onLog?: (line: string) => void;
}

export interface NotebookRun {
  input: string;
  output: string;
  html?: string;
  notebook: Notebook;
  seconds: number;
}

interface ExecutorResult {
  ok: boolean;
  cell?: number;
  ename?: string;
  evalue?: string;
  traceback?: string[];
}

/** Strips ANSI colour codes from tracebacks. */
function plain(text: string): string {
  // eslint-disable-next-line no-control-regex
  return text.replace(/\u001b\[[0-9;]*m/g, "");
}

export class NotebookCellError extends Error {
  constructor(
    readonly notebookPath: string,
    /** 0-based cell index in the executed notebook. */
    readonly cellIndex: number,
    readonly ename: string,
    readonly evalue: string,
    readonly source: string,
    readonly executedPath: string,
  ) {
    const firstLine = source.split("\n").find((l) => l.trim() !== "") ?? "";
    super(`${notebookPath}: cell ${cellIndex + 1} failed: ${ename}: ${evalue}\n  cell ${cellIndex + 1} begins: ${firstLine.trim()}\n  executed notebook with the error output: ${executedPath}`);
    this.name = "NotebookCellError";
  }
}

export async function runNotebook(input: string, options: RunNotebookOptions = {}): Promise<NotebookRun> {
  const started = Date.now();
  const inputPath = path.resolve(input);
  const output = path.resolve(options.output ?? inputPath.replace(/\.ipynb$/, ".executed.ipynb"));
  const html = options.html ? path.resolve(options.html) : undefined;
  const prepared = injectParameters(readNotebook(inputPath), options.parameters ?? {}, inputPath);
  fs.mkdirSync(path.dirname(output), { recursive: true });
  if (html) fs.mkdirSync(path.dirname(html), { recursive: true });
  writeNotebook(output, prepared);

  const script = path.join(PROJECT_ROOT, "lib", "notebook", "execute.py");
  // A notebook whose one cell trains many models (07: every method × seed × task) raises its own limit.
  const declared = (prepared.metadata?.kdlab as { cellTimeoutSeconds?: unknown } | undefined)?.cellTimeoutSeconds;
  const cellTimeout = options.cellTimeout ?? (typeof declared === "number" && declared > 0 ? declared : 1800);
  const args = [script, output, "--kernel", options.kernel ?? "kdlab", "--timeout", String(cellTimeout), "--cwd", path.dirname(inputPath)];
  if (html) args.push("--html", html);
  const { code, stdout, stderr } = await new Promise<{ code: number | null; stdout: string; stderr: string }>((resolve, reject) => {
    const child = spawn(projectPython(), args, { cwd: PROJECT_ROOT, env: { ...process.env, PYDEVD_DISABLE_FILE_VALIDATION: "1" } });
    let out = "";
    let err = "";
    child.stdout.on("data", (chunk: Buffer) => (out += chunk.toString()));
    child.stderr.on("data", (chunk: Buffer) => {
      err += chunk.toString();
      if (options.onLog) for (const line of chunk.toString().split("\n")) if (line.trim()) options.onLog(line);
    });
    child.on("error", reject);
    child.on("close", (exitCode) => resolve({ code: exitCode, stdout: out, stderr: err }));
  });
  const lastLine = stdout.trim().split("\n").pop() ?? "";
  let result: ExecutorResult;
  try {
    result = JSON.parse(lastLine) as ExecutorResult;
  } catch {
    throw new Error(`${inputPath}: the notebook executor exited ${code} without a result\n${stderr.split("\n").slice(-15).join("\n")}`);
  }
  const executed = readNotebook(output);
  if (!result.ok) {
    const index = result.cell ?? -1;
    if (index < 0) throw new Error(`${inputPath}: the kdlab kernel could not run the notebook: ${result.ename}: ${result.evalue}`);
    throw new NotebookCellError(inputPath, index, result.ename ?? "Error", plain(result.evalue ?? ""), cellSource(executed.cells[index]), output);
  }
  return { input: inputPath, output, html, notebook: executed, seconds: (Date.now() - started) / 1000 };
}

/** A JS error or a TypeScript diagnostic as tslab prints them on stderr. */
const STDERR_ERROR = /^\s*(\w*Error\b.*:|\d+:\d+ - )/m;

/**
 * Error outputs anywhere in an executed notebook: "error" outputs, and stderr
 * text that holds a thrown error or a compile diagnostic (tslab's form).
 */
export function errorOutputs(notebook: Notebook): { cellIndex: number; output: Output }[] {
  return outputsOf(notebook).filter(({ output }) => {
    if (output.output_type === "error") return true;
    if (output.output_type !== "stream" || output.name !== "stderr") return false;
    return STDERR_ERROR.test(Array.isArray(output.text) ? output.text.join("") : output.text ?? "");
  });
}

/** A MIME value as one string (nbformat may store text as a list of lines). */
export function mimeText(value: unknown): string | undefined {
  if (typeof value === "string") return value;
  if (Array.isArray(value) && value.every((v) => typeof v === "string")) return value.join("");
  return undefined;
}
