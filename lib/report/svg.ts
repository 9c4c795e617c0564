/** Renders a Vega-Lite spec to SVG in Node (no browser), so exported reports and GitHub show charts. */
import * as vega from "vega";
import * as vegaLite from "vega-lite";

/** Any Vega-Lite top-level spec; kept loose because charts.ts builds them as plain data. */
export type VegaLiteSpec = vegaLite.TopLevelSpec;

export async function renderSvg(spec: VegaLiteSpec): Promise<string> {
  const compiled = vegaLite.compile(spec).spec;
  const view = new vega.View(vega.parse(compiled), { renderer: "none" });
  try {
    return await view.toSVG();
  } finally {
    view.finalize();
  }
}
