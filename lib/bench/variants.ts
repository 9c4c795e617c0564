/**
 * The kdlab flavours the bench times, one row per variant: a train step and a
 * predictor for inference. Adding one (a compiled graph) is one line here;
 * the report gives every variant its own ratio column against the best peer.
 */
import * as tf from "@tensorflow/tfjs";
import { CompiledPredictor } from "../compiled/predictor";
import { createCompiledTrainStep } from "../compiled/step";
import { createEagerTrainStep, TrainStepFactory } from "../distill/step";
import { Framework } from "./schema";

/** Inference on a built model: the output for a batch, as a new tensor. */
export interface KdlabPredictor {
  predict(xs: tf.Tensor4D): Promise<tf.Tensor>;
  dispose(): void;
}

/** tfjs's own model.predict, op by op. */
export function eagerPredictor(model: tf.LayersModel): KdlabPredictor {
  return { predict: async (xs) => model.predict(xs) as tf.Tensor, dispose: () => undefined };
}

export interface KdlabVariant {
  framework: Framework;
  createStep: TrainStepFactory;
  createPredictor: (model: tf.LayersModel) => KdlabPredictor;
  /** The step the trainer uses by default (trainer.ts, step "auto"): the memory part measures this one. */
  trainerDefault?: boolean;
}

export const KDLAB_VARIANTS: readonly KdlabVariant[] = [
  { framework: "kdlab", createStep: createEagerTrainStep, createPredictor: eagerPredictor },
  { framework: "kdlab-compiled", createStep: createCompiledTrainStep, createPredictor: (model) => new CompiledPredictor(model), trainerDefault: true },
];

/** Frameworks that are kdlab's own (their names start with "kdlab"). */
export function isKdlabFramework(framework: Framework): boolean {
  return framework === "kdlab" || framework.startsWith("kdlab-");
}
