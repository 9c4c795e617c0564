/**
 * Optimizer updates as graph ops, matching tfjs's optimizers (optimizers.ts)
 * so a run can move between the compiled and the eager step:
 * - SGD with momentum: ResourceApplyMomentum, v ← m·v + g, w ← w − lr·v
 *   (Nesterov: w ← w − lr·(g + m·v)), tfjs's MomentumOptimizer exactly;
 * - Adam: ResourceApplyAdam with ε·√(1 − β₂ᵗ), which turns TensorFlow's
 *   ε placement into tfjs's (ε added to the bias-corrected √v̂). β₁ᵗ, β₂ᵗ and
 *   lr are fed each step.
 * Slots are resource variables, initialised and read like the model's.
 */
import { OptimizerConfig } from "../optimizers";
import { DT, OperationHandle, OutputRef } from "../../graph/binding";
import { attr, GraphBuilder } from "../../graph/graph";
import { GraphVariable } from "../../graph/model-graph";

export interface SlotVariable {
  /** tfjs slot name: `<variable>/momentum`, `<variable>/m`, `<variable>/v`. */
  name: string;
  shape: number[];
  handle: OutputRef;
  read: OutputRef;
  initValue: OutputRef;
  initAssign: OperationHandle;
}

export interface OptimizerGraph {
  learningRate: OutputRef;
  /** Adam only: β₁ᵗ and β₂ᵗ of this step. */
  beta1Power?: OutputRef;
  beta2Power?: OutputRef;
  /** Per trainable variable, in order: its slots (1 for SGD, m and v for Adam). */
  slots: SlotVariable[][];
  updates: OperationHandle[];
}

function slotVariable(g: GraphBuilder, variable: GraphVariable, suffix: string, index: number): SlotVariable {
  const name = `${variable.weight.name}/${suffix}`;
  const graphName = `optimizer/${index}_${suffix}`;
  const { handle, read } = g.variable(variable.shape, graphName);
  const initValue = g.placeholder(DT.float32, variable.shape, `${graphName}/init_value`);
  return { name, shape: variable.shape, handle, read, initValue, initAssign: g.assign(handle, initValue) };
}

/** Update ops for `variables` from `gradients`, each after `after` (the step's reads). */
export function buildOptimizerGraph(g: GraphBuilder, config: OptimizerConfig, variables: GraphVariable[], gradients: OutputRef[], after: OperationHandle): OptimizerGraph {
  const learningRate = g.placeholder(DT.float32, [], "optimizer/learning_rate");
  const F32 = attr.type("T", DT.float32);
  const control = [after];
  if (config.kind === "sgd") {
    const momentum = g.scalar(config.momentum ?? 0);
    const slots = variables.map((v, i) => [slotVariable(g, v, "momentum", i)]);
    const updates = variables.map((v, i) =>
      g.operation("ResourceApplyMomentum", [v.handle, slots[i][0].handle, learningRate, gradients[i], momentum], [F32, attr.bool("use_locking", false), attr.bool("use_nesterov", config.nesterov ?? false)], { control }),
    );
    return { learningRate, slots, updates };
  }
  const beta1 = config.beta1 ?? 0.9;
  const beta2 = config.beta2 ?? 0.999;
  const epsilon = config.epsilon ?? 1e-7;
  const beta1Power = g.placeholder(DT.float32, [], "optimizer/beta1_power");
  const beta2Power = g.placeholder(DT.float32, [], "optimizer/beta2_power");
  const scaledEpsilon = g.mul(g.scalar(epsilon), g.sqrt(g.sub(g.scalar(1), beta2Power)));
  const slots = variables.map((v, i) => [slotVariable(g, v, "m", i), slotVariable(g, v, "v", i)]);
  const updates = variables.map((v, i) =>
    g.operation("ResourceApplyAdam", [v.handle, slots[i][0].handle, slots[i][1].handle, beta1Power, beta2Power, learningRate, g.scalar(beta1), g.scalar(beta2), scaledEpsilon, gradients[i]], [F32, attr.bool("use_locking", false), attr.bool("use_nesterov", false)], { control }),
  );
  return { learningRate, beta1Power, beta2Power, slots, updates };
}
