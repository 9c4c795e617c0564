/**
 * The typed face of native/graph/graph_binding.cc: TensorFlow's C graph API
 * (build ops, add gradients and rewire their ReLUs, run a session) as plain functions over opaque
 * handles. Built by `npm run setup` against the same libtensorflow_cc.so.2 as
 * tfjs-node; `loadGraphBinding` says why when it is not there.
 */
import * as fs from "node:fs";
import { createRequire } from "node:module";
import * as path from "node:path";
import { GRAPH_BINDING_PATH, PROJECT_ROOT } from "../runtime/paths";

declare const opaque: unique symbol;
export type GraphHandle = { readonly [opaque]: "graph" };
export type OperationHandle = { readonly [opaque]: "operation" };
export type SessionHandle = { readonly [opaque]: "session" };
/** An op's output: [operation, output index]. */
export type OutputRef = readonly [OperationHandle, number];

/** TF_DataType values. */
export const DT = { float32: 1, float64: 2, int32: 3, uint8: 4, int64: 9, bool: 10, bfloat16: 14, resource: 20 } as const;

export type TypedData = Float32Array | Int32Array | Uint8Array | Float64Array | BigInt64Array;

export interface TensorValue {
  dtype: number;
  shape: number[];
  data: TypedData;
}

export type AttrValue =
  | { name: string; kind: "int"; value: number }
  | { name: string; kind: "float"; value: number }
  | { name: string; kind: "bool"; value: boolean }
  | { name: string; kind: "type"; value: number }
  | { name: string; kind: "string"; value: string }
  | { name: string; kind: "shape"; value: number[] | null }
  | { name: string; kind: "intList"; value: number[] }
  | { name: string; kind: "typeList"; value: number[] }
  | { name: string; kind: "tensor"; value: TensorValue };

/** One input: an output, or a list of outputs for list-typed inputs (ConcatV2, AddN). */
export type InputRef = OutputRef | readonly OutputRef[];

export interface GraphBinding {
  version(): string;
  newGraph(): GraphHandle;
  addOperation(graph: GraphHandle, type: string, name: string, inputs: readonly InputRef[], attrs: readonly AttrValue[], controlInputs: readonly OperationHandle[] | null): OperationHandle;
  operationInfo(op: OperationHandle): { name: string; type: string; numOutputs: number };
  outputShape(graph: GraphHandle, output: OutputRef): { dtype: number; shape: number[] | null };
  addGradients(graph: GraphHandle, prefix: string, ys: readonly OutputRef[], xs: readonly OutputRef[], dys: readonly OutputRef[] | null): (OutputRef | null)[];
  /** Rewires each ReluGrad that reads its Relu's input to read the Relu's output (same values; lets Grappler fuse the Relu into its convolution); returns how many. */
  reluGradsFromOutputs(graph: GraphHandle): number;
  newSession(graph: GraphHandle, configProto: Uint8Array | null): SessionHandle;
  sessionRun(session: SessionHandle, feeds: readonly (readonly [OutputRef, TensorValue])[], fetches: readonly OutputRef[], targets: readonly OperationHandle[]): TensorValue[];
  sessionRunAsync(session: SessionHandle, feeds: readonly (readonly [OutputRef, TensorValue])[], fetches: readonly OutputRef[], targets: readonly OperationHandle[]): Promise<TensorValue[]>;
  /** Runs with serialized RunOptions (e.g. FULL_TRACE) and returns the serialized RunMetadata. */
  sessionRunTraced(session: SessionHandle, feeds: readonly (readonly [OutputRef, TensorValue])[], fetches: readonly OutputRef[], targets: readonly OperationHandle[], runOptions: Uint8Array): Uint8Array;
  closeSession(session: SessionHandle): void;
}

let cached: GraphBinding | undefined;

/** The native graph binding; throws with the reason (and the fix) when it cannot load. */
export function loadGraphBinding(): GraphBinding {
  if (cached) return cached;
  if (!fs.existsSync(GRAPH_BINDING_PATH)) {
    throw new Error(`the compiled train step needs ${path.relative(PROJECT_ROOT, GRAPH_BINDING_PATH)}, which is not built: run \`npm run setup\``);
  }
  const load = createRequire(__filename);
  cached = load(GRAPH_BINDING_PATH) as GraphBinding;
  return cached;
}
