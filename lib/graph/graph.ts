/**
 * Builds a TensorFlow graph op by op through the native binding: named
 * scopes, attribute helpers, shape inference, and the handful of ops the
 * train step needs as typed methods. Knows nothing about layers or losses.
 */
import { AttrValue, DT, GraphBinding, GraphHandle, InputRef, OperationHandle, OutputRef, TensorValue } from "./binding";

export type Shape = number[];

/** Attribute constructors: `attr.int("axis", 1)`. */
export const attr = {
  int: (name: string, value: number): AttrValue => ({ name, kind: "int", value }),
  float: (name: string, value: number): AttrValue => ({ name, kind: "float", value }),
  bool: (name: string, value: boolean): AttrValue => ({ name, kind: "bool", value }),
  type: (name: string, value: number): AttrValue => ({ name, kind: "type", value }),
  string: (name: string, value: string): AttrValue => ({ name, kind: "string", value }),
  shape: (name: string, value: number[] | null): AttrValue => ({ name, kind: "shape", value }),
  ints: (name: string, value: number[]): AttrValue => ({ name, kind: "intList", value }),
  types: (name: string, value: number[]): AttrValue => ({ name, kind: "typeList", value }),
  tensor: (name: string, value: TensorValue): AttrValue => ({ name, kind: "tensor", value }),
};

const F32 = attr.type("T", DT.float32);

export class GraphBuilder {
  readonly graph: GraphHandle;
  private readonly names = new Map<string, number>();
  private scopes: string[] = [];

  constructor(readonly binding: GraphBinding) {
    this.graph = binding.newGraph();
  }

  /** Runs `build` with `name` pushed on the op-name scope (op names become `a/b/Conv2D`). */
  scope<T>(name: string, build: () => T): T {
    this.scopes.push(name.replace(/[^A-Za-z0-9_.\-/]/g, "_"));
    try {
      return build();
    } finally {
      this.scopes.pop();
    }
  }

  private uniqueName(base: string): string {
    const full = [...this.scopes, base].join("/");
    const seen = this.names.get(full) ?? 0;
    this.names.set(full, seen + 1);
    return seen === 0 ? full : `${full}_${seen}`;
  }

  /** Adds an operation; returns the handle (outputs via `out`). */
  operation(type: string, inputs: readonly InputRef[], attrs: readonly AttrValue[] = [], options: { name?: string; control?: readonly OperationHandle[] } = {}): OperationHandle {
    return this.binding.addOperation(this.graph, type, this.uniqueName(options.name ?? type), inputs, attrs, options.control ?? null);
  }

  /** The first output of a new operation. */
  op(type: string, inputs: readonly InputRef[], attrs: readonly AttrValue[] = [], name?: string): OutputRef {
    return [this.operation(type, inputs, attrs, { name }), 0];
  }

  shape(output: OutputRef): Shape {
    const { shape } = this.binding.outputShape(this.graph, output);
    if (shape === null) throw new Error(`graph: the rank of ${this.binding.operationInfo(output[0]).name}:${output[1]} is unknown`);
    return shape;
  }

  placeholder(dtype: number, shape: Shape, name: string): OutputRef {
    return this.op("Placeholder", [], [attr.type("dtype", dtype), attr.shape("shape", shape)], name);
  }

  constant(value: TensorValue, name = "Const"): OutputRef {
    return this.op("Const", [], [attr.tensor("value", value), attr.type("dtype", value.dtype)], name);
  }

  scalar(value: number): OutputRef {
    return this.constant({ dtype: DT.float32, shape: [], data: Float32Array.of(value) });
  }

  ints(values: number[]): OutputRef {
    return this.constant({ dtype: DT.int32, shape: [values.length], data: Int32Array.from(values) });
  }

  // Element-wise and reductions (float32).
  add(a: OutputRef, b: OutputRef): OutputRef { return this.op("AddV2", [a, b], [F32]); }
  sub(a: OutputRef, b: OutputRef): OutputRef { return this.op("Sub", [a, b], [F32]); }
  mul(a: OutputRef, b: OutputRef): OutputRef { return this.op("Mul", [a, b], [F32]); }
  div(a: OutputRef, b: OutputRef): OutputRef { return this.op("RealDiv", [a, b], [F32]); }
  neg(a: OutputRef): OutputRef { return this.op("Neg", [a], [F32]); }
  exp(a: OutputRef): OutputRef { return this.op("Exp", [a], [F32]); }
  sqrt(a: OutputRef): OutputRef { return this.op("Sqrt", [a], [F32]); }
  square(a: OutputRef): OutputRef { return this.op("Square", [a], [F32]); }
  addN(values: readonly OutputRef[]): OutputRef {
    return values.length === 1 ? values[0] : this.op("AddN", [values], [attr.int("N", values.length), F32]);
  }
  sum(a: OutputRef, axes: number[], keepDims = false): OutputRef {
    return this.op("Sum", [a, this.ints(axes)], [F32, attr.type("Tidx", DT.int32), attr.bool("keep_dims", keepDims)]);
  }
  mean(a: OutputRef, axes: number[], keepDims = false): OutputRef {
    return this.op("Mean", [a, this.ints(axes)], [F32, attr.type("Tidx", DT.int32), attr.bool("keep_dims", keepDims)]);
  }
  reshape(a: OutputRef, shape: number[]): OutputRef {
    return this.op("Reshape", [a, this.ints(shape)], [F32, attr.type("Tshape", DT.int32)]);
  }
  logSoftmax(logits: OutputRef): OutputRef { return this.op("LogSoftmax", [logits], [F32]); }
  cast(a: OutputRef, from: number, to: number): OutputRef {
    return this.op("Cast", [a], [attr.type("SrcT", from), attr.type("DstT", to), attr.bool("Truncate", false)]);
  }
  identity(a: OutputRef, name?: string): OutputRef { return this.op("Identity", [a], [F32], name); }
  /** Groups side effects into one target. */
  noOp(control: readonly OperationHandle[], name: string): OperationHandle {
    return this.operation("NoOp", [], [], { name, control });
  }

  // Resource variables (float32 unless `dtype` says otherwise: the bench's bf16 matmul holds bf16 operands).
  variable(shape: Shape, name: string, dtype: number = DT.float32): { handle: OutputRef; read: OutputRef } {
    const handle = this.op("VarHandleOp", [], [attr.type("dtype", dtype), attr.shape("shape", shape), attr.string("shared_name", name), attr.string("container", "")], name);
    const read = this.op("ReadVariableOp", [handle], [attr.type("dtype", dtype)], `${name}/read`);
    return { handle, read };
  }
  assign(handle: OutputRef, value: OutputRef, control: readonly OperationHandle[] = [], dtype: number = DT.float32): OperationHandle {
    return this.operation("AssignVariableOp", [handle, value], [attr.type("dtype", dtype)], { control });
  }
}
