/**
 * An export scored again on its run's test split, in Node: the exported
 * web model (quantized weights dequantized by tfjs on load, as the page does)
 * beside the run's float32 weights, both through the experiment's own test
 * pipeline (lib/experiments/data.ts) and the model's preprocessing.
 */
import * as fs from "node:fs";
import * as tf from "@tensorflow/tfjs";
import { classificationReport, evaluateModel, pipelineSource } from "../distill/index";
import { buildExperimentData } from "../experiments/index";
import type { Preprocess } from "../models/preprocessing";
import { prepareModelConvolutions } from "../runtime/conv-routing";
import { cardMetrics, ExportEvaluation } from "./model-card";
import type { RunFolder } from "./run-folder";

/** Why the run's test split cannot be read again, or undefined when it can. */
export function testDataMissing(run: RunFolder): string | undefined {
  return fs.existsSync(run.dataset.path) ? undefined : `the run's dataset ${run.dataset.path} is not on this machine`;
}

export async function evaluateExport(run: RunFolder, exported: tf.LayersModel, float32: tf.LayersModel, preprocess: Preprocess): Promise<ExportEvaluation> {
  const started = Date.now();
  const data = await buildExperimentData(run.config, { dataDir: run.dataset.isDefault ? undefined : run.dataset.path });
  // Both run eagerly (the same shapes): where some convolutions crash oneDNN, probe them first, all at once.
  prepareModelConvolutions(float32, `${run.dir}: the exported model`);
  const positiveClass = 1;
  const evaluate = (model: tf.LayersModel) => evaluateModel(model, pipelineSource(data.pipelines.test)({ epoch: 0, seed: run.config.seed }), "test", preprocess);
  const a = await evaluate(exported);
  const b = await evaluate(float32);
  if (a.count !== b.count || a.labels.some((label, i) => label !== b.labels[i])) throw new Error(`${run.dir}: the test split came out differently for the two models`);
  const classes = a.numClasses;
  let same = 0;
  let maxDiff = 0;
  for (let i = 0; i < a.count; i++) {
    let argA = 0;
    let argB = 0;
    for (let c = 0; c < classes; c++) {
      const pa = a.probabilities[i * classes + c];
      const pb = b.probabilities[i * classes + c];
      maxDiff = Math.max(maxDiff, Math.abs(pa - pb));
      if (pa > a.probabilities[i * classes + argA]) argA = c;
      if (pb > b.probabilities[i * classes + argB]) argB = c;
    }
    if (argA === argB) same++;
  }
  return {
    count: a.count,
    exported: cardMetrics(classificationReport(a.probabilities, a.labels, classes, positiveClass)),
    float32: cardMetrics(classificationReport(b.probabilities, b.labels, classes, positiveClass)),
    agreement: same / a.count,
    maxProbabilityDifference: maxDiff,
    seconds: (Date.now() - started) / 1000,
  };
}
