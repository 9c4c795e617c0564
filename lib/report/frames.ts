/**
 * danfojs DataFrames as chart rows. Only danfo's types are imported here:
 * loading danfojs-node loads tfjs-node, which must wait until lib/runtime/backend.ts
 * has chosen the oneDNN setting, and reading a frame needs no module code.
 */
import type * as Danfo from "danfojs-node";
import { Row } from "./charts/base";

type Cell = Row[string];

function cellOf(value: unknown, column: string, index: number): Cell {
  if (value === null || value === undefined) return null;
  if (typeof value === "number") return Number.isFinite(value) ? value : null;
  if (typeof value === "string" || typeof value === "boolean") return value;
  throw new Error(`rowsOfFrame: column "${column}" row ${index} holds a ${typeof value}, which a chart cannot show`);
}

/** One plain object per DataFrame row, keyed by column name (NaN and missing values become null, as JSON would). */
export function rowsOfFrame(frame: Danfo.DataFrame): Row[] {
  const columns = frame.columns.map(String);
  const values = frame.values as unknown[][];
  return values.map((line, index) => {
    const row: Row = {};
    columns.forEach((column, c) => {
      row[column] = cellOf(line[c], column, index);
    });
    return row;
  });
}
