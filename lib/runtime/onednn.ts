/**
 * oneDNN for native TensorFlow: on, explicitly, and safe on machines that hide
 * their CPU caches.
 *
 * TensorFlow 2.21 turns its oneDNN kernels on by itself only on some CPUs; on
 * this project's AMD EPYC VMs (AVX2, no AVX-512) it leaves them off unless
 * TF_ENABLE_ONEDNN_OPTS=1, and a train step then runs Eigen's convolution
 * kernels (measured: the CIFAR teacher's compiled step 1.8× slower). So the
 * fastest setting sets it to 1.
 *
 * TF 2.21's oneDNN kernels die with SIGFPE creating some 1×1 convolutions
 * (DenseNet121's pool4_conv, 14×14×1024 → 512) on VMs that expose no CPU
 * cache sizes, while every other convolution of the study and the same
 * product as a MatMul run at the full ISA. So the second setting keeps the
 * full ISA and routes exactly the convolutions that crash here through a
 * MatMul (conv-routing.ts: probed per shape, in the compiled graph and in the
 * eager kernels alike); capping the whole ISA at AVX (~3× slower) comes only
 * after that. The settings must be in the environment before TensorFlow
 * loads, so we probe once in a child process, fastest setting first, and
 * remember the answer per machine. Child processes (notebook kernels, bench
 * workers) inherit the chosen setting and its label.
 */
import { spawnSync } from "node:child_process";
import { createHash } from "node:crypto";
import * as fs from "node:fs";
import * as os from "node:os";
import * as path from "node:path";
import { GRAPH_BINDING_PATH } from "./paths";
import { cpuCachesVisible } from "./cpu";
import { readCacheRecord, userCacheFile, writeCacheRecord } from "./user-cache";
import { ProbeShape, runProbeChild, STAND_IN_VARIABLE } from "./conv-probe-child";
import { convShapeKey, ConvShape, parseConvShapeKey } from "./conv-shape";

export interface OneDnnSetting {
  /** Short label for the backend line. */
  label: string;
  /** Environment variables to set before TensorFlow loads. */
  env: Record<string, string>;
  /** How the probe runs 1×1 stride-1 convolutions under this setting: as convolutions, or as kdlab routes them (MatMul). */
  probeMode: "conv" | "matmul";
}

/** "1" when the crashing 1×1 convolutions of this machine run as MatMul (conv-routing.ts). */
export const ROUTE_VARIABLE = "KDLAB_ONEDNN_ROUTE";

/** Fastest first: oneDNN on; on with the crashing 1×1 convolutions as MatMul; capped at AVX (~3× slower on small nets); off (2–4×). */
export const ONEDNN_SETTINGS: readonly OneDnnSetting[] = [
  { label: "oneDNN on", env: { TF_ENABLE_ONEDNN_OPTS: "1" }, probeMode: "conv" },
  { label: "oneDNN on, 1×1 convolutions that crash here run as MatMul", env: { TF_ENABLE_ONEDNN_OPTS: "1", [ROUTE_VARIABLE]: "1" }, probeMode: "matmul" },
  { label: "oneDNN capped at AVX (full ISA crashes here)", env: { TF_ENABLE_ONEDNN_OPTS: "1", ONEDNN_MAX_CPU_ISA: "AVX" }, probeMode: "conv" },
  { label: "oneDNN off (crashes here)", env: { TF_ENABLE_ONEDNN_OPTS: "0" }, probeMode: "conv" },
];

/** Set with the chosen setting, so child processes report its label instead of "set by user". */
const LABEL_VARIABLE = "KDLAB_ONEDNN";

/** The machine's fingerprint, for the per-shape record of conv-routing.ts (inherited by child processes). */
export const MACHINE_VARIABLE = "KDLAB_ONEDNN_MACHINE";

interface ProbeRecord {
  fingerprint: string;
  label: string;
  env: Record<string, string>;
  probedAt: string;
  /** Why this machine was moved to a slower setting after the first probe (a convolution kdlab cannot route). */
  reason?: string;
}

/**
 * Convolutions of the study's backbones that exercise the crashing oneDNN
 * paths (the 1×1s; the first is the one that crashes), and a 3×3 and a
 * depthwise convolution that must survive the full ISA for routing to be
 * enough, plus any stand-in crash shapes a test names.
 */
const MACHINE_PROBE_SHAPES: readonly ConvShape[] = [
  ...[[14, 1024, 512], [28, 512, 256], [56, 256, 128], [7, 320, 1280]].map(([size, inChannels, outChannels]): ConvShape => ({ kind: "conv", height: size, width: size, inChannels, outChannels, kernel: [1, 1], strides: [1, 1], padding: "SAME" })),
  { kind: "conv", height: 14, width: 14, inChannels: 128, outChannels: 32, kernel: [3, 3], strides: [1, 1], padding: "SAME" },
  { kind: "depthwise", height: 56, width: 56, inChannels: 144, outChannels: 144, kernel: [3, 3], strides: [2, 2], padding: "SAME" },
];

/** The stand-in crash shapes a test set (conv-probe-child.ts). */
export function standInCrashKeys(): string[] {
  return (process.env[STAND_IN_VARIABLE] ?? "").split(",").map((key) => key.trim()).filter(Boolean);
}

function machineProbeShapes(): ProbeShape[] {
  // Stand-ins first: on a machine that really crashes, a test's stand-in is still the crash it sees.
  const shapes = [...standInCrashKeys().map(parseConvShapeKey), ...MACHINE_PROBE_SHAPES];
  return shapes.map((shape) => ({ key: convShapeKey(shape), shape, batches: [2] }));
}

function cacheFile(): string {
  return userCacheFile("onednn.json");
}

/** What decides the answer: the CPU, whether caches are visible, the TensorFlow library, and whether graphs were probed too. */
function machineFingerprint(tfjsNodeEntry: string): string {
  const cpu = os.cpus()[0]?.model ?? "unknown";
  const cachesVisible = cpuCachesVisible();
  let libStamp = "none";
  const lib = path.join(path.dirname(tfjsNodeEntry), "..", "deps", "lib", "libtensorflow_cc.so.2");
  try {
    const stat = fs.statSync(lib);
    libStamp = `${stat.size}`;
  } catch {
    // no native library yet: the fingerprint still distinguishes machines
  }
  const graphsProbed = fs.existsSync(GRAPH_BINDING_PATH);
  // v2: "oneDNN on" sets TF_ENABLE_ONEDNN_OPTS=1 (v1 probed with TensorFlow's default, which is off here).
  // v3: the routing setting; a test's stand-in crash shapes get their own record.
  return createHash("sha256")
    .update(["v3", cpu, os.cpus().length, cachesVisible, libStamp, os.hostname(), graphsProbed, standInCrashKeys().join(",")].join("|"))
    .digest("hex")
    .slice(0, 16);
}

function userChoseSetting(): boolean {
  return process.env.TF_ENABLE_ONEDNN_OPTS !== undefined || process.env.ONEDNN_MAX_CPU_ISA !== undefined;
}

function readRecord(fingerprint: string): ProbeRecord | undefined {
  const record = readCacheRecord<ProbeRecord>(cacheFile());
  return record?.fingerprint === fingerprint ? record : undefined;
}

function writeRecord(record: ProbeRecord): void {
  writeCacheRecord(cacheFile(), record);
}

export interface ProbeOutcome {
  ok: boolean;
  /** "exit 0", "signal SIGFPE", … */
  detail: string;
}

/** The oneDNN variables a setting decides; a child probing a setting gets exactly the setting's, none inherited. */
const SETTING_VARIABLES = ["TF_ENABLE_ONEDNN_OPTS", "ONEDNN_MAX_CPU_ISA", "DNNL_MAX_CPU_ISA", ROUTE_VARIABLE];

/** Our environment with `setting` in place of whatever oneDNN variables we have. */
function settingEnvironment(setting: OneDnnSetting): NodeJS.ProcessEnv {
  const env = { ...process.env };
  for (const name of SETTING_VARIABLES) delete env[name];
  return { ...env, ...setting.env };
}

/** Runs a probe script in a child process under a setting; a crash (SIGFPE) is a failed probe, not ours. */
export function probeInChild(script: string, args: string[], setting: OneDnnSetting): ProbeOutcome {
  const result = spawnSync(process.execPath, ["-e", script, ...args], {
    env: { ...settingEnvironment(setting), TF_CPP_MIN_LOG_LEVEL: "3" },
    encoding: "utf8",
    timeout: 120_000,
  });
  const ok = result.status === 0 && result.stdout.includes("probe-ok");
  const detail = result.signal ? `signal ${result.signal}` : `exit ${result.status}`;
  return { ok, detail };
}

/** The machine probe: the study's crash-prone convolutions, forward and backward, eager and graph, at batch 2, under `setting`. */
export function probeMachine(tfjsNodeEntry: string, setting: OneDnnSetting): ProbeOutcome {
  const shapes = machineProbeShapes();
  const run = runProbeChild(tfjsNodeEntry, GRAPH_BINDING_PATH, shapes, setting.probeMode, settingEnvironment(setting));
  if (run.complete) return { ok: true, detail: "exit 0" };
  if (run.crashed) return { ok: false, detail: `${run.crashed.detail} on ${shapes[run.crashed.index].key}` };
  return { ok: false, detail: run.failure ?? "no answer" };
}

/** The first (fastest) setting whose probe survives; an error listing every failure if none does. */
export function pickSetting(settings: readonly OneDnnSetting[], probe: (setting: OneDnnSetting) => ProbeOutcome): OneDnnSetting {
  const failures: string[] = [];
  for (const setting of settings) {
    const outcome = probe(setting);
    if (outcome.ok) return setting;
    failures.push(`${setting.label}: ${outcome.detail}`);
  }
  throw new Error(`native TensorFlow failed the convolution probe under every oneDNN setting (${failures.join("; ")})`);
}

/** Whether oneDNN is capped below AVX2 in this process (the AVX cap, chosen or set by the user), where some of its kernels have no JIT. */
export function oneDnnBelowAvx2(): boolean {
  const cap = (process.env.ONEDNN_MAX_CPU_ISA ?? process.env.DNNL_MAX_CPU_ISA ?? "").toUpperCase();
  return process.env.TF_ENABLE_ONEDNN_OPTS !== "0" && (cap === "AVX" || cap === "SSE41");
}

/** Whether this process runs the crashing 1×1 convolutions as MatMul (the routing setting, chosen or set by the user). */
export function routingActive(): boolean {
  return process.env[ROUTE_VARIABLE] === "1";
}

/**
 * Moves this machine to the AVX cap from the next start: a convolution that
 * crashes at the full ISA turned out to have no route (conv-routing.ts).
 * Returns the record's path, for the error that says so.
 */
export function capFromNextStart(reason: string): string {
  const fingerprint = process.env[MACHINE_VARIABLE];
  const cap = ONEDNN_SETTINGS.find((s) => s.env.ONEDNN_MAX_CPU_ISA === "AVX");
  if (fingerprint && cap) writeRecord({ fingerprint, label: `${cap.label}: ${reason}`, env: cap.env, probedAt: new Date().toISOString(), reason });
  return cacheFile();
}

/**
 * Sets the fastest safe oneDNN environment for this machine in process.env
 * (TensorFlow reads it when it loads) and returns its label.
 */
export function applySafeOneDnnSetting(tfjsNodeEntry: string): string {
  // Recomputed, not inherited: a child with a test's stand-in crash shapes is another "machine".
  const fingerprint = machineFingerprint(tfjsNodeEntry);
  process.env[MACHINE_VARIABLE] = fingerprint;
  const inherited = process.env[LABEL_VARIABLE];
  if (inherited) return inherited;
  if (userChoseSetting()) {
    const chosen = process.env.TF_ENABLE_ONEDNN_OPTS === "0" ? "oneDNN off" : `oneDNN ISA ${process.env.ONEDNN_MAX_CPU_ISA ?? "default"}`;
    const routed = routingActive() ? ", 1×1 convolutions that crash here run as MatMul" : "";
    return `${chosen}${routed} (set by user)`;
  }
  const known = readRecord(fingerprint);
  if (known) {
    Object.assign(process.env, known.env, { [LABEL_VARIABLE]: known.label });
    return known.label;
  }
  const setting = pickSetting(ONEDNN_SETTINGS, (candidate) => probeMachine(tfjsNodeEntry, candidate));
  writeRecord({ fingerprint, label: setting.label, env: setting.env, probedAt: new Date().toISOString() });
  Object.assign(process.env, setting.env, { [LABEL_VARIABLE]: setting.label });
  return setting.label;
}
