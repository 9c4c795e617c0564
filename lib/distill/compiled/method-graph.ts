/**
 * The training objective (objective.ts: the hard-label term plus a
 * distillation method's named terms) inside a TensorFlow graph: the loss
 * code runs on the graph loss ops (lib/graph/loss-ops-graph.ts) with the
 * logits and tapped features as graph values; an extra part the method
 * applies (FitNets' regressor) is emitted into the same graph the first
 * time, in training mode, and its variables returned so the train step
 * optimises them with the student's.
 */
import { OutputRef } from "../../graph/binding";
import { GraphBuilder } from "../../graph/graph";
import { graphOps } from "../../graph/loss-ops-graph";
import { buildModelGraph, ModelGraph } from "../../graph/model-graph";
import type { DistillationMethod, LossInput } from "../methods/method";
import { hardLabelWeightFor, objective, Objective } from "../objective";

export interface MethodGraphOptions {
  /** Bake the parts' weights in as constants (a test evaluating the loss); variables otherwise. */
  constantParts?: boolean;
  /** int32 [2] dropout seed, for parts with Dropout. */
  dropoutSeed?: OutputRef;
  /** model-graph.ts's evenInputChannels for the parts (bf16 training graphs). */
  evenInputChannels?: boolean;
  /** The hard-label term's weight; default the method's (1 without one). */
  hardLabelWeight?: number;
}

export interface ObjectiveGraph extends Objective<OutputRef> {
  /** The graphs of the parts the loss applied, by part index (undefined for a part it did not use). */
  parts: (ModelGraph | undefined)[];
}

/** The objective's total and terms as graph ops of `g`, with the method's `applyPart` wired up. */
export function objectiveGraph(g: GraphBuilder, method: DistillationMethod | undefined, input: Omit<LossInput<OutputRef>, "ops" | "applyPart">, options: MethodGraphOptions = {}): ObjectiveGraph {
  const parts: (ModelGraph | undefined)[] = (method?.parts ?? []).map(() => undefined);
  const applyPart = (index: number, value: OutputRef): OutputRef => {
    const model = method?.parts[index];
    if (!method || !model) throw new Error(`distillation method ${method?.name}: it has no part ${index} (it has ${method?.parts.length ?? 0})`);
    if (parts[index]) throw new Error(`distillation method ${method.name}: part ${index} applied twice (each part is applied to one value)`);
    const built = buildModelGraph(g, model, { training: true, prefix: `part${index}`, input: value, constantWeights: options.constantParts, dropoutSeed: options.dropoutSeed, evenInputChannels: options.evenInputChannels });
    parts[index] = built;
    return built.output;
  };
  const built = objective(method, { ...input, ops: graphOps(g), applyPart }, options.hardLabelWeight ?? hardLabelWeightFor(method));
  return { ...built, parts };
}
