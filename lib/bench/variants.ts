/**
 * The kdlab flavours the bench times, one row per variant: a train step, a
 * predictor for inference and the square matmul its FLOP share is taken
 * against. Adding one (a compiled graph) is one line here; the report gives
 * every variant its own ratio column against the best peer.
 */
import * as tf from "@tensorflow/tfjs";
import { CompiledPredictor } from "../compiled/predictor";
import { createCompiledTrainStep } from "../compiled/step";
import { createEagerTrainStep, TrainStepFactory } from "../distill/step";
import { timeCompiledMatmul } from "./compiled-matmul";
import { timeEagerMatmul } from "./eager-matmul";
import { Framework } from "./schema";
import { StepPlan } from "./settings";
import { Timing } from "./timing";

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
  /** An n² FP32 matmul on this variant's own path: its attainable rate. */
  timeMatmul: (n: number, plan: StepPlan) => Promise<Timing>;
  /** The step the trainer uses by default (trainer.ts, step "auto"): the memory part measures this one. */
  trainerDefault?: boolean;
}

export const KDLAB_VARIANTS: readonly KdlabVariant[] = [
  { framework: "kdlab", createStep: createEagerTrainStep, createPredictor: eagerPredictor, timeMatmul: timeEagerMatmul },
  { framework: "kdlab-compiled", createStep: createCompiledTrainStep, createPredictor: (model) => new CompiledPredictor(model), timeMatmul: timeCompiledMatmul, trainerDefault: true },
];

/** Frameworks that are kdlab's own (their names start with "kdlab"). */
export function isKdlabFramework(framework: Framework): boolean {
  return framework === "kdlab" || framework.startsWith("kdlab-");
}
