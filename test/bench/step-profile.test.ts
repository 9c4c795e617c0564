/**
 * The cross-framework step profile (bench/speed/step-profile.ts): kernels of
 * every framework sorted into the same kinds, the tables that put them side
 * by side, and a real profile of the CIFAR student's train step in
 * kdlab-compiled, Keras and PyTorch (each peer at its own defaults) whose
 * convolution and dense kernels must be found in every framework's trace.
 * No speed is asserted (speed belongs in bench/).
 */
import assert from "node:assert/strict";
import { before, describe, test } from "node:test";
import { ensureBenchRequirements } from "../../bench/common/python-deps";
import { buildBenchModel, describeKdlabModel } from "../../bench/speed/kdlab-side";
import { KernelKind, kernelKind, timeByKind } from "../../bench/speed/kernel-kinds";
import { peerConfigs } from "../../bench/speed/peer-configs";
import { profileKdlabStep, profilePeerSteps, StepProfile, StepProfileSpec, stepProfileTables } from "../../bench/speed/step-profile";
import { benchSettings } from "../../bench/speed/settings";
import { useNativeBackend } from "../helpers/native";

describe("kernel kinds", () => {
  // Names as the three traces give them (TensorFlow op types with oneDNN on and off; PyTorch's aten ops).
  const named: [string, string, KernelKind][] = [
    ["model/conv1/Relu", "_MklNativeFusedConv2D", "convolution forward"],
    ["model/conv1/Conv2D", "Conv2D", "convolution forward"],
    ["block_1/depthwise", "DepthwiseConv2dNative", "convolution forward"],
    ["aten::conv2d", "aten::mkldnn_convolution", "convolution forward"],
    ["gradients/conv1/Conv2DBackpropFilter", "_MklNativeConv2DBackpropFilterWithBias", "convolution backward"],
    ["gradients/conv1/Conv2DBackpropInput", "Conv2DBackpropInput", "convolution backward"],
    ["gradients/block_1/depthwise", "DepthwiseConv2dNativeBackpropFilter", "convolution backward"],
    ["autograd::engine::evaluate_function: ConvolutionBackward0", "aten::convolution_backward", "convolution backward"],
    ["fc/MatMul", "_MklNativeFusedMatMul", "dense (matmul)"],
    ["autograd::engine::evaluate_function: AddmmBackward0", "aten::mm", "dense (matmul)"],
    ["aten::linear", "aten::addmm", "dense (matmul)"],
    ["bn/FusedBatchNormV3", "_MklNativeFusedBatchNormEx", "batch norm"],
    ["aten::batch_norm", "aten::native_batch_norm", "batch norm"],
    ["conv1/Relu", "Relu", "activation"],
    ["gradients/conv1/ReluGrad", "ReluGrad", "activation"],
    ["autograd::engine::evaluate_function: ReluBackward0", "aten::threshold_backward", "activation"],
    ["pool/MaxPool", "_MklNativeMaxPool", "pooling"],
    ["aten::max_pool2d", "aten::max_pool2d_with_indices", "pooling"],
    ["conv1/kernel/update", "ResourceApplyMomentum", "optimizer update"],
    ["sgd/Mul_36", "Mul", "optimizer update"],
    ["Optimizer.step#SGD.step", "aten::add_", "optimizer update"],
    ["autograd::engine::evaluate_function: ConvolutionBackward0", "aten::copy_", "copies and allocation"],
    ["aten::conv2d", "aten::empty", "copies and allocation"],
    ["loss/SparseSoftmaxCrossEntropyWithLogits", "SparseSoftmaxCrossEntropyWithLogits", "other"],
    ["conv1/ReadVariableOp", "ReadVariableOp", "other"],
  ];
  for (const [node, op, kind] of named) {
    test(`${op} (${node}) is ${kind}`, () => assert.equal(kernelKind({ node, op }), kind));
  }

  test("time by kind sums each kind and keeps every kernel", () => {
    const kernels = [
      { node: "a", op: "_MklNativeFusedConv2D", ms: 2 },
      { node: "b", op: "_MklNativeFusedConv2D", ms: 3 },
      { node: "c", op: "SomethingNew", ms: 0.5 },
    ];
    const byKind = timeByKind(kernels);
    assert.equal(byKind["convolution forward"], 5);
    assert.equal(byKind.other, 0.5);
    assert.equal(Object.values(byKind).reduce((a, b) => a + b, 0), 5.5);
  });
});

describe("step profile tables", () => {
  const profiles: StepProfile[] = [
    { framework: "kdlab-compiled", stepMs: [10, 30, 20], profile: { tracedSteps: 1, kernels: [{ node: "c1", op: "_MklNativeFusedConv2D", ms: 4 }, { node: "c2", op: "_MklNativeFusedConv2D", ms: 2 }, { node: "g", op: "ResourceApplyMomentum", ms: 1 }] } },
    { framework: "torch", stepMs: [40], profile: { tracedSteps: 1, kernels: [{ node: "aten::conv2d", op: "aten::mkldnn_convolution", ms: 9 }] } },
  ];
  const tables = stepProfileTables(profiles, 2);

  test("one column per framework, the untraced median, kinds summed", () => {
    assert.match(tables, /\| kind \| kdlab-compiled \| torch \|/);
    assert.match(tables, /\| \*\*step \(untraced median\)\*\* \| \*\*20\.0\*\* \| \*\*40\.0\*\* \|/);
    assert.match(tables, /\| convolution forward \| 6\.00 \| 9\.00 \|/);
    assert.match(tables, /\| optimizer update \| 1\.00 \| 0\.00 \|/);
    assert.doesNotMatch(tables, /\| batch norm \|/, "a kind no framework ran is left out");
  });

  test("heaviest kernels by op, at most `top`, a dash where a framework did not run it", () => {
    assert.match(tables, /\| aten::mkldnn_convolution \| — \| 9\.00 \(1\) \|/);
    assert.match(tables, /\| _MklNativeFusedConv2D \| 6\.00 \(2\) \| — \|/);
    assert.doesNotMatch(tables, /\| ResourceApplyMomentum \| 1\.00/, "third heaviest is cut at top 2");
  });
});

describe("a real step profile of the CIFAR student", () => {
  const bench = benchSettings("quick", 2).models.find((m) => m.model === "cifar-student")!;
  let spec: StepProfileSpec;
  const profiles: StepProfile[] = [];

  before(async () => {
    const { threads } = await useNativeBackend();
    ensureBenchRequirements((line) => console.error(line));
    spec = { model: bench.model, inputSize: bench.inputSize, batch: bench.batch, classes: bench.classes, seed: 1, learningRate: 1e-4, momentum: 0.8, plan: { warmup: 1, timed: 2 }, tracedSteps: 2, threads };
    const model = buildBenchModel(bench, 1);
    try {
      profiles.push(await profileKdlabStep(model, spec, "float32"));
      const peers = await profilePeerSteps(spec, {
        env: process.env,
        precision: "float32",
        params: describeKdlabModel(model).params,
        configs: (peer) => peerConfigs(peer, process.env).slice(0, 1),
      });
      assert.deepEqual(peers.crashes, [], "no peer crashed on the CIFAR student");
      profiles.push(...peers.profiles);
    } finally {
      model.dispose();
    }
  });

  test("kdlab, Keras and PyTorch each answered, with the timings asked for", () => {
    assert.deepEqual(profiles.map((p) => p.framework), ["kdlab-compiled", "keras", "torch"]);
    for (const p of profiles) {
      assert.equal(p.stepMs.length, spec.plan.timed, p.framework);
      assert.ok(p.stepMs.every((t) => Number.isFinite(t) && t > 0), `${p.framework}: ${p.stepMs.join(", ")}`);
      assert.equal(p.profile.tracedSteps, spec.tracedSteps, p.framework);
    }
  });

  test("every framework's trace holds its convolution (forward and backward) and dense kernels", () => {
    for (const p of profiles) {
      const byKind = timeByKind(p.profile.kernels);
      for (const kind of ["convolution forward", "convolution backward", "dense (matmul)"] as const) {
        assert.ok(byKind[kind] > 0, `${p.framework}: no ${kind} kernel in ${p.profile.kernels.slice(0, 8).map((k) => k.op).join(", ")}`);
      }
      assert.ok(p.profile.kernels.every((k) => Number.isFinite(k.ms) && k.ms >= 0), p.framework);
    }
  });

  test("kdlab and Keras each trace one forward convolution kernel per conv layer (the student has 3)", () => {
    const convForward = (p: StepProfile): string[] => p.profile.kernels.filter((k) => kernelKind(k) === "convolution forward").map((k) => k.op).sort();
    const [kdlab, keras] = profiles;
    assert.equal(convForward(kdlab).length, 3, convForward(kdlab).join(", "));
    assert.equal(convForward(keras).length, 3, convForward(keras).join(", "));
  });
});
