/**
 * A tfjs-layers model as TensorFlow graph ops: every weight becomes a resource
 * variable, every layer the ops TensorFlow's own Keras would run (Conv2D +
 * BiasAdd + Relu, FusedBatchNormV3, …), so Grappler and oneDNN can fuse them.
 *
 * Layers run the way the eager trainer runs them: BatchNormalization in
 * training mode when the layer is trainable (batch statistics, moving
 * averages updated as in tfjs-layers: biased variance, value − (value −
 * batch)·(1 − momentum)), in inference mode when frozen (Keras's rule, see
 * models/batch-norm.ts); Dropout with a mask drawn from a per-step seed.
 * A layer this file does not know is an error naming it, and the trainer
 * falls back to the eager step. Where the full ISA crashes on some 1×1
 * convolutions (lib/runtime/conv-routing.ts), exactly those are emitted as Reshape +
 * MatMul + Reshape, which computes the same and does not crash. A bf16
 * training graph gives a convolution over an odd number of input channels
 * one zero channel (evenInputChannels), which also computes the same.
 */
import * as tf from "@tensorflow/tfjs";
import { DT, OperationHandle, OutputRef } from "./binding";
import { attr, GraphBuilder } from "./graph";
import { mustRoute, prepareModelConvolutions } from "../runtime/conv-routing";
import { ConvShape, convShapeOf } from "../runtime/conv-shape";
import { FAULT_GRADIENT_SCALE, plantedRouteFault } from "../runtime/conv-fault";
import { oneDnnBelowAvx2 } from "../runtime/onednn";
import { batchNormTiming } from "./batch-norm-form";

/** A weight as the layers read it: a variable's value, or a constant in a frozen graph. */
interface WeightRef {
  shape: number[];
  read: OutputRef;
  /** The value, for a weight baked in as a constant (constantWeights). */
  constant?: Float32Array;
}

export interface GraphVariable extends WeightRef {
  /** The tfjs weight this variable mirrors. */
  weight: tf.LayerVariable;
  trainable: boolean;
  handle: OutputRef;
  /** Feeds a value into the variable: run `assign` with `value` fed. */
  initValue: OutputRef;
  initAssign: OperationHandle;
}

export interface ModelGraph {
  /** float32 [batch, height, width, channels]. */
  input: OutputRef;
  output: OutputRef;
  variables: GraphVariable[];
  /** New values of non-trainable variables (BatchNorm moving averages), assigned after the step's reads. */
  stateUpdates: { variable: GraphVariable; value: OutputRef }[];
  /** Regularizer terms attached to layers (kernelRegularizer, …), to add to the loss. */
  regularization: OutputRef[];
  /** Every layer's output by Keras layer name (what distillation methods tap). */
  layerOutputs: Map<string, OutputRef>;
}

export interface ModelGraphOptions {
  /** Training mode (batch statistics, dropout) or inference. */
  training: boolean;
  /** int32 [2] seed of this step's dropout masks; needed when training a model with Dropout. */
  dropoutSeed?: OutputRef;
  /** Prefix of variable names, so two models can share a graph. */
  prefix: string;
  /**
   * Bake the weights' current values into the graph as constants (no
   * variables): for a frozen model in inference, where oneDNN can then keep
   * its reordered filters across runs instead of reordering every call.
   */
  constantWeights?: boolean;
  /** With constantWeights: inference BatchNorm as host-folded Mul + AddV2 (true) or FusedBatchNormV3 (false); default: chosen per BatchNorm (foldFrozen). */
  foldFrozenBatchNorm?: boolean;
  /** Feed the model from this graph value instead of a new placeholder (a part applied to another model's feature). */
  input?: OutputRef;
  /**
   * Pad a Conv2D over an odd number of input channels with one zero channel,
   * in its input and its kernel: the same sums. For bf16 training graphs:
   * oneDNN's bf16 training kernels on an odd channel count (CIFAR's 3, the
   * X-rays' 1) gave NaN in 17 of 140 fresh steps on the cache-hiding Zen 5
   * VM, at random (a race: never with one thread), and 0 of 140 padded.
   */
  evenInputChannels?: boolean;
}

interface LayerNode {
  inputTensors: tf.SymbolicTensor[];
  outputTensors: tf.SymbolicTensor[];
}

interface LayerInternals {
  inboundNodes: LayerNode[];
}

type LayerConfig = Record<string, unknown>;

const F32 = attr.type("T", DT.float32);

function weightRole(weight: tf.LayerVariable): string {
  const name = weight.originalName;
  return name.slice(name.lastIndexOf("/") + 1).replace(/_\d+$/, "");
}

function pair(value: unknown, what: string): [number, number] {
  if (typeof value === "number") return [value, value];
  if (Array.isArray(value) && value.length === 2 && value.every((v) => typeof v === "number")) return [value[0], value[1]];
  throw new Error(`${what}: expected a number or a pair, got ${JSON.stringify(value)}`);
}

function padding(config: LayerConfig, where: string): "SAME" | "VALID" {
  if (config.padding === "same") return "SAME";
  if (config.padding === "valid") return "VALID";
  throw new Error(`${where}: padding ${JSON.stringify(config.padding)} is not supported by the compiled step`);
}

function checkChannelsLast(config: LayerConfig, where: string): void {
  if (config.dataFormat !== undefined && config.dataFormat !== "channelsLast") {
    throw new Error(`${where}: dataFormat ${JSON.stringify(config.dataFormat)} is not supported by the compiled step (channelsLast only)`);
  }
  const dilation = config.dilationRate;
  if (dilation !== undefined && pair(dilation, where).some((d) => d !== 1)) throw new Error(`${where}: dilated convolutions are not supported by the compiled step`);
}

function activation(g: GraphBuilder, x: OutputRef, name: unknown, where: string): OutputRef {
  switch (name ?? "linear") {
    case "linear":
      return x;
    case "relu":
      return g.op("Relu", [x], [F32]);
    case "relu6":
      return g.op("Relu6", [x], [F32]);
    case "sigmoid":
      return g.op("Sigmoid", [x], [F32]);
    case "tanh":
      return g.op("Tanh", [x], [F32]);
    case "softmax":
      return g.op("Softmax", [x], [F32]);
    default:
      throw new Error(`${where}: activation ${JSON.stringify(name)} is not supported by the compiled step`);
  }
}

class ModelGraphBuilder {
  readonly variables: GraphVariable[] = [];
  readonly stateUpdates: ModelGraph["stateUpdates"] = [];
  readonly regularization: OutputRef[] = [];
  private readonly byWeight = new Map<tf.LayerVariable, GraphVariable>();

  constructor(
    private readonly g: GraphBuilder,
    private readonly options: ModelGraphOptions,
  ) {}

  private variable(weight: tf.LayerVariable): WeightRef {
    if (this.options.constantWeights) {
      const shape = weight.shape as number[];
      const data = Float32Array.from(weight.read().dataSync());
      return { shape, read: this.g.constant({ dtype: DT.float32, shape, data }, `${weight.originalName.replace(/[^A-Za-z0-9_.\-/]/g, "_")}`), constant: data };
    }
    const existing = this.byWeight.get(weight);
    if (existing) return existing;
    const name = `${this.options.prefix}/${this.variables.length}_${weight.originalName.replace(/[^A-Za-z0-9_.\-/]/g, "_")}`;
    const { handle, read } = this.g.variable(weight.shape as number[], name);
    const initValue = this.g.placeholder(DT.float32, weight.shape as number[], `${name}/init_value`);
    const initAssign = this.g.assign(handle, initValue);
    const variable: GraphVariable = { weight, shape: weight.shape as number[], trainable: weight.trainable, handle, read, initValue, initAssign };
    this.variables.push(variable);
    this.byWeight.set(weight, variable);
    return variable;
  }

  /** The layer's weights by role ("kernel", "bias", "gamma", …). */
  private weights(layer: tf.layers.Layer): Map<string, WeightRef> {
    const roles = new Map<string, WeightRef>();
    for (const weight of layer.weights) roles.set(weightRole(weight), this.variable(weight));
    return roles;
  }

  private regularize(layer: tf.layers.Layer, roles: Map<string, WeightRef>, where: string): void {
    const holder = layer as unknown as Record<string, unknown>;
    if (holder.activityRegularizer) throw new Error(`${where}: activity regularizers are not supported by the compiled step`);
    const pairs: [string, string][] = [["kernelRegularizer", "kernel"], ["depthwiseRegularizer", "depthwise_kernel"], ["biasRegularizer", "bias"], ["gammaRegularizer", "gamma"], ["betaRegularizer", "beta"]];
    for (const [field, role] of pairs) {
      const regularizer = holder[field] as { getConfig?: () => LayerConfig; getClassName?: () => string } | undefined;
      if (!regularizer) continue;
      const target = roles.get(role);
      if (!target) throw new Error(`${where}: ${field} without a ${role} weight`);
      const className = regularizer.getClassName?.();
      const config = regularizer.getConfig?.() ?? {};
      if (className !== "L1L2") throw new Error(`${where}: ${field} ${className} is not supported by the compiled step (L1L2 only)`);
      const l1 = Number(config.l1 ?? 0);
      const l2 = Number(config.l2 ?? 0);
      const g = this.g;
      if (l2 > 0) this.regularization.push(g.mul(g.scalar(l2), g.sum(g.square(target.read), target.shape.map((_, i) => i))));
      if (l1 > 0) this.regularization.push(g.mul(g.scalar(l1), g.sum(g.op("Abs", [target.read], [F32]), target.shape.map((_, i) => i))));
    }
  }

  private biasAndActivation(x: OutputRef, roles: Map<string, WeightRef>, config: LayerConfig, where: string): OutputRef {
    const bias = roles.get("bias");
    const biased = bias ? this.g.op("BiasAdd", [x, bias.read], [F32, attr.string("data_format", "NHWC")]) : x;
    return activation(this.g, biased, config.activation, where);
  }

  /** The layer's output from its inputs, as graph ops. */
  layer(layer: tf.layers.Layer, inputs: OutputRef[]): OutputRef {
    const g = this.g;
    const className = layer.getClassName();
    const where = `layer ${layer.name} (${className})`;
    const config = layer.getConfig() as LayerConfig;
    const roles = this.weights(layer);
    this.regularize(layer, roles, where);
    const [x] = inputs;
    switch (className) {
      case "Conv2D":
        return this.convolution("Conv2D", "kernel", x, roles, config, where);
      case "DepthwiseConv2D":
        return this.convolution("DepthwiseConv2dNative", "depthwise_kernel", x, roles, config, where);
      case "Dense": {
        const kernel = roles.get("kernel");
        if (!kernel) throw new Error(`${where}: no kernel weight`);
        if (g.shape(x).length !== 2) throw new Error(`${where}: the compiled step supports Dense on [batch, features] inputs only`);
        const y = g.op("MatMul", [x, kernel.read], [F32, attr.bool("transpose_a", false), attr.bool("transpose_b", false)]);
        return this.biasAndActivation(y, roles, config, where);
      }
      case "BatchNormalization":
        return this.batchNorm(layer, x, roles, config, where);
      case "Activation":
        return activation(g, x, config.activation, where);
      case "ReLU": {
        if (config.maxValue === null || config.maxValue === undefined) return g.op("Relu", [x], [F32]);
        if (config.maxValue === 6) return g.op("Relu6", [x], [F32]);
        throw new Error(`${where}: ReLU with maxValue ${JSON.stringify(config.maxValue)} is not supported by the compiled step (none or 6)`);
      }
      case "MaxPooling2D":
      case "AveragePooling2D": {
        checkChannelsLast(config, where);
        const [ph, pw] = pair(config.poolSize, where);
        const [sh, sw] = pair(config.strides ?? config.poolSize, where);
        return g.op(className === "MaxPooling2D" ? "MaxPool" : "AvgPool", [x], [F32, attr.ints("ksize", [1, ph, pw, 1]), attr.ints("strides", [1, sh, sw, 1]), attr.string("padding", padding(config, where)), attr.string("data_format", "NHWC")]);
      }
      case "GlobalAveragePooling2D":
      case "GlobalMaxPooling2D": {
        checkChannelsLast(config, where);
        if (config.keepDims) throw new Error(`${where}: keepDims is not supported by the compiled step`);
        return className === "GlobalAveragePooling2D" ? g.mean(x, [1, 2]) : g.op("Max", [x, g.ints([1, 2])], [F32, attr.type("Tidx", DT.int32), attr.bool("keep_dims", false)]);
      }
      case "ZeroPadding2D": {
        checkChannelsLast(config, where);
        const spec = config.padding;
        const [[top, bottom], [left, right]] = Array.isArray(spec) && Array.isArray(spec[0]) ? (spec as [[number, number], [number, number]]) : [pair(spec, where), pair(spec, where)];
        const paddings = g.constant({ dtype: DT.int32, shape: [4, 2], data: Int32Array.of(0, 0, top, bottom, left, right, 0, 0) });
        return g.op("Pad", [x, paddings], [F32, attr.type("Tpaddings", DT.int32)]);
      }
      case "Flatten": {
        const shape = g.shape(x);
        const features = shape.slice(1).reduce((a, b) => a * b, 1);
        if (!(features > 0)) throw new Error(`${where}: input shape [${shape.join(", ")}] is not fully known`);
        return g.reshape(x, [-1, features]);
      }
      case "Concatenate": {
        const rank = g.shape(x).length;
        const axis = Number(config.axis ?? -1);
        const positive = axis < 0 ? rank + axis : axis;
        return g.op("ConcatV2", [inputs, g.constant({ dtype: DT.int32, shape: [], data: Int32Array.of(positive) })], [F32, attr.int("N", inputs.length), attr.type("Tidx", DT.int32)]);
      }
      case "Add":
        return inputs.length === 2 ? g.add(inputs[0], inputs[1]) : g.addN(inputs);
      case "Dropout":
        return this.dropout(x, Number(config.rate ?? 0), config, where);
      default:
        throw new Error(`${where}: layer class ${className} is not supported by the compiled step`);
    }
  }

  /** Conv2D and DepthwiseConv2D differ only in the op and the kernel's name. */
  private convolution(opType: "Conv2D" | "DepthwiseConv2dNative", kernelRole: string, x: OutputRef, roles: Map<string, WeightRef>, config: LayerConfig, where: string): OutputRef {
    checkChannelsLast(config, where);
    const [sh, sw] = pair(config.strides ?? 1, where);
    const kernel = roles.get(kernelRole);
    if (!kernel) throw new Error(`${where}: no ${kernelRole} weight`);
    const g = this.g;
    const shape = convShapeOf(opType === "Conv2D" ? "conv" : "depthwise", g.shape(x), kernel.shape, [sh, sw], padding(config, where));
    if (mustRoute(shape, where)) return this.routedConvolution(x, kernel.read, shape, roles, config, where);
    const [input, filter] = opType === "Conv2D" && this.options.evenInputChannels && shape.inChannels % 2 === 1 ? this.withZeroChannel(x, kernel.read, kernel.shape) : [x, kernel.read];
    const y = g.op(opType, [input, filter], [F32, attr.ints("strides", [1, sh, sw, 1]), attr.string("padding", shape.padding), attr.string("data_format", "NHWC"), attr.ints("dilations", [1, 1, 1, 1])]);
    return this.biasAndActivation(y, roles, config, where);
  }

  /**
   * `x` [N, H, W, C] and `kernel` [KH, KW, C, C_out] with a zero input channel
   * appended to each (evenInputChannels). The input gets a Pad (oneDNN fuses it
   * with the convolution); the kernel gets a ConcatV2 with a zero constant, not
   * a Pad: oneDNN's layout pass takes any Pad feeding a Conv2D for the input's
   * and aborts the process when the kernel's is one (SIGABRT "Could not find
   * input edge 1" in mkl_layout_pass, DenseNet121's conv1 after its
   * ZeroPadding2D).
   */
  private withZeroChannel(x: OutputRef, kernel: OutputRef, kernelShape: readonly number[]): [OutputRef, OutputRef] {
    const g = this.g;
    // Pad's paddings [4, 2]: (before, after) per axis; one zero after the last channel.
    const oneAfterChannels = g.constant({ dtype: DT.int32, shape: [4, 2], data: Int32Array.of(0, 0, 0, 0, 0, 0, 0, 1) });
    const paddedInput = g.op("Pad", [x, oneAfterChannels], [F32, attr.type("Tpaddings", DT.int32)]);
    const [kh, kw, , outChannels] = kernelShape;
    const zeroSlice = g.constant({ dtype: DT.float32, shape: [kh, kw, 1, outChannels], data: new Float32Array(kh * kw * outChannels) });
    const axis = g.constant({ dtype: DT.int32, shape: [], data: Int32Array.of(2) });
    const paddedKernel = g.op("ConcatV2", [[kernel, zeroSlice], axis], [F32, attr.int("N", 2), attr.type("Tidx", DT.int32)]);
    return [paddedInput, paddedKernel];
  }

  /**
   * A 1×1 stride-1 convolution (routableAsMatMul) as [N·H·W, C_in] × [C_in, C_out].
   * KDLAB_ROUTE_FAULT plants a known mistake here for the routing test (lib/runtime/conv-fault.ts).
   */
  private routedConvolution(x: OutputRef, kernel: OutputRef, shape: ConvShape, roles: Map<string, WeightRef>, config: LayerConfig, where: string): OutputRef {
    const g = this.g;
    const { inChannels: cin, outChannels: cout } = shape;
    const fault = plantedRouteFault();
    const transposeB = fault === "transpose";
    const filter = g.reshape(kernel, transposeB ? [cout, cin] : [cin, cout]);
    const input = fault === "reshape" ? g.op("Transpose", [x, g.constant({ dtype: DT.int32, shape: [4], data: Int32Array.of(0, 2, 1, 3) })], [F32, attr.type("Tperm", DT.int32)]) : x;
    let product = g.op("MatMul", [g.reshape(input, [-1, cin]), filter], [F32, attr.bool("transpose_a", false), attr.bool("transpose_b", transposeB)]);
    if (fault === "gradient-scale") {
      // 1.05·m − stop_gradient(0.05·m): the same forward value, every gradient through m scaled by 1.05.
      const excess = g.mul(product, g.scalar(FAULT_GRADIENT_SCALE - 1));
      product = g.sub(g.mul(product, g.scalar(FAULT_GRADIENT_SCALE)), g.op("StopGradient", [excess], [F32]));
    }
    // The missing bias is multiplied by 0, not dropped: it stays in the graph, so the train step still builds (with a zero gradient).
    const bias = roles.get("bias");
    const kept = fault === "bias" && bias ? new Map([...roles, ["bias", { shape: bias.shape, read: g.mul(bias.read, g.scalar(0)) }]]) : roles;
    return this.biasAndActivation(g.reshape(product, [-1, shape.height, shape.width, cout]), kept, config, where);
  }

  private batchNorm(layer: tf.layers.Layer, x: OutputRef, roles: Map<string, WeightRef>, config: LayerConfig, where: string): OutputRef {
    const g = this.g;
    const rank = g.shape(x).length;
    const axis = Number(config.axis ?? -1);
    if (rank !== 4 || (axis !== -1 && axis !== 3)) throw new Error(`${where}: the compiled step supports BatchNormalization over the channels of 4-D inputs only`);
    const channels = g.shape(x)[3];
    const mean = roles.get("moving_mean");
    const variance = roles.get("moving_variance");
    if (!mean || !variance) throw new Error(`${where}: no moving statistics`);
    const ones = g.constant({ dtype: DT.float32, shape: [channels], data: new Float32Array(channels).fill(1) });
    const zeros = g.constant({ dtype: DT.float32, shape: [channels], data: new Float32Array(channels) });
    const scale = roles.get("gamma")?.read ?? ones;
    const offset = roles.get("beta")?.read ?? zeros;
    // Keras's rule (models/batch-norm.ts): a frozen layer normalises with its moving statistics.
    const training = this.options.training && layer.trainable;
    const epsilon = Number(config.epsilon ?? 1e-3);
    if (!training && mean.constant && variance.constant && this.foldFrozen(layer)) return this.frozenBatchNorm(x, roles, mean.constant, variance.constant, epsilon, channels);
    const op = g.operation("FusedBatchNormV3", [x, scale, offset, mean.read, variance.read], [F32, attr.type("U", DT.float32), attr.float("epsilon", epsilon), attr.string("data_format", "NHWC"), attr.bool("is_training", training), attr.float("exponential_avg_factor", 1)]);
    if (training) {
      if (!("handle" in mean) || !("handle" in variance)) throw new Error(`${where}: training mode needs variables, not constant weights`);
      const momentum = Number(config.momentum ?? 0.99);
      const decay = g.scalar(1 - momentum);
      // Output 2 is the Bessel-corrected variance; tfjs-layers averages the biased one.
      const count = g.cast(g.op("Size", [x], [F32, attr.type("out_type", DT.int32)]), DT.int32, DT.float32);
      const perChannel = g.div(count, g.scalar(channels));
      const biased = g.mul([op, 2], g.div(g.sub(perChannel, g.scalar(1)), perChannel));
      for (const [variable, batchValue] of [[mean as GraphVariable, [op, 1] as OutputRef], [variance as GraphVariable, biased]] as const) {
        this.stateUpdates.push({ variable, value: g.sub(variable.read, g.mul(g.sub(variable.read, batchValue), decay)) });
      }
    }
    return [op, 0];
  }

  /**
   * Whether a frozen BatchNorm becomes Mul + AddV2 (frozenBatchNorm). Every
   * one when oneDNN is capped below AVX2: there its batch norm has no JIT
   * kernel (capped at AVX it took 55 % of DenseNet121's inference pass; with
   * the pair the pass ran 1.5× faster, bench/speed/profile-predictor.ts). Else the
   * form timed faster on this machine for its place (batch-norm-form.ts):
   * right after a convolution, where Grappler can fuse FusedBatchNormV3 into
   * it, or standing alone.
   */
  private foldFrozen(layer: tf.layers.Layer): boolean {
    if (this.options.foldFrozenBatchNorm !== undefined) return this.options.foldFrozenBatchNorm;
    if (oneDnnBelowAvx2()) return true;
    const before = layer.inboundNodes[0]?.inboundLayers ?? [];
    const afterConvolution = before.length === 1 && ["Conv2D", "DepthwiseConv2D"].includes(before[0].getClassName()) && (before[0].getConfig() as LayerConfig).activation === "linear";
    return batchNormTiming()[afterConvolution ? "afterConvolution" : "standalone"].mulAdd;
  }

  /** Inference BatchNorm with constant statistics is x·scale + shift per channel, folded on the host (the form foldFrozen chooses where). */
  private frozenBatchNorm(x: OutputRef, roles: Map<string, WeightRef>, mean: Float32Array, variance: Float32Array, epsilon: number, channels: number): OutputRef {
    const gamma = roles.get("gamma");
    const beta = roles.get("beta");
    if ((gamma && !gamma.constant) || (beta && !beta.constant)) throw new Error("frozen BatchNorm: gamma and beta must be constants too");
    const scale = new Float32Array(channels);
    const shift = new Float32Array(channels);
    for (let i = 0; i < channels; i++) {
      scale[i] = (gamma?.constant?.[i] ?? 1) / Math.sqrt(variance[i] + epsilon);
      shift[i] = (beta?.constant?.[i] ?? 0) - mean[i] * scale[i];
    }
    const g = this.g;
    return g.add(g.mul(x, g.constant({ dtype: DT.float32, shape: [channels], data: scale })), g.constant({ dtype: DT.float32, shape: [channels], data: shift }));
  }

  private dropout(x: OutputRef, rate: number, config: LayerConfig, where: string): OutputRef {
    if (!this.options.training || rate === 0) return x;
    if (!(rate > 0 && rate < 1)) throw new Error(`${where}: dropout rate must be in [0, 1), got ${rate}`);
    if (config.noiseShape) throw new Error(`${where}: noiseShape is not supported by the compiled step`);
    const seed = this.options.dropoutSeed;
    if (!seed) throw new Error(`${where}: a training graph with Dropout needs a dropout seed`);
    const g = this.g;
    // Each Dropout layer draws from its own stream: the step's seed with the layer's position as second key.
    const layerSeed = g.op("AddV2", [seed, g.ints([0, this.variables.length * 7919 + this.regularization.length + 1])], [attr.type("T", DT.int32)]);
    const shape = g.op("Shape", [x], [F32, attr.type("out_type", DT.int32)]);
    const uniform = g.op("StatelessRandomUniform", [shape, layerSeed], [attr.type("dtype", DT.float32), attr.type("T", DT.int32), attr.type("Tseed", DT.int32)]);
    const keep = g.cast(g.op("GreaterEqual", [uniform, g.scalar(rate)], [F32]), DT.bool, DT.float32);
    return g.mul(x, g.mul(keep, g.scalar(1 / (1 - rate))));
  }
}

/** Emits `model` into `g`; see the file comment. */
export function buildModelGraph(g: GraphBuilder, model: tf.LayersModel, options: ModelGraphOptions): ModelGraph {
  if (model.inputs.length !== 1 || model.outputs.length !== 1) throw new Error(`the compiled step needs a model with one input and one output; ${model.name} has ${model.inputs.length} and ${model.outputs.length}`);
  const inputShape = model.inputs[0].shape.map((d) => (d === null ? -1 : d));
  prepareModelConvolutions(model, `model ${model.name}`);
  const builder = new ModelGraphBuilder(g, options);
  const values = new Map<number, OutputRef>();
  const input = options.input ?? g.placeholder(DT.float32, inputShape, `${options.prefix}/input`);
  const layerOutputs = new Map<string, OutputRef>();
  values.set(model.inputs[0].id, input);
  g.scope(options.prefix, () => {
    for (const layer of model.layers) {
      if (layer.getClassName() === "InputLayer") continue;
      const nodes = (layer as unknown as LayerInternals).inboundNodes;
      const node = nodes.find((n) => n.inputTensors.every((t) => values.has(t.id)));
      if (!node) throw new Error(`layer ${layer.name}: its inputs are not computed before it (the compiled step needs layers in topological order, each used once)`);
      const inputs = node.inputTensors.map((t) => values.get(t.id) as OutputRef);
      const output = g.scope(layer.name, () => builder.layer(layer, inputs));
      node.outputTensors.forEach((t) => values.set(t.id, output));
      layerOutputs.set(layer.name, output);
    }
  });
  const output = values.get(model.outputs[0].id);
  if (!output) throw new Error(`${model.name}: its output was not reached from its input`);
  return { input, output, variables: builder.variables, stateUpdates: builder.stateUpdates, regularization: builder.regularization, layerOutputs };
}
