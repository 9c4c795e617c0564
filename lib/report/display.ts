/**
 * Inline display in tslab notebooks. A chart is ONE display output holding
 * three MIME types: the Vega-Lite spec (JupyterLab renders it), an SVG made
 * in Node (nbconvert's HTML and GitHub show it) and a text summary. tslab's
 * public `display.raw` sends one MIME type per output, so we send the
 * kernel's display message directly through the hook tslab itself uses.
 */
import { renderSvg, VegaLiteSpec } from "./svg";

export const VEGA_LITE_MIME = "application/vnd.vegalite.v5+json";

export type MimeBundle = Record<string, unknown>;

interface DisplayMessage {
  data: MimeBundle;
  metadata: Record<string, unknown>;
  transient: { display_id?: string };
}

type WriteDisplayData = (message: DisplayMessage, update: boolean) => void;

interface TslabJupyterModule {
  lastWriteDisplayData: WriteDisplayData | null;
}

/** The kernel's display writer while a tslab cell runs; undefined outside a notebook. */
function kernelWriter(): WriteDisplayData | undefined {
  try {
    // eslint-disable-next-line @typescript-eslint/no-require-imports
    const jupyter = require("tslab/dist/jupyter") as TslabJupyterModule;
    return jupyter.lastWriteDisplayData ?? undefined;
  } catch {
    return undefined;
  }
}

export function inNotebook(): boolean {
  return kernelWriter() !== undefined;
}

/**
 * Sends one output with several MIME types. With a displayId, a later call
 * with the same id replaces the output in place (live progress). Outside a
 * notebook the text/plain part goes to stdout.
 */
export function displayBundle(data: MimeBundle, options: { displayId?: string; update?: boolean } = {}): void {
  const write = kernelWriter();
  if (!write) {
    const text = data["text/plain"];
    if (typeof text === "string") console.log(text);
    return;
  }
  write({ data, metadata: {}, transient: options.displayId ? { display_id: options.displayId } : {} }, options.update ?? false);
}

export interface ChartOutput {
  spec: VegaLiteSpec;
  svg: string;
  text: string;
}

/** A one-line text summary: the chart's title, or its mark. */
function summarise(spec: VegaLiteSpec): string {
  const title = (spec as { title?: unknown }).title;
  const text = typeof title === "string" ? title : typeof title === "object" && title !== null ? String((title as { text?: unknown }).text ?? "") : "";
  return `[chart] ${text || "Vega-Lite chart"}`;
}

/** Renders the chart's three representations without displaying them. */
export async function chartOutput(spec: VegaLiteSpec, text?: string): Promise<ChartOutput> {
  return { spec, svg: await renderSvg(spec), text: text ?? summarise(spec) };
}

/** Displays a Vega-Lite chart inline as one output with all three MIME types (returns nothing, so the cell shows no echo). */
export async function showChart(spec: VegaLiteSpec, text?: string): Promise<void> {
  const output = await chartOutput(spec, text);
  displayBundle({ [VEGA_LITE_MIME]: output.spec, "image/svg+xml": output.svg, "text/plain": output.text });
}
