/**
 * The kdlab flavours the bench times, one row per variant: a train step, a
 * predictor for inference and the square matmul its FLOP share is taken
 * against. Adding one (a compiled graph) is one line here; the report gives
 * every variant its own ratio column against the best peer of its precision.
 * The bf16 variant (KDLAB_BF16's rewrite, given directly) runs only where
 * oneDNN has bf16 kernels in this process (benchVariants). Shared by the
 * speed part (every variant timed) and the memory part (the trainer's
 * default variant trained).
 */
import * as tf from "@tensorflow/tfjs";
import { bf16Unavailable, ComputePrecision } from "../../lib/runtime/precision";
import { CompiledPredictor } from "../../lib/distill/compiled/predictor";
import { createCompiledTrainStep } from "../../lib/distill/compiled/step";
import { createEagerTrainStep, TrainStepFactory } from "../../lib/distill/step";
import { timeCompiledMatmul } from "./compiled-matmul";
import { timeEagerMatmul } from "./eager-matmul";
import { BF16_SUFFIX, Framework } from "./framework";
import { StepPlan, Timing } from "./timing";

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
  /** An n² matmul on this variant's own path, in its precision: its attainable rate. */
  timeMatmul: (n: number, plan: StepPlan) => Promise<Timing>;
  /** The step the trainer uses by default (lib/distill/trainer.ts, step "auto"): the memory part measures this one. */
  trainerDefault?: boolean;
  precision: ComputePrecision;
}

/** The compiled step, predictor and matmul in one precision, whatever KDLAB_BF16 says. */
function compiledVariant(framework: Framework, precision: ComputePrecision): Omit<KdlabVariant, "trainerDefault"> {
  return {
    framework,
    createStep: (spec) => createCompiledTrainStep({ ...spec, precision }),
    createPredictor: (model) => new CompiledPredictor(model, { precision }),
    timeMatmul: (n, plan) => timeCompiledMatmul(n, plan, precision),
    precision,
  };
}

export const KDLAB_VARIANTS: readonly KdlabVariant[] = [
  { framework: "kdlab", createStep: createEagerTrainStep, createPredictor: eagerPredictor, timeMatmul: timeEagerMatmul, precision: "float32" },
  { ...compiledVariant("kdlab-compiled", "float32"), trainerDefault: true },
  compiledVariant(`kdlab-compiled${BF16_SUFFIX}`, "bf16 mixed"),
];

/** The variants a bench times: the float32 ones, and the bf16 one where asked and oneDNN has bf16 kernels here (lib/runtime/precision.ts's bf16Unavailable). */
export function benchVariants(bf16: boolean): KdlabVariant[] {
  const withBf16 = bf16 && bf16Unavailable() === undefined;
  return KDLAB_VARIANTS.filter((v) => v.precision === "float32" || withBf16);
}
