/**
 * The eager side of routing: every convolution tfjs-node runs (Conv2D, the
 * fused convolution of tfjs-layers, their gradients, depthwise convolutions)
 * reaches TensorFlow through the backend's executeSingleOutput, so one hook
 * there sees all of them. A convolution that crashes here (conv-routing.ts)
 * runs as MatMul instead; its gradients too, because
 * Conv2DBackpropInput/Filter of a 1×1 stride-1 convolution are MatMuls with
 * a transposed operand. Explicit-padding convolutions pass through unrouted:
 * tfjs-layers never emits them. KDLAB_ROUTE_FAULT (conv-fault.ts) plants a known
 * mistake here for the routing test only.
 */
import * as tf from "@tensorflow/tfjs";
import { FAULT_GRADIENT_SCALE, plantedRouteFault } from "./conv-fault";
import { mustRoute } from "./conv-routing";
import { ConvShape, convShapeOf } from "./conv-shape";

interface OpAttr {
  name: string;
  value: unknown;
}

/** The part of tfjs-node's NodeJSKernelBackend the hook wraps. */
export interface ExecutingBackend {
  executeSingleOutput(name: string, opAttrs: OpAttr[], inputs: tf.Tensor[]): tf.Tensor;
}

const CONVOLUTIONS = new Set(["Conv2D", "Conv2DBackpropInput", "Conv2DBackpropFilter"]);
const DEPTHWISE = new Set(["DepthwiseConv2dNative", "DepthwiseConv2dNativeBackpropInput", "DepthwiseConv2dNativeBackpropFilter"]);

const hooked = new WeakSet<object>();

function attrValue(attrs: OpAttr[], name: string): unknown {
  return attrs.find((a) => a.name === name)?.value;
}

/** The convolution's shape from the op's inputs, or undefined where routing does not apply (NCHW, explicit padding). */
function shapeOf(name: string, attrs: OpAttr[], inputs: tf.Tensor[]): ConvShape | undefined {
  const padding = attrValue(attrs, "padding");
  if ((padding !== "SAME" && padding !== "VALID") || attrValue(attrs, "data_format") === "NCHW") return undefined;
  const strides = attrValue(attrs, "strides") as number[];
  const kind = DEPTHWISE.has(name) ? "depthwise" : "conv";
  const sizes = (t: tf.Tensor): number[] => Array.from(t.dataSync());
  if (name.endsWith("BackpropInput")) return convShapeOf(kind, sizes(inputs[0]), inputs[1].shape, [strides[1], strides[2]], padding);
  if (name.endsWith("BackpropFilter")) return convShapeOf(kind, inputs[0].shape, sizes(inputs[1]), [strides[1], strides[2]], padding);
  return convShapeOf(kind, inputs[0].shape, inputs[1].shape, [strides[1], strides[2]], padding);
}

/** The op computed as MatMul: forward [N·H·W, C_in] × [C_in, C_out]; the gradients with one operand transposed. */
function asMatMul(name: string, inputs: tf.Tensor[], shape: ConvShape): tf.Tensor {
  const { inChannels: cin, outChannels: cout } = shape;
  const fault = plantedRouteFault();
  // Disposed by hand, not tf.tidy: this runs inside the backend's own kernel call.
  const temporaries: tf.Tensor[] = [];
  const keep = <T extends tf.Tensor>(t: T): T => {
    temporaries.push(t);
    return t;
  };
  let result: tf.Tensor;
  if (name === "Conv2D") {
    const [x, filter] = inputs;
    // The planted faults (conv-fault.ts, test-only): a transposed kernel, an input flattened in the wrong order.
    const kernel = fault === "transpose" ? keep(tf.transpose(keep(tf.reshape(filter, [cout, cin])))) : keep(tf.reshape(filter, [cin, cout]));
    const rows = fault === "reshape" ? keep(tf.reshape(keep(tf.transpose(x, [0, 2, 1, 3])), [-1, cin])) : keep(tf.reshape(x, [-1, cin]));
    result = tf.reshape(keep(tf.matMul(rows, kernel)), [x.shape[0], shape.height, shape.width, cout]);
  } else {
    let product: tf.Tensor;
    let sizes: tf.Tensor;
    if (name === "Conv2DBackpropInput") {
      const [inputSizes, filter, dy] = inputs;
      product = keep(tf.matMul(keep(tf.reshape(dy, [-1, cout])), keep(tf.reshape(filter, [cin, cout])), false, true));
      sizes = inputSizes;
    } else {
      const [x, filterSizes, dy] = inputs;
      product = keep(tf.matMul(keep(tf.reshape(x, [-1, cin])), keep(tf.reshape(dy, [-1, cout])), true, false));
      sizes = filterSizes;
    }
    if (fault === "gradient-scale") product = keep(tf.mul(product, FAULT_GRADIENT_SCALE));
    result = tf.reshape(product, Array.from(sizes.dataSync()));
  }
  tf.dispose(temporaries);
  return result;
}

/** Wraps `backend` once; a no-op the second time. */
export function installEagerRouting(backend: ExecutingBackend): void {
  if (hooked.has(backend)) return;
  hooked.add(backend);
  const original = backend.executeSingleOutput.bind(backend);
  backend.executeSingleOutput = (name: string, attrs: OpAttr[], inputs: tf.Tensor[]): tf.Tensor => {
    if (CONVOLUTIONS.has(name) || DEPTHWISE.has(name)) {
      const shape = shapeOf(name, attrs, inputs);
      // mustRoute throws for a crashing shape with no route (a depthwise one): never run it.
      if (shape && mustRoute(shape, `eager ${name}`) && CONVOLUTIONS.has(name)) return asMatMul(name, inputs, shape);
    }
    return original(name, attrs, inputs);
  };
}
