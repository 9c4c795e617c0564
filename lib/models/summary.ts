/** A model's parameter counts and layer table, as `kdlab models summary --json` prints it. */
import * as tf from "@tensorflow/tfjs";

export interface ParamCounts {
  total: number;
  trainable: number;
  nonTrainable: number;
}

export interface LayerSummary {
  name: string;
  class: string;
  /** Output shape with null for the batch axis; one shape per output for multi-output layers. */
  outputShape: (number | null)[] | (number | null)[][];
  params: number;
}

export interface ModelSummary {
  name: string;
  params: ParamCounts;
  layers: LayerSummary[];
}

const size = (weights: readonly { shape: (number | null)[] }[]): number =>
  weights.reduce((sum, w) => sum + w.shape.reduce((a: number, b) => a * (b ?? 1), 1), 0);

export function countParams(model: tf.LayersModel): ParamCounts {
  const trainable = size(model.trainableWeights);
  const nonTrainable = size(model.nonTrainableWeights);
  return { total: trainable + nonTrainable, trainable, nonTrainable };
}

export function summarizeModel(model: tf.LayersModel): ModelSummary {
  return {
    name: model.name,
    params: countParams(model),
    layers: model.layers.map((layer) => ({
      name: layer.name,
      class: layer.getClassName(),
      outputShape: layer.outputShape as LayerSummary["outputShape"],
      params: layer.countParams(),
    })),
  };
}

/** A fixed-width text table, Keras's model.summary() in spirit. */
export function formatSummary(summary: ModelSummary): string {
  const rows = summary.layers.map((l) => [`${l.name} (${l.class})`, JSON.stringify(l.outputShape).replace(/,/g, ", "), l.params.toLocaleString("en-US")]);
  const header = ["Layer (type)", "Output shape", "Params"];
  const widths = header.map((h, i) => Math.max(h.length, ...rows.map((r) => r[i].length)));
  const line = (cells: string[]): string => cells.map((c, i) => (i === 2 ? c.padStart(widths[i]) : c.padEnd(widths[i]))).join("  ");
  const rule = "─".repeat(widths.reduce((a, b) => a + b + 2, -2));
  const p = summary.params;
  return [
    `Model: ${summary.name}`,
    rule,
    line(header),
    rule,
    ...rows.map(line),
    rule,
    `Total params: ${p.total.toLocaleString("en-US")}`,
    `Trainable params: ${p.trainable.toLocaleString("en-US")}`,
    `Non-trainable params: ${p.nonTrainable.toLocaleString("en-US")}`,
  ].join("\n");
}
