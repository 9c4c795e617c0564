/**
 * Child of routing.test.ts: one MobileNetV2 student at 32 px through every
 * path that runs a model — eager forward, eager gradients (the eager train
 * step), the compiled train step, the compiled predictor, Grad-CAM — and
 * writes what each computed to --results=FILE, so the parent can compare a
 * routed run with an unrouted one and read oneDNN's log of the routed one.
 * `--shapes` only lists the model's convolution shapes (the parent picks the
 * stand-in from them).
 */
import * as fs from "node:fs";
import * as tf from "@tensorflow/tfjs";
import { initBackend } from "../../lib/backend";
import { buildModel } from "../../lib/models/registry";
import { modelConvShapes } from "../../lib/conv-route/model-shapes";
import { convShapeKey } from "../../lib/conv-route/shape";
import { createOptimizer, disposeOptimizer, OptimizerConfig } from "../../lib/distill/optimizers";
import { createEagerTrainStep, TrainStep, TrainStepSpec } from "../../lib/distill/step";
import { createCompiledTrainStep } from "../../lib/compiled/step";
import { CompiledPredictor } from "../../lib/compiled/predictor";
import { gradCam } from "../../lib/explain/gradcam";
import { fixedBatches } from "../compiled/equivalence";

export interface RouteChildResult {
  backend: string;
  shapes: string[];
  eagerLogits: number[];
  compiledLogits: number[];
  eagerLosses: number[];
  compiledLosses: number[];
  /** Sum of squares of each trainable weight after the eager steps (what the gradients did). */
  eagerWeights: number[];
  compiledWeights: number[];
  heatmap: number[];
}

const OPTIMIZER: OptimizerConfig = { kind: "sgd", lr: 0.01 };

async function train(create: (spec: TrainStepSpec) => TrainStep, batches: ReturnType<typeof fixedBatches>): Promise<{ losses: number[]; weights: number[] }> {
  const model = await buildModel("pneumonia-student-final", { inputSize: 32 });
  const optimizer = createOptimizer(OPTIMIZER);
  const step = create({ model, optimizer, optimizerConfig: OPTIMIZER });
  const losses: number[] = [];
  for (let i = 0; i < 3; i++) {
    const batch = batches[i % batches.length];
    losses.push((await step.run({ xs: batch.xs, labels: batch.labels }, { learningRate: OPTIMIZER.lr, seed: 100 + i })).loss);
  }
  await step.syncToModel?.({ optimizer: false });
  step.dispose();
  disposeOptimizer(optimizer);
  const weights = model.trainableWeights.map((w) => tf.tidy(() => tf.sum(tf.square(w.read())).dataSync()[0]));
  model.dispose();
  return { losses, weights };
}

async function main(): Promise<void> {
  const results = process.argv.find((a) => a.startsWith("--results="))?.slice("--results=".length);
  if (!results) throw new Error("route-child: --results=FILE is required");
  const info = await initBackend();
  const model = await buildModel("pneumonia-student-final", { inputSize: 32 });
  const shapes = [...new Set(modelConvShapes(model).map(convShapeKey))];
  if (process.argv.includes("--shapes")) {
    fs.writeFileSync(results, JSON.stringify({ backend: info.line, shapes }));
    return;
  }
  const batches = fixedBatches(model, 2, 16, 5);
  const eagerLogits = Array.from((model.predict(batches[0].xs) as tf.Tensor).dataSync());
  const predictor = new CompiledPredictor(model);
  const compiledLogits = Array.from((await predictor.predict(batches[0].xs)).dataSync());
  predictor.dispose();
  const cam = await gradCam(model, batches[0].xs.slice([0, 0, 0, 0], [2, -1, -1, -1]) as tf.Tensor4D);
  const heatmap = Array.from(cam.heatmaps.dataSync());
  const eager = await train(createEagerTrainStep, batches);
  const compiled = await train(createCompiledTrainStep, batches);
  const result: RouteChildResult = { backend: info.line, shapes, eagerLogits, compiledLogits, eagerLosses: eager.losses, compiledLosses: compiled.losses, eagerWeights: eager.weights, compiledWeights: compiled.weights, heatmap };
  fs.writeFileSync(results, JSON.stringify(result));
}

main().catch((error: unknown) => {
  console.error(error);
  process.exit(1);
});
