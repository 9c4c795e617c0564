/**
 * Opt-in bfloat16 mixed precision for the compiled graphs (train step,
 * predictor): KDLAB_BF16=1 turns on Grappler's oneDNN bfloat16 rewrite
 * (RewriterConfig.auto_mixed_precision_onednn_bfloat16), which runs
 * convolutions and matmuls in bf16 with float32 variables and loss;
 * KDLAB_BF16=teacher only for teachers (the teacher's own training and its
 * outputs during distillation), since bf16 pays on dense convolutions and
 * loses on depthwise ones (MobileNetV2). Opt-in, never chosen for you: it
 * changes the numbers, and it pays only on some CPUs. Measured with Keras,
 * whose graphs get the same rewrite: on the AVX-512 Zen 4 EPYC (avx512_bf16)
 * 1.4–1.8× faster steps; on the AVX-512 Xeon (avx512_bf16, no AMX)
 * 0.64–0.79×. Where oneDNN has no bf16 kernels (a CPU without avx512_bf16 or
 * AMX, oneDNN off, or kdlab's AVX cap on the VMs where full oneDNN crashes),
 * asking for it is an error. The eager step and eager ops stay float32 (no
 * Grappler there). A compiled step or predictor can also be given its
 * precision directly (the bench times both side by side in one process);
 * without one it takes KDLAB_BF16's for its role.
 */
import { cpuHasBf16Kernels } from "./cpu";

export const BF16_VARIABLE = "KDLAB_BF16";

/** oneDNN ISA caps (ONEDNN_MAX_CPU_ISA) that keep its bf16 kernels; any other cap (AVX, AVX2, AVX512_CORE, …) removes them. */
const CAPS_WITH_BF16 = new Set(["ALL", "DEFAULT", "AVX512_CORE_BF16", "AVX512_CORE_FP16", "AVX10_1_512", "AVX512_CORE_AMX", "AVX512_CORE_AMX_FP16", "AVX10_1_512_AMX", "AVX10_1_512_AMX_FP16"]);

/** Why oneDNN has no bf16 kernels in this process (the CPU, or the oneDNN setting kdlab chose), or undefined where it has. */
export function bf16Unavailable(env: NodeJS.ProcessEnv = process.env): string | undefined {
  if (!cpuHasBf16Kernels()) return "this CPU has neither avx512_bf16 nor amx_bf16, so oneDNN has no bf16 kernels here";
  if (env.TF_ENABLE_ONEDNN_OPTS === "0") return "oneDNN is off here (TF_ENABLE_ONEDNN_OPTS=0), and the rewrite is oneDNN's";
  const cap = env.ONEDNN_MAX_CPU_ISA ?? env.DNNL_MAX_CPU_ISA;
  if (cap !== undefined && !CAPS_WITH_BF16.has(cap.toUpperCase())) return `oneDNN is capped at ${cap} here (ONEDNN_MAX_CPU_ISA), which has no bf16 kernels`;
  return undefined;
}

/** KDLAB_BF16's values: off (0 or unset), every compiled graph (1), or teachers' only (teacher). */
export type Bf16Mode = "off" | "all" | "teacher";

/** KDLAB_BF16 parsed; an error where oneDNN has no bf16 kernels here, or for a value other than 0, 1 or teacher. */
export function bf16Mode(env: NodeJS.ProcessEnv = process.env): Bf16Mode {
  const value = env[BF16_VARIABLE];
  if (value === undefined || value === "" || value === "0") return "off";
  if (value !== "1" && value !== "teacher") throw new Error(`${BF16_VARIABLE}=${value}: use 1 (bf16 mixed precision in every compiled graph), teacher (in the teachers' only) or 0`);
  const reason = bf16Unavailable(env);
  if (reason) throw new Error(`${BF16_VARIABLE}=${value}: ${reason}; unset it`);
  return value === "1" ? "all" : "teacher";
}

/** True when KDLAB_BF16 asks for bf16 anywhere (1 or teacher); throws as bf16Mode does. */
export function bfloat16Requested(env: NodeJS.ProcessEnv = process.env): boolean {
  return bf16Mode(env) !== "off";
}

/** The compiled graphs' precision, as the backend line, the model cache and the bench name it. */
export type ComputePrecision = "float32" | "bf16 mixed";

/** Whose graph it is: a teacher's (trained, or giving its outputs to a student) or a student's; unsaid counts as a student's. */
export type PrecisionRole = "teacher" | "student";

/** KDLAB_BF16's precision for a graph of `role`: what a compiled graph gets when it is not given one. */
export function computePrecision(env: NodeJS.ProcessEnv = process.env, role?: PrecisionRole): ComputePrecision {
  const mode = bf16Mode(env);
  return mode === "all" || (mode === "teacher" && role === "teacher") ? "bf16 mixed" : "float32";
}

/**
 * KDLAB_BF16's precision for a graph of `role`, read from this process's
 * environment: where the experiment runner, the trainer and the model cache
 * read it (a compiled graph given its precision does not). Throws as
 * bf16Mode does, so calling it checks KDLAB_BF16.
 */
export function precisionFromEnv(role?: PrecisionRole): ComputePrecision {
  return computePrecision(process.env, role);
}

/** Throws, with the reason, where `precision` is bf16 and oneDNN has no bf16 kernels in this process. */
export function checkPrecisionAvailable(precision: ComputePrecision, env: NodeJS.ProcessEnv = process.env): void {
  if (precision === "float32") return;
  const reason = bf16Unavailable(env);
  if (reason) throw new Error(`bf16 mixed precision: ${reason}`);
}

/** ConfigProto { graph_options (10) { rewrite_options (10) { auto_mixed_precision_onednn_bfloat16 (31): ON (1) } } }. */
export const BF16_REWRITE_CONFIG = Uint8Array.of(0x52, 0x05, 0x52, 0x03, 0xf8, 0x01, 0x01);
