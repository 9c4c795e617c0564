/**
 * What a kernel does, in words every framework shares: TensorFlow names its
 * kernels by op type (_MklNativeConv2DBackpropInput, ResourceApplyMomentum),
 * PyTorch by aten op (aten::convolution_backward, aten::copy_). Putting both
 * into the same kinds lets one table say where kdlab's, Keras's and
 * PyTorch's train steps spend their time (step-profile.ts). Rules are tried
 * in order; a kernel no rule names is "other", never dropped.
 */
import { KernelTime } from "./peer-protocol";

export const KERNEL_KINDS = [
  "convolution forward",
  "convolution backward",
  "dense (matmul)",
  "batch norm",
  "activation",
  "pooling",
  "optimizer update",
  "copies and allocation",
  "other",
] as const;
export type KernelKind = (typeof KERNEL_KINDS)[number];

interface Rule {
  kind: KernelKind;
  /** Matched against the kernel's op. */
  op?: RegExp;
  /** Matched against what it ran for (a TensorFlow node, PyTorch's outermost scope). */
  node?: RegExp;
}

const RULES: readonly Rule[] = [
  // Keras 3 updates its variables with plain ops under the optimizer's name scope; PyTorch's optimizer runs under Optimizer.step / zero_grad.
  { kind: "optimizer update", op: /^(Resource)?Apply[A-Z]/, node: /^(Optimizer\.|(sgd|adam|adamw|rmsprop)(_\d+)?\/)/i },
  { kind: "convolution backward", op: /Conv2DBackprop|DepthwiseConv2dNativeBackprop|^aten::\w*conv\w*backward/ },
  { kind: "convolution forward", op: /Conv2D|DepthwiseConv2dNative|^aten::\w*conv/ },
  { kind: "dense (matmul)", op: /MatMul|^aten::(mm|addmm|bmm|matmul|linear)$/ },
  { kind: "batch norm", op: /BatchNorm|^aten::\w*batch_norm/ },
  { kind: "activation", op: /^(_MklNative|_Mkl)?(Relu6?|Elu|Selu|Sigmoid|Tanh|LeakyRelu)(Grad)?$|^aten::(relu_?|relu6_?|threshold_backward|clamp_min_?|clamp_?|hardtanh_?|hardtanh_backward|leaky_relu\w*|sigmoid\w*|tanh\w*)$/ },
  { kind: "pooling", op: /Pool|^aten::\w*pool/ },
  { kind: "copies and allocation", op: /^aten::(copy_|contiguous|clone|to|_to_copy|empty\w*|as_strided\w*|zero_|fill_|resize_)$|^_MklToTf$|Transpose|Reorder|^Copy/ },
];

export function kernelKind(kernel: Pick<KernelTime, "node" | "op">): KernelKind {
  for (const rule of RULES) {
    const byOp = rule.op?.test(kernel.op) ?? false;
    const byNode = rule.node?.test(kernel.node) ?? false;
    if (byOp || byNode) return rule.kind;
  }
  return "other";
}

/** Milliseconds per kind (every kind present, zero where none ran). */
export function timeByKind(kernels: readonly KernelTime[]): Record<KernelKind, number> {
  const totals = Object.fromEntries(KERNEL_KINDS.map((kind) => [kind, 0])) as Record<KernelKind, number>;
  for (const kernel of kernels) totals[kernelKind(kernel)] += kernel.ms;
  return totals;
}
