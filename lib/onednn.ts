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
 * cache sizes. The settings that avoid it must be in the environment before
 * TensorFlow loads, so we probe once in a child process, fastest setting
 * first, and remember the answer per machine. Child processes (notebook
 * kernels, bench workers) inherit the chosen setting and its label.
 */
import { spawnSync } from "node:child_process";
import { createHash } from "node:crypto";
import * as fs from "node:fs";
import * as os from "node:os";
import * as path from "node:path";
import { GRAPH_BINDING_PATH } from "./compiled/binding";

export interface OneDnnSetting {
  /** Short label for the backend line. */
  label: string;
  /** Environment variables to set before TensorFlow loads. */
  env: Record<string, string>;
}

/** Fastest first: oneDNN on, then capped at AVX (~3× slower on small nets), then off (2–4×). */
export const ONEDNN_SETTINGS: readonly OneDnnSetting[] = [
  { label: "oneDNN on", env: { TF_ENABLE_ONEDNN_OPTS: "1" } },
  { label: "oneDNN capped at AVX (full ISA crashes here)", env: { TF_ENABLE_ONEDNN_OPTS: "1", ONEDNN_MAX_CPU_ISA: "AVX" } },
  { label: "oneDNN off (crashes here)", env: { TF_ENABLE_ONEDNN_OPTS: "0" } },
];

/** Set with the chosen setting, so child processes report its label instead of "set by user". */
const LABEL_VARIABLE = "KDLAB_ONEDNN";

interface ProbeRecord {
  fingerprint: string;
  label: string;
  env: Record<string, string>;
  probedAt: string;
}

/**
 * Convolutions of the study's backbones that exercise the crashing oneDNN
 * paths, forward and backward: eagerly through tfjs-node, and, when the graph
 * binding of the compiled step is built (argv[2]), as a graph (Conv2D + Relu,
 * which Grappler fuses into oneDNN's fused convolution).
 */
const PROBE_SCRIPT = `
const tf = require(process.argv[1]);
const shapes = [[14, 1024, 512], [28, 512, 256], [56, 256, 128], [7, 320, 1280]];
for (const [size, cin, cout] of shapes) {
  const x = tf.ones([2, size, size, cin]);
  const w = tf.ones([1, 1, cin, cout]);
  const g = tf.grads((a, b) => tf.conv2d(a, b, 1, "same").sum());
  const [dx, dw] = g([x, w]);
  dx.dataSync(); dw.dataSync();
  tf.dispose([x, w, dx, dw]);
}
if (process.argv[2] && require("fs").existsSync(process.argv[2])) {
  const b = require(process.argv[2]);
  const T = { name: "T", kind: "type", value: 1 };
  for (const [size, cin, cout] of shapes) {
    const graph = b.newGraph();
    const op = (type, name, inputs, attrs) => [b.addOperation(graph, type, name, inputs, attrs, null), 0];
    const x = op("Placeholder", "x", [], [{ name: "dtype", kind: "type", value: 1 }, { name: "shape", kind: "shape", value: [2, size, size, cin] }]);
    const w = op("Placeholder", "w", [], [{ name: "dtype", kind: "type", value: 1 }, { name: "shape", kind: "shape", value: [1, 1, cin, cout] }]);
    const conv = op("Conv2D", "conv", [x, w], [T, { name: "strides", kind: "intList", value: [1, 1, 1, 1] }, { name: "padding", kind: "string", value: "SAME" }]);
    const relu = op("Relu", "relu", [conv], [T]);
    const axes = op("Const", "axes", [], [{ name: "dtype", kind: "type", value: 3 }, { name: "value", kind: "tensor", value: { dtype: 3, shape: [4], data: Int32Array.of(0, 1, 2, 3) } }]);
    const sum = op("Sum", "sum", [relu, axes], [T, { name: "Tidx", kind: "type", value: 3 }, { name: "keep_dims", kind: "bool", value: false }]);
    const grads = b.addGradients(graph, "grad", [sum], [x, w], null);
    const session = b.newSession(graph, null);
    const feed = (shape) => ({ dtype: 1, shape, data: new Float32Array(shape.reduce((p, d) => p * d, 1)).fill(0.01) });
    b.sessionRun(session, [[x, feed([2, size, size, cin])], [w, feed([1, 1, cin, cout])]], grads, []);
    b.closeSession(session);
  }
}
process.stdout.write("probe-ok");
`;

function cacheFile(): string {
  const base = process.env.XDG_CACHE_HOME ?? path.join(os.homedir(), ".cache");
  return path.join(base, "kdlab", "onednn.json");
}

/** What decides the answer: the CPU, whether caches are visible, the TensorFlow library, and whether graphs were probed too. */
function machineFingerprint(tfjsNodeEntry: string): string {
  const cpu = os.cpus()[0]?.model ?? "unknown";
  const cachesVisible = fs.existsSync("/sys/devices/system/cpu/cpu0/cache/index0");
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
  return createHash("sha256").update(["v2", cpu, os.cpus().length, cachesVisible, libStamp, os.hostname(), graphsProbed].join("|")).digest("hex").slice(0, 16);
}

function userChoseSetting(): boolean {
  return process.env.TF_ENABLE_ONEDNN_OPTS !== undefined || process.env.ONEDNN_MAX_CPU_ISA !== undefined;
}

function readRecord(fingerprint: string): ProbeRecord | undefined {
  try {
    const record = JSON.parse(fs.readFileSync(cacheFile(), "utf8")) as ProbeRecord;
    return record.fingerprint === fingerprint ? record : undefined;
  } catch {
    return undefined;
  }
}

export interface ProbeOutcome {
  ok: boolean;
  /** "exit 0", "signal SIGFPE", … */
  detail: string;
}

/** Runs a probe script in a child process under a setting; a crash (SIGFPE) is a failed probe, not ours. */
export function probeInChild(script: string, args: string[], setting: OneDnnSetting): ProbeOutcome {
  const result = spawnSync(process.execPath, ["-e", script, ...args], {
    env: { ...process.env, ...setting.env, TF_CPP_MIN_LOG_LEVEL: "3" },
    encoding: "utf8",
    timeout: 120_000,
  });
  const ok = result.status === 0 && result.stdout.includes("probe-ok");
  const detail = result.signal ? `signal ${result.signal}` : `exit ${result.status}`;
  return { ok, detail };
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

/**
 * Sets the fastest safe oneDNN environment for this machine in process.env
 * (TensorFlow reads it when it loads) and returns its label.
 */
export function applySafeOneDnnSetting(tfjsNodeEntry: string): string {
  const inherited = process.env[LABEL_VARIABLE];
  if (inherited) return inherited;
  if (userChoseSetting()) {
    const chosen = process.env.TF_ENABLE_ONEDNN_OPTS === "0" ? "oneDNN off" : `oneDNN ISA ${process.env.ONEDNN_MAX_CPU_ISA ?? "default"}`;
    return `${chosen} (set by user)`;
  }
  const fingerprint = machineFingerprint(tfjsNodeEntry);
  const known = readRecord(fingerprint);
  if (known) {
    Object.assign(process.env, known.env, { [LABEL_VARIABLE]: known.label });
    return known.label;
  }
  const setting = pickSetting(ONEDNN_SETTINGS, (candidate) => probeInChild(PROBE_SCRIPT, [tfjsNodeEntry, GRAPH_BINDING_PATH], candidate));
  const record: ProbeRecord = { fingerprint, label: setting.label, env: setting.env, probedAt: new Date().toISOString() };
  try {
    fs.mkdirSync(path.dirname(cacheFile()), { recursive: true });
    fs.writeFileSync(cacheFile(), JSON.stringify(record, null, 2));
  } catch {
    // an unwritable cache only costs a probe next time
  }
  Object.assign(process.env, setting.env, { [LABEL_VARIABLE]: setting.label });
  return setting.label;
}
