/**
 * The kdlab train steps the bench times, one row per variant. Adding a step
 * implementation (a compiled graph) is one line here; the report gives every
 * variant its own ratio column against the best peer.
 */
import { createCompiledTrainStep } from "../compiled/step";
import { createEagerTrainStep, TrainStepFactory } from "../distill/step";
import { Framework } from "./schema";

export interface KdlabVariant {
  framework: Framework;
  createStep: TrainStepFactory;
  /** The step the trainer uses by default (trainer.ts, step "auto"): the memory part measures this one. */
  trainerDefault?: boolean;
}

export const KDLAB_VARIANTS: readonly KdlabVariant[] = [
  { framework: "kdlab", createStep: createEagerTrainStep },
  { framework: "kdlab-compiled", createStep: createCompiledTrainStep, trainerDefault: true },
];

/** Frameworks that are kdlab's own (their names start with "kdlab"). */
export function isKdlabFramework(framework: Framework): boolean {
  return framework === "kdlab" || framework.startsWith("kdlab-");
}
