/**
 * Confusion-matrix heatmap: true class down, predicted class across, each
 * cell labelled with its count. Colour shows the fraction of the true class
 * (row-normalised) so a rare class's errors are as visible as a common one's.
 */
import { VegaLiteSpec } from "../svg";
import { asSpec, checkCount, checkDistinct, ChartTitleOptions, SCHEMA, titleOf } from "./base";

export interface ConfusionMatrixOptions extends ChartTitleOptions {
  /** Side of one cell in pixels. */
  cellSize?: number;
}

const BUILDER = "confusionMatrixChart";

interface Cell {
  trueClass: string;
  predictedClass: string;
  count: number;
  /** count / (images of the true class); 0 for an empty row. */
  rowFraction: number;
  label: string;
}

function cellsOf(matrix: readonly (readonly number[])[], classNames: readonly string[]): Cell[] {
  if (matrix.length !== classNames.length) throw new Error(`${BUILDER}: the matrix has ${matrix.length} rows but there are ${classNames.length} class names`);
  checkDistinct(classNames, BUILDER, "classes");
  const cells: Cell[] = [];
  matrix.forEach((row, i) => {
    if (row.length !== classNames.length) throw new Error(`${BUILDER}: row ${i} (${classNames[i]}) has ${row.length} columns, expected ${classNames.length}`);
    const counts = row.map((value, j) => checkCount(value, BUILDER, `count [${classNames[i]}][${classNames[j]}]`));
    const total = counts.reduce((a, b) => a + b, 0);
    counts.forEach((count, j) => {
      const rowFraction = total === 0 ? 0 : count / total;
      cells.push({ trueClass: classNames[i], predictedClass: classNames[j], count, rowFraction, label: String(count) });
    });
  });
  return cells;
}

/** matrix[true][predicted] counts as a heatmap with the counts written in the cells. */
export function confusionMatrixChart(matrix: readonly (readonly number[])[], classNames: readonly string[], options: ConfusionMatrixOptions = {}): VegaLiteSpec {
  const cells = cellsOf(matrix, classNames);
  if (cells.length === 0) throw new Error(`${BUILDER}: the matrix is empty; there is nothing to draw`);
  const step = options.cellSize ?? Math.max(36, Math.min(80, Math.floor(480 / classNames.length)));
  const order = [...classNames];
  return asSpec({
    $schema: SCHEMA,
    title: titleOf("Confusion matrix", options),
    data: { values: cells },
    width: { step },
    height: { step },
    encoding: {
      x: { field: "predictedClass", type: "nominal", title: "predicted class", sort: order, axis: { labelAngle: classNames.length > 4 ? -45 : 0, orient: "bottom" } },
      y: { field: "trueClass", type: "nominal", title: "true class", sort: order },
    },
    layer: [
      {
        mark: { type: "rect", stroke: "white", strokeWidth: 1 },
        encoding: {
          // Viridis is perceptually uniform and readable with colour-vision deficiencies.
          color: { field: "rowFraction", type: "quantitative", title: "fraction of true class", scale: { scheme: "viridis", domain: [0, 1] }, legend: { format: ".0%", titleLimit: 400 } },
          tooltip: [{ field: "trueClass", title: "true" }, { field: "predictedClass", title: "predicted" }, { field: "count", title: "count" }, { field: "rowFraction", title: "fraction of true class", format: ".1%" }],
        },
      },
      {
        mark: { type: "text", fontSize: step >= 48 ? 13 : 11, fontWeight: "bold" },
        encoding: {
          text: { field: "label", type: "nominal" },
          // Light text on the dark (low) end of viridis, dark text on the bright end.
          color: { condition: { test: "datum.rowFraction < 0.6", value: "white" }, value: "black" },
        },
      },
    ],
  });
}
