/** Images per class in each split, as grouped bars: is any class rare, and is the balance the same in every split? */
import { VegaLiteSpec } from "../svg";
import { asSpec, checkCount, checkNonEmpty, ChartTitleOptions, palette, SCHEMA, titleOf } from "./base";

export interface ClassBalanceRow {
  split: string;
  class: string;
  count: number;
}

export interface ClassBalanceOptions extends ChartTitleOptions {
  height?: number;
}

const BUILDER = "classBalance";

export function classBalance(rows: readonly ClassBalanceRow[], options: ClassBalanceOptions = {}): VegaLiteSpec {
  checkNonEmpty(rows, BUILDER, "rows");
  const seen = new Set<string>();
  const values = rows.map((row, index) => {
    const key = `${row.split}\u0000${row.class}`;
    if (seen.has(key)) throw new Error(`${BUILDER}: split "${row.split}", class "${row.class}" appears twice (row ${index})`);
    seen.add(key);
    return { split: String(row.split), class: String(row.class), count: checkCount(row.count, BUILDER, `row ${index} count`) };
  });
  const splits = [...new Set(values.map((v) => v.split))];
  const classes = [...new Set(values.map((v) => v.class))];
  const x = { field: "class", type: "nominal", title: "class", sort: classes, axis: { labelAngle: classes.length > 4 ? -45 : 0 } };
  const xOffset = { field: "split", type: "nominal", sort: splits };
  const y = { field: "count", type: "quantitative", title: "images (count)" };
  return asSpec({
    $schema: SCHEMA,
    title: titleOf("Class balance per split", options),
    data: { values },
    // The step is per bar (xOffset), so wide groups come from many splits, not wide bars.
    width: { step: 28, for: "offset" },
    height: options.height ?? 240,
    encoding: { x, xOffset, y },
    layer: [
      {
        mark: { type: "bar" },
        encoding: {
          color: { field: "split", type: "nominal", title: "split", scale: { domain: splits, range: palette(splits.length) } },
          tooltip: [{ field: "split" }, { field: "class" }, { field: "count" }],
        },
      },
      { mark: { type: "text", baseline: "bottom", dy: -2, fontSize: 10 }, encoding: { text: { field: "count", type: "quantitative" } } },
    ],
  });
}
