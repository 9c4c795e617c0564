/** The parts of the Jupyter notebook format (nbformat 4) kdlab reads and writes. */
import * as fs from "node:fs";

export interface Output {
  output_type: "stream" | "display_data" | "execute_result" | "error" | "update_display_data";
  name?: string;
  text?: string | string[];
  data?: Record<string, unknown>;
  metadata?: Record<string, unknown>;
  ename?: string;
  evalue?: string;
  traceback?: string[];
  execution_count?: number | null;
}

export interface CodeCell {
  cell_type: "code";
  source: string | string[];
  metadata: Record<string, unknown>;
  outputs: Output[];
  execution_count: number | null;
  id?: string;
}

export interface TextCell {
  cell_type: "markdown" | "raw";
  source: string | string[];
  metadata: Record<string, unknown>;
  id?: string;
}

export type Cell = CodeCell | TextCell;

export interface Notebook {
  cells: Cell[];
  metadata: Record<string, unknown>;
  nbformat: number;
  nbformat_minor: number;
}

export function cellSource(cell: Cell): string {
  return Array.isArray(cell.source) ? cell.source.join("") : cell.source;
}

export function cellTags(cell: Cell): string[] {
  const tags = cell.metadata.tags;
  return Array.isArray(tags) ? tags.filter((t): t is string => typeof t === "string") : [];
}

export function readNotebook(file: string): Notebook {
  let parsed: unknown;
  try {
    parsed = JSON.parse(fs.readFileSync(file, "utf8"));
  } catch (error) {
    throw new Error(`${file}: not a readable notebook (${(error as Error).message})`);
  }
  const notebook = parsed as Partial<Notebook>;
  if (!Array.isArray(notebook.cells) || notebook.nbformat !== 4) throw new Error(`${file}: not an nbformat 4 notebook`);
  return notebook as Notebook;
}

export function writeNotebook(file: string, notebook: Notebook): void {
  fs.writeFileSync(file, `${JSON.stringify(notebook, null, 1)}\n`);
}

/** Every output of every code cell, with the cell's position. */
export function outputsOf(notebook: Notebook): { cellIndex: number; output: Output }[] {
  const found: { cellIndex: number; output: Output }[] = [];
  notebook.cells.forEach((cell, cellIndex) => {
    if (cell.cell_type === "code") for (const output of cell.outputs) found.push({ cellIndex, output });
  });
  return found;
}
