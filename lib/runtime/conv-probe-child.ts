/**
 * The probe that runs convolutions in a child process, where a SIGFPE inside
 * oneDNN kills the child and not us. For each shape, forward and backward,
 * eagerly through tfjs-node (Conv2D, Conv2DBackpropInput/Filter, as the eager
 * trainer, evaluation and Grad-CAM run them) and, when the graph binding is
 * built, as a graph (convolution + BiasAdd + Relu, which Grappler fuses into
 * oneDNN's fused convolution, as the compiled step and predictor run them).
 *
 * Mode "matmul" computes each 1×1 stride-1 convolution the way kdlab routes
 * it instead (Reshape + MatMul), to check that the route itself survives.
 *
 * The child prints "start i" before shape i and "ok i" after it, written
 * synchronously, so the parent knows which shape a crash belongs to.
 * KDLAB_ONEDNN_STAND_IN_CRASH (comma-separated shape keys) makes the child
 * kill itself with SIGFPE where it would run such a shape as a convolution
 * at the full ISA (oneDNN on, no ONEDNN_MAX_CPU_ISA cap): the stand-in for
 * the crash of cache-hiding VMs, for tests on machines that do not crash.
 */
import { spawnSync } from "node:child_process";
import { ConvShape } from "./conv-shape";

export const STAND_IN_VARIABLE = "KDLAB_ONEDNN_STAND_IN_CRASH";

const CHILD_SCRIPT = `
const fs = require("fs");
const tf = require(process.argv[1]);
const bindingPath = process.argv[2];
const { shapes, mode } = JSON.parse(process.argv[3]);
const fullIsa = !process.env.ONEDNN_MAX_CPU_ISA && process.env.TF_ENABLE_ONEDNN_OPTS !== "0";
const standIn = new Set(fullIsa ? (process.env.${STAND_IN_VARIABLE} || "").split(",").map((k) => k.trim()).filter(Boolean) : []);
const b = bindingPath && fs.existsSync(bindingPath) ? require(bindingPath) : null;
const say = (line) => fs.writeSync(1, line + "\\n");
const pointOne = (shape) => ({ dtype: 1, shape, data: new Float32Array(shape.reduce((p, d) => p * d, 1)).fill(0.01) });
const T = { name: "T", kind: "type", value: 1 };
function eager(s, n, asMatMul) {
  const x = tf.fill([n, s.height, s.width, s.inChannels], 0.01);
  const wShape = s.kind === "depthwise" ? [s.kernel[0], s.kernel[1], s.inChannels, s.outChannels / s.inChannels] : [s.kernel[0], s.kernel[1], s.inChannels, s.outChannels];
  const w = tf.fill(wShape, 0.01);
  const pad = s.padding.toLowerCase();
  const f = (a, k) => {
    if (asMatMul) return tf.matMul(a.reshape([-1, s.inChannels]), k.reshape([s.inChannels, s.outChannels])).relu().sum();
    if (s.kind === "depthwise") return tf.depthwiseConv2d(a, k, s.strides, pad).relu().sum();
    return tf.conv2d(a, k, s.strides, pad).relu().sum();
  };
  const [dx, dw] = tf.grads(f)([x, w]);
  dx.dataSync(); dw.dataSync();
  tf.dispose([x, w, dx, dw]);
}
function graph(s, n, asMatMul) {
  const g = b.newGraph();
  let count = 0;
  const op = (type, inputs, attrs) => [b.addOperation(g, type, type + "_" + count++, inputs, attrs, null), 0];
  const placeholder = (shape) => op("Placeholder", [], [{ name: "dtype", kind: "type", value: 1 }, { name: "shape", kind: "shape", value: shape }]);
  const ints = (values) => op("Const", [], [{ name: "dtype", kind: "type", value: 3 }, { name: "value", kind: "tensor", value: { dtype: 3, shape: [values.length], data: Int32Array.from(values) } }]);
  const xShape = [n, s.height, s.width, s.inChannels];
  const wShape = s.kind === "depthwise" ? [s.kernel[0], s.kernel[1], s.inChannels, s.outChannels / s.inChannels] : [s.kernel[0], s.kernel[1], s.inChannels, s.outChannels];
  const x = placeholder(xShape), w = placeholder(wShape), bias = placeholder([s.outChannels]);
  let y;
  if (asMatMul) {
    const flat = op("Reshape", [x, ints([-1, s.inChannels])], [T, { name: "Tshape", kind: "type", value: 3 }]);
    const kernel = op("Reshape", [w, ints([s.inChannels, s.outChannels])], [T, { name: "Tshape", kind: "type", value: 3 }]);
    y = op("MatMul", [flat, kernel], [T, { name: "transpose_a", kind: "bool", value: false }, { name: "transpose_b", kind: "bool", value: false }]);
  } else {
    const convAttrs = [T, { name: "strides", kind: "intList", value: [1, s.strides[0], s.strides[1], 1] }, { name: "padding", kind: "string", value: s.padding }, { name: "data_format", kind: "string", value: "NHWC" }, { name: "dilations", kind: "intList", value: [1, 1, 1, 1] }];
    y = op(s.kind === "depthwise" ? "DepthwiseConv2dNative" : "Conv2D", [x, w], convAttrs);
  }
  const biased = op("BiasAdd", [y, bias], [T]);
  const relu = op("Relu", [biased], [T]);
  const rank = asMatMul ? 2 : 4;
  const sum = op("Sum", [relu, ints([...Array(rank).keys()])], [T, { name: "Tidx", kind: "type", value: 3 }, { name: "keep_dims", kind: "bool", value: false }]);
  const grads = b.addGradients(g, "grad", [sum], [x, w, bias], null);
  const session = b.newSession(g, null);
  b.sessionRun(session, [[x, pointOne(xShape)], [w, pointOne(wShape)], [bias, pointOne([s.outChannels])]], [sum, ...grads], []);
  b.closeSession(session);
}
for (let i = 0; i < shapes.length; i++) {
  const { key, shape, batches } = shapes[i];
  say("start " + i);
  const asMatMul = mode === "matmul" && shape.kind === "conv" && shape.kernel[0] === 1 && shape.kernel[1] === 1 && shape.strides[0] === 1 && shape.strides[1] === 1;
  if (!asMatMul && standIn.has(key)) process.kill(process.pid, "SIGFPE");
  for (const n of batches) {
    eager(shape, n, asMatMul);
    if (b) graph(shape, n, asMatMul);
  }
  say("ok " + i);
}
say("probe-ok");
`;

export interface ProbeShape {
  key: string;
  shape: ConvShape;
  /** The batch sizes this shape runs at. */
  batches: readonly number[];
}

export interface ProbeRun {
  /** Indices of the shapes that ran, forward and backward, eager and graph. */
  passed: number[];
  /** The shape the child died on, if it died on one. */
  crashed?: { index: number; detail: string };
  /** A failure that is not a shape's crash (the child could not start, threw, timed out). */
  failure?: string;
  /** The child printed "probe-ok": every shape ran. */
  complete: boolean;
}

/** Runs `shapes` in one child with environment `env` (default: ours); stops at the first crash. */
export function runProbeChild(tfjsNodeEntry: string, graphBindingPath: string, shapes: readonly ProbeShape[], mode: "conv" | "matmul", env: NodeJS.ProcessEnv = process.env): ProbeRun {
  const payload = JSON.stringify({ shapes, mode });
  const result = spawnSync(process.execPath, ["-e", CHILD_SCRIPT, tfjsNodeEntry, graphBindingPath, payload], {
    env: { ...env, TF_CPP_MIN_LOG_LEVEL: "3", ONEDNN_VERBOSE: "0" },
    encoding: "utf8",
    timeout: 600_000,
    maxBuffer: 16 * 1024 * 1024,
  });
  const lines = (result.stdout ?? "").split("\n");
  const passed = lines.filter((line) => line.startsWith("ok ")).map((line) => Number(line.slice(3)));
  const started = lines.filter((line) => line.startsWith("start ")).map((line) => Number(line.slice(6)));
  const complete = result.status === 0 && lines.includes("probe-ok");
  if (complete) return { passed, complete };
  const last = started[started.length - 1];
  if (result.signal && result.signal !== "SIGTERM" && last !== undefined && !passed.includes(last)) {
    return { passed, complete, crashed: { index: last, detail: `signal ${result.signal}` } };
  }
  const why = result.error ? result.error.message : result.signal ? `signal ${result.signal}` : `exit ${result.status}`;
  const stderr = (result.stderr ?? "").trim().split("\n").slice(-3).join(" | ");
  return { passed, complete, failure: `${why}${stderr ? `: ${stderr}` : ""}` };
}
