/**
 * One train step, kernel by kernel, in kdlab-compiled and in each peer on
 * this machine: the answer to "is kdlab slower than Keras or PyTorch because
 * of its own overhead, or inside the kernels every framework runs?".
 *
 * kdlab's step is traced with TensorFlow's FULL_TRACE step stats (the
 * compiled step's traceStep); Keras with TensorFlow's profiler, whose trace
 * names the same op types; PyTorch with torch.profiler, each aten op's self
 * time. Each side first times untraced steps by the bench's protocol
 * (warm-up, then timed), then traces `tracedSteps` more. The same model,
 * batch, optimizer and threads as the bench; every float32 configuration of
 * each peer (peer-configs.ts), or every bf16 one where kdlab runs in bf16.
 * kdlab's step is timed again after the peers, so a machine whose speed
 * moved during the profile says so. `node --import tsx
 * bench/speed/profile-step.ts <model> --peers` prints stepProfileTables.
 */
import * as tf from "@tensorflow/tfjs";
import { CompiledTrainStep } from "../../lib/distill/compiled/step";
import { createOptimizer, disposeOptimizer, OptimizerConfig } from "../../lib/distill/optimizers";
import { ComputePrecision } from "../../lib/runtime/precision";
import { median } from "../../lib/stats/summary";
import { Framework } from "../common/framework";
import { ParamCount } from "../common/network";
import { StepPlan, timeCalls } from "../common/timing";
import { KERNEL_KINDS, timeByKind } from "./kernel-kinds";
import { PeerConfig, peerConfigs } from "./peer-configs";
import { KernelProfile, KernelTime, PeerRequest } from "./peer-protocol";
import { PeerCommand, runPeerConfig } from "./peers";
import { PEER_FRAMEWORKS, PeerCrash, PeerFramework } from "./schema";

export interface StepProfileSpec {
  model: string;
  inputSize: number;
  batch: number;
  classes: number;
  seed: number;
  learningRate: number;
  momentum: number;
  /** Untimed warm-up steps, then timed ones (untraced). */
  plan: StepPlan;
  tracedSteps: number;
  threads: number;
}

export interface StepProfile {
  framework: Framework;
  /** Untraced step times, ms. */
  stepMs: number[];
  profile: KernelProfile;
}

/** kdlab-compiled's step on `model` (kept, trained by the steps): untraced timings, then the kernels of `tracedSteps` traced steps. */
export async function profileKdlabStep(model: tf.LayersModel, spec: StepProfileSpec, precision: ComputePrecision): Promise<StepProfile> {
  const [, h, w, c] = model.inputs[0].shape as number[];
  const xs = tf.randomUniform([spec.batch, h, w, c], -1, 1, "float32", spec.seed) as tf.Tensor4D;
  const labels = tf.tensor1d(Array.from({ length: spec.batch }, (_, i) => i % spec.classes), "int32");
  const optimizerConfig: OptimizerConfig = { kind: "sgd", lr: spec.learningRate, momentum: spec.momentum };
  const optimizer = createOptimizer(optimizerConfig);
  const step = new CompiledTrainStep({ model, optimizer, optimizerConfig, precision });
  const batch = { xs, labels };
  let index = 0;
  const options = (): { learningRate: number; seed: number } => ({ learningRate: spec.learningRate, seed: spec.seed + index++ });
  try {
    const timing = await timeCalls(() => step.run(batch, options()), spec.plan);
    const totals = new Map<string, KernelTime>();
    for (let i = 0; i < spec.tracedSteps; i++) {
      for (const t of await step.traceStep(batch, options())) {
        const key = `${t.node}\u0000${t.opType}`;
        const kernel = totals.get(key) ?? { node: t.node, op: t.opType, ms: 0 };
        kernel.ms += t.micros / 1000 / spec.tracedSteps;
        totals.set(key, kernel);
      }
    }
    const kernels = [...totals.values()].sort((a, b) => b.ms - a.ms);
    if (kernels.length === 0) throw new Error(`profile of ${spec.model}: kdlab's traced step held no kernels`);
    return { framework: precision === "float32" ? "kdlab-compiled" : "kdlab-compiled (bf16)", stepMs: timing.seconds.map((s) => s * 1000), profile: { tracedSteps: spec.tracedSteps, kernels } };
  } finally {
    step.dispose();
    disposeOptimizer(optimizer);
    tf.dispose([xs, labels]);
  }
}

export interface PeerProfileOptions {
  /** The environment kdlab's TensorFlow runs in: its oneDNN setting picks the peers' configurations. */
  env: NodeJS.ProcessEnv;
  precision: ComputePrecision;
  /** kdlab's parameter counts: a peer whose network differs refuses to run. */
  params: ParamCount;
  /** Which configurations of each peer (default every one of kdlab's precision). */
  configs?: (peer: PeerFramework) => PeerConfig[];
  log?: (line: string) => void;
  /** Another peer program (tests). */
  command?: (peer: PeerFramework) => PeerCommand;
}

export interface PeerProfiles {
  profiles: StepProfile[];
  crashes: PeerCrash[];
}

/** Every configuration of every peer profiled on the same step; a configuration that crashes (oneDNN's SIGFPE) is named, not fatal. */
export async function profilePeerSteps(spec: StepProfileSpec, options: PeerProfileOptions): Promise<PeerProfiles> {
  const bf16 = options.precision !== "float32";
  const configsOf = options.configs ?? ((peer: PeerFramework) => peerConfigs(peer, options.env, { bf16 }).filter((c) => (c.precision === "bf16") === bf16));
  const request: PeerRequest = {
    threads: spec.threads,
    ...(bf16 ? { precision: "bf16" as const } : {}),
    models: [
      {
        model: spec.model,
        inputSize: spec.inputSize,
        batch: spec.batch,
        classes: spec.classes,
        seed: spec.seed,
        expectParams: options.params,
        train: { ...spec.plan, learningRate: spec.learningRate, momentum: spec.momentum },
        profile: { tracedSteps: spec.tracedSteps },
      },
    ],
  };
  const profiles: StepProfile[] = [];
  const crashes: PeerCrash[] = [];
  for (const peer of PEER_FRAMEWORKS) {
    for (const config of configsOf(peer)) {
      options.log?.(`${config.framework}: profiling ${spec.model}`);
      const run = await runPeerConfig(config, request, options.log, options.command?.(peer));
      crashes.push(...run.crashes);
      const answer = run.answer?.models.find((m) => m.model === spec.model);
      if (!answer) continue;
      if (!answer.train || !answer.profile) throw new Error(`${config.framework} peer answered ${spec.model} without ${answer.train ? "a profile" : "train timings"}`);
      profiles.push({ framework: config.framework, stepMs: answer.train.seconds.map((s) => s * 1000), profile: answer.profile });
    }
  }
  return { profiles, crashes };
}

const ms = (value: number): string => (value >= 100 ? value.toFixed(0) : value >= 10 ? value.toFixed(1) : value.toFixed(2));

/** The kernels' time by kind, and the heaviest kernels by op, one column per framework (Markdown). */
export function stepProfileTables(profiles: readonly StepProfile[], top = 15): string {
  if (profiles.length === 0) throw new Error("stepProfileTables: no profiles");
  const header = (first: string): string[] => [`| ${first} | ${profiles.map((p) => p.framework).join(" | ")} |`, `| --- |${profiles.map(() => " --- |").join("")}`];
  const kinds = profiles.map((p) => timeByKind(p.profile.kernels));
  const summed = profiles.map((p) => p.profile.kernels.reduce((sum, k) => sum + k.ms, 0));
  const lines = [
    "ms per step: the untraced step's median, then the traced steps' kernel time by kind (summed over threads, so it can exceed the step)",
    "",
    ...header("kind"),
    `| **step (untraced median)** | ${profiles.map((p) => `**${ms(median(p.stepMs))}**`).join(" | ")} |`,
    ...KERNEL_KINDS.filter((kind) => kinds.some((k) => k[kind] > 0)).map((kind) => `| ${kind} | ${kinds.map((k) => ms(k[kind])).join(" | ")} |`),
    `| kernel time summed | ${summed.map(ms).join(" | ")} |`,
    "",
  ];
  const byOp = profiles.map((p) => {
    const ops = new Map<string, { count: number; ms: number }>();
    for (const k of p.profile.kernels) {
      const entry = ops.get(k.op) ?? { count: 0, ms: 0 };
      entry.count += 1;
      entry.ms += k.ms;
      ops.set(k.op, entry);
    }
    return ops;
  });
  const heaviest = [...new Set(byOp.flatMap((ops) => [...ops.keys()]))]
    .map((op) => ({ op, most: Math.max(...byOp.map((ops) => ops.get(op)?.ms ?? 0)) }))
    .sort((a, b) => b.most - a.most)
    .slice(0, top);
  lines.push(`the ${heaviest.length} heaviest kernels by op: ms per step (nodes that ran it)`, "", ...header("op"));
  for (const { op } of heaviest) {
    lines.push(`| ${op} | ${byOp.map((ops) => { const e = ops.get(op); return e ? `${ms(e.ms)} (${e.count})` : "—"; }).join(" | ")} |`);
  }
  return lines.join("\n");
}
