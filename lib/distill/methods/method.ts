/**
 * What a distillation method is, to the rest of kdlab: one file under
 * lib/distill/methods/ exporting a `MethodDefinition`, plus one line in
 * methods/index.ts. The trainer, both train steps, the teacher-output cache
 * and the experiment configs only talk to this interface.
 *
 * A method
 * - declares its parameters (`params`: type, range, default, meaning), so
 *   `--set distillation.params.<name>=…` is type-checked before training;
 * - is created for a teacher/student pair (`create`), where it picks and
 *   checks the layers it reads (Keras layer names: `taps`);
 * - may own extra trainable parts (FitNets' regressor): small tf.LayersModels
 *   the trainer optimises, checkpoints and resumes with the student;
 * - gives its loss once, as named, weighted terms (`terms`, like mdistiller's
 *   {loss_ce, loss_kd}) written against the loss ops (lib/graph/loss-ops.ts):
 *   the eager step runs them on tfjs tensors, the compiled step as graph ops;
 * - says how much the hard-label cross-entropy weighs beside them by default
 *   (`hardLabelWeight`, e.g. KD's α): the objective (objective.ts) adds that
 *   term once, and the trainer owns its weight (distillation.hardLabelWeight
 *   overrides it, as Keras 3's Distiller(student_loss_weight=…)).
 */
import * as tf from "@tensorflow/tfjs";
import type { LossOps } from "../../graph/loss-ops";

export type ParamValue = number | string;

export type ParamSpec =
  | { kind: "number"; default: number; min?: number; max?: number; integer?: boolean; /** > min, not ≥ */ exclusiveMin?: boolean; doc: string }
  | { kind: "string"; default: string; doc: string };

export type MethodParams = Record<string, ParamValue>;

/** The layers whose outputs a method reads, by Keras layer name, in the order its loss receives them. */
export interface MethodTaps {
  teacher: readonly string[];
  student: readonly string[];
}

export interface MethodContext {
  teacher: tf.LayersModel;
  student: tf.LayersModel;
  numClasses: number;
  /** Seeds the initial weights of extra parts. */
  seed: number;
}

/** What a loss reads, as values V of `ops` (tfjs tensors eagerly, graph outputs compiled); features in `taps` order. */
export interface LossInput<V> {
  ops: LossOps<V>;
  studentLogits: V;
  teacherLogits: V;
  studentFeatures: readonly V[];
  teacherFeatures: readonly V[];
  /** int32 [batch]. */
  labels: V;
  classes: number;
  classWeights?: readonly number[];
  /** float32 scalar: the 0-based epoch, for warm-ups. */
  epoch: V;
  /** Part `index` of `parts` applied (training mode) to `input`; its weights are trained with the student's. */
  applyPart(index: number, input: V): V;
}

/** Named scalar terms, each weighted as it enters the total, in a stable order (history columns loss_<name>). */
export type LossTerms<V> = Record<string, V>;

export interface DistillationMethod {
  readonly name: string;
  /** Every parameter, defaults filled in. */
  readonly params: Readonly<MethodParams>;
  readonly taps: MethodTaps;
  /** Extra trainable models (one input, one output each); trained, checkpointed and resumed with the student. */
  readonly parts: readonly tf.LayersModel[];
  /** The default weight of the hard-label cross-entropy beside `terms` (≥ 0; 1 = the student's plain loss). */
  readonly hardLabelWeight: number;
  /** The method's own weighted terms (the hard-label term is the objective's), scalars; a weight of 0 leaves its term out. */
  terms<V>(input: LossInput<V>): LossTerms<V>;
  /** One line for logs and reports, e.g. "kd (temperature 4, alpha 0.5)". */
  describe(): string;
}

export interface MethodDefinition {
  readonly name: string;
  /** The paper, one line. */
  readonly reference: string;
  readonly params: Readonly<Record<string, ParamSpec>>;
  /** Builds the method for a pair; `params` are complete and checked (resolveParams). */
  create(params: Readonly<MethodParams>, context: MethodContext): DistillationMethod;
}

/** A bad method name or parameter; the message names it and what is expected. */
export class MethodParamError extends Error {}

function describeSpec(spec: ParamSpec): string {
  if (spec.kind === "string") return "a string";
  const low = spec.min === undefined ? "" : `${spec.exclusiveMin ? ">" : "≥"} ${spec.min}`;
  const high = spec.max === undefined ? "" : `≤ ${spec.max}`;
  const range = [low, high].filter(Boolean).join(" and ");
  return `${spec.integer ? "an integer" : "a number"}${range ? ` ${range}` : ""}`;
}

/** One parameter value checked (numbers may come as text from `--set`). */
export function checkParam(method: MethodDefinition, name: string, value: unknown): ParamValue {
  const spec = method.params[name];
  if (!spec) {
    const known = Object.keys(method.params);
    throw new MethodParamError(`distillation method ${method.name} has no parameter "${name}"; its parameters: ${known.length > 0 ? known.join(", ") : "none"}`);
  }
  const bad = (): MethodParamError => new MethodParamError(`distillation.params.${name} of ${method.name} must be ${describeSpec(spec)} (${spec.doc}), got ${JSON.stringify(value)}`);
  if (spec.kind === "string") {
    if (typeof value !== "string" || value.trim() === "") throw bad();
    return value.trim();
  }
  const number = typeof value === "string" && value.trim() !== "" ? Number(value) : value;
  if (typeof number !== "number" || !Number.isFinite(number)) throw bad();
  if (spec.integer && !Number.isInteger(number)) throw bad();
  if (spec.min !== undefined && (number < spec.min || (spec.exclusiveMin && number === spec.min))) throw bad();
  if (spec.max !== undefined && number > spec.max) throw bad();
  return number;
}

/** `given` checked and completed with the method's defaults. */
export function resolveParams(method: MethodDefinition, given: Readonly<Record<string, unknown>> = {}): MethodParams {
  const params: MethodParams = {};
  for (const [name, spec] of Object.entries(method.params)) params[name] = spec.default;
  for (const [name, value] of Object.entries(given)) params[name] = checkParam(method, name, value);
  return params;
}

/** "name (a 1, b 2)". */
export function describeMethod(name: string, params: Readonly<MethodParams>): string {
  const entries = Object.entries(params);
  return entries.length === 0 ? name : `${name} (${entries.map(([k, v]) => `${k} ${v}`).join(", ")})`;
}

/** The layer named `name` of `model`, or an error listing a few names it does have. */
export function layerOf(model: tf.LayersModel, name: string, role: string, method: string): tf.layers.Layer {
  const layer = model.layers.find((l) => l.name === name);
  if (!layer) {
    const names = model.layers.map((l) => l.name);
    throw new MethodParamError(`${method}: the ${role} ${model.name} has no layer "${name}" (it has ${names.length} layers, e.g. ${names.slice(-8).join(", ")})`);
  }
  return layer;
}

/** A tapped layer's output shape without the batch axis. */
export function tapShape(model: tf.LayersModel, name: string, role: string, method: string): number[] {
  const shape = layerOf(model, name, role, method).outputShape;
  if (!Array.isArray(shape) || Array.isArray(shape[0])) throw new MethodParamError(`${method}: ${role} layer ${name} has more than one output`);
  const dims = (shape as (number | null)[]).slice(1);
  if (dims.some((d) => d === null)) throw new MethodParamError(`${method}: ${role} layer ${name} has an unknown output size [${dims.join(", ")}]`);
  return dims as number[];
}

/**
 * "teacherLayer:studentLayer,…" parsed into pairs. Layer names are Keras's
 * (letters, digits, underscores), so ":" and "," never occur in them.
 */
export function parseLayerPairs(text: string, method: string): { teacher: string; student: string }[] {
  const pairs = text.split(",").map((part) => part.trim()).filter(Boolean).map((part) => {
    const [teacher, student, extra] = part.split(":").map((s) => s.trim());
    if (!teacher || !student || extra !== undefined) throw new MethodParamError(`${method}: layer pair "${part}" must look like teacherLayer:studentLayer`);
    return { teacher, student };
  });
  if (pairs.length === 0) throw new MethodParamError(`${method}: no layer pairs in "${text}"`);
  return pairs;
}
