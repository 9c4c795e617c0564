/** Test helper: compiles a spec with vega-lite (failing on any warning), renders it to SVG and reads the SVG back with an XML parser. */
import * as vegaLite from "vega-lite";
import { renderSvg, VegaLiteSpec } from "../../lib/report/svg";
import { parseSvg, ParsedSvg } from "./svg-check";

export interface RenderedChart extends ParsedSvg {
  svg: string;
}

/** vega-lite reports unusable encodings as warnings and drops them; a test treats them as failures. */
export function compileWithoutWarnings(spec: VegaLiteSpec): void {
  const warnings: string[] = [];
  const logger = {
    level(): number {
      return 2;
    },
    error(...args: readonly unknown[]) {
      throw new Error(args.map(String).join(" "));
    },
    warn(...args: readonly unknown[]) {
      warnings.push(args.map(String).join(" "));
      return logger;
    },
    info() {
      return logger;
    },
    debug() {
      return logger;
    },
  };
  vegaLite.compile(spec, { logger: logger as unknown as NonNullable<Parameters<typeof vegaLite.compile>[1]>["logger"] });
  if (warnings.length > 0) throw new Error(`vega-lite warnings: ${warnings.join("; ")}`);
}

export async function renderChart(spec: VegaLiteSpec): Promise<RenderedChart> {
  // The spec must survive JSON, as it does in a notebook output.
  const roundTripped = JSON.parse(JSON.stringify(spec)) as VegaLiteSpec;
  compileWithoutWarnings(roundTripped);
  const svg = await renderSvg(roundTripped);
  return { svg, ...parseSvg(svg) };
}
