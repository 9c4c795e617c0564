/**
 * A distillation method's loss (lib/distill/methods) inside a TensorFlow
 * graph: the method gets the logits and tapped features as graph values and
 * builds its loss from them; an extra part it applies (FitNets' regressor) is
 * emitted into the same graph the first time, in training mode, and its
 * variables returned so the train step optimises them with the student's.
 */
import type { DistillationMethod, GraphLossInput } from "../methods/method";
import { OutputRef } from "../../graph/binding";
import { GraphBuilder } from "../../graph/graph";
import { buildModelGraph, ModelGraph } from "../../graph/model-graph";

export interface MethodGraphOptions {
  /** Bake the parts' weights in as constants (a test evaluating the loss); variables otherwise. */
  constantParts?: boolean;
  /** int32 [2] dropout seed, for parts with Dropout. */
  dropoutSeed?: OutputRef;
  /** model-graph.ts's evenInputChannels for the parts (bf16 training graphs). */
  evenInputChannels?: boolean;
}

export interface MethodGraph {
  loss: OutputRef;
  /** The graphs of the parts the loss applied, by part index (undefined for a part it did not use). */
  parts: (ModelGraph | undefined)[];
}

/** `method.lossGraph` with `applyPart` wired up; throws `method.notCompiled` when the method has no graph. */
export function methodLossGraph(g: GraphBuilder, method: DistillationMethod, input: Omit<GraphLossInput, "g" | "applyPart">, options: MethodGraphOptions = {}): MethodGraph {
  if (!method.lossGraph) throw new Error(`distillation method ${method.name} has no compiled loss: ${method.notCompiled ?? "not given"}`);
  const parts: (ModelGraph | undefined)[] = method.parts.map(() => undefined);
  const applyPart = (index: number, value: OutputRef): OutputRef => {
    const model = method.parts[index];
    if (!model) throw new Error(`distillation method ${method.name}: it has no part ${index} (it has ${method.parts.length})`);
    if (parts[index]) throw new Error(`distillation method ${method.name}: part ${index} applied twice (each part is applied to one value)`);
    const built = buildModelGraph(g, model, { training: true, prefix: `part${index}`, input: value, constantWeights: options.constantParts, dropoutSeed: options.dropoutSeed, evenInputChannels: options.evenInputChannels });
    parts[index] = built;
    return built.output;
  };
  const loss = g.scope("distillation", () => (method.lossGraph as NonNullable<DistillationMethod["lossGraph"]>)({ ...input, g, applyPart }));
  return { loss, parts };
}
