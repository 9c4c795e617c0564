/**
 * Backend selection: tfjs-node-gpu (if it loads and sees a GPU) → tfjs-node
 * (native CPU) → pure JS. `KDLAB_BACKEND=gpu|cpu|js` forces one;
 * `KDLAB_REQUIRE_NATIVE=1` turns a fallback to pure JS into an error.
 * KDLAB_* values are checked first (env-vars.ts); a native backend is skipped
 * only when it fails to load, each reason kept in `skipped`, never for a
 * kdlab setting such as KDLAB_BF16 (that is an error).
 */
import * as fs from "node:fs";
import * as os from "node:os";
import * as path from "node:path";
import * as tf from "@tensorflow/tfjs";
import { ExecutingBackend, installEagerRouting } from "./conv-eager";
import { applySafeOneDnnSetting, routingActive } from "./onednn";
import { BF16_VARIABLE, bf16Mode } from "./precision";
import { checkEnvironment } from "./env-vars";

export type BackendKind = "gpu" | "cpu" | "js";

export interface BackendInfo {
  kind: BackendKind;
  /** tfjs backend name: "tensorflow" for native, "cpu" for pure JS. */
  name: string;
  /** TensorFlow C library version, or "none" for pure JS. */
  tfVersion: string;
  tfjsVersion: string;
  /** Intra-op threads TensorFlow uses. */
  threads: number;
  /** oneDNN setting chosen for this machine (native CPU only). */
  oneDnn: string;
  /** Why a preferred backend was skipped, in order tried. */
  skipped: string[];
  /** The one line every entry point prints. */
  line: string;
}

interface NativeBinding {
  TF_Version: string;
}

interface NativeBackend {
  binding: NativeBinding;
}

let current: BackendInfo | undefined;

function requestedKind(): BackendKind | "auto" {
  const raw = (process.env.KDLAB_BACKEND ?? "auto").trim().toLowerCase();
  if (raw === "auto" || raw === "" || raw === "gpu" || raw === "cpu" || raw === "js") {
    return raw === "" ? "auto" : raw;
  }
  throw new Error(`KDLAB_BACKEND=${raw} is not one of gpu, cpu, js, auto`);
}

export function nativeRequired(): boolean {
  return ["1", "true", "yes"].includes((process.env.KDLAB_REQUIRE_NATIVE ?? "").toLowerCase());
}

/** The compiled addon of a tfjs-node package, if the setup step built one. */
function builtBinding(packageName: string): string | undefined {
  let entry: string;
  try {
    entry = require.resolve(packageName);
  } catch {
    return undefined;
  }
  const libDir = path.join(path.dirname(entry), "..", "lib");
  if (!fs.existsSync(libDir)) return undefined;
  for (const dir of fs.readdirSync(libDir)) {
    const candidate = path.join(libDir, dir, "tfjs_binding.node");
    if (fs.existsSync(candidate)) return candidate;
  }
  return undefined;
}

function gpuVisible(): boolean {
  return fs.existsSync("/dev/nvidia0") || fs.existsSync("/dev/dxg");
}

function intraOpThreads(): number {
  const fromEnv = Number(process.env.TF_NUM_INTRAOP_THREADS);
  if (Number.isInteger(fromEnv) && fromEnv > 0) return fromEnv;
  return os.availableParallelism();
}

function describe(info: Omit<BackendInfo, "line">): string {
  const where = info.kind === "gpu" ? "native GPU (tfjs-node-gpu)" : info.kind === "cpu" ? "native CPU (tfjs-node)" : "pure JS (fallback, slow)";
  const tfPart = info.kind === "js" ? "no TensorFlow library" : `TensorFlow ${info.tfVersion}`;
  const parts = [`backend ${info.name}: ${where}`, tfPart, `tfjs ${info.tfjsVersion}`, `${info.threads} threads`];
  if (info.kind !== "js") parts.push(info.oneDnn);
  // The compiled graphs' precision, only when it is not float32 (precision.ts).
  const mode = info.kind === "js" ? "off" : bf16Mode();
  if (mode === "all") parts.push(`compiled graphs in bf16 mixed precision (${BF16_VARIABLE}=1)`);
  if (mode === "teacher") parts.push(`teachers' compiled graphs in bf16 mixed precision (${BF16_VARIABLE}=teacher)`);
  return `kdlab ${parts.join(" · ")}`;
}

async function tryNative(packageName: string, kind: "gpu" | "cpu", skipped: string[]): Promise<BackendInfo | undefined> {
  const binding = builtBinding(packageName);
  if (!binding) {
    skipped.push(`${kind}: ${packageName} has no built addon (run npm run setup)`);
    return undefined;
  }
  if (kind === "gpu" && !gpuVisible()) {
    skipped.push("gpu: no NVIDIA device visible");
    return undefined;
  }
  let base: Omit<BackendInfo, "line">;
  try {
    const oneDnn = kind === "cpu" ? applySafeOneDnnSetting(require.resolve(packageName)) : "oneDNN n/a on GPU";
    process.env.TF_CPP_MIN_LOG_LEVEL ??= "2";
    // eslint-disable-next-line @typescript-eslint/no-require-imports
    require(packageName);
    await tf.setBackend("tensorflow");
    await tf.ready();
    const backend = tf.backend() as unknown as NativeBackend;
    // Routing setting: the eager convolutions that crash here run as MatMul (the compiled graph does the same).
    if (kind === "cpu" && routingActive()) installEagerRouting(backend as unknown as ExecutingBackend);
    base = {
      kind,
      name: tf.getBackend(),
      tfVersion: backend.binding.TF_Version,
      tfjsVersion: tf.version.tfjs,
      threads: intraOpThreads(),
      oneDnn,
      skipped,
    };
  } catch (error) {
    skipped.push(`${kind}: ${(error as Error).message.split("\n")[0]}`);
    return undefined;
  }
  // Outside the try: a KDLAB_BF16 this backend cannot honour is the user's error, not a reason to fall back to pure JS.
  return { ...base, line: describe(base) };
}

async function pureJs(skipped: string[]): Promise<BackendInfo> {
  if (nativeRequired()) {
    throw new Error(`KDLAB_REQUIRE_NATIVE is set but native TensorFlow is unavailable: ${skipped.join("; ") || "pure JS was requested"}. Run \`npm run setup\`.`);
  }
  await tf.setBackend("cpu");
  await tf.ready();
  const base = {
    kind: "js" as const,
    name: tf.getBackend(),
    tfVersion: "none",
    tfjsVersion: tf.version.tfjs,
    threads: 1,
    oneDnn: "n/a",
    skipped,
  };
  return { ...base, line: describe(base) };
}

/** Selects and initialises the backend once per process; later calls return the same answer. */
export async function initBackend(): Promise<BackendInfo> {
  if (current) return current;
  checkEnvironment();
  const wanted = requestedKind();
  const skipped: string[] = [];
  let chosen: BackendInfo | undefined;
  if (wanted === "gpu" || wanted === "auto") chosen = await tryNative("@tensorflow/tfjs-node-gpu", "gpu", skipped);
  if (wanted === "gpu" && !chosen) throw new Error(`KDLAB_BACKEND=gpu but the GPU backend is unavailable: ${skipped.join("; ")}`);
  if (!chosen && (wanted === "cpu" || wanted === "auto")) chosen = await tryNative("@tensorflow/tfjs-node", "cpu", skipped);
  if (wanted === "cpu" && !chosen) throw new Error(`KDLAB_BACKEND=cpu but native TensorFlow is unavailable: ${skipped.join("; ")}`);
  current = chosen ?? (await pureJs(skipped));
  return current;
}

/** The backend chosen so far, if initBackend has run. */
export function currentBackend(): BackendInfo | undefined {
  return current;
}

export { tf };
