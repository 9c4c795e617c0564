/**
 * What this CPU shows the operating system: its widest vector extension and
 * whether the kernel reports its cache sizes. Both tell our machine kinds
 * apart (AVX2 EPYC with caches visible; AVX-512 VMs that hide them, where
 * oneDNN crashes), for the oneDNN probe's fingerprint and the bench's header.
 */
import * as fs from "node:fs";

/** True when /sys lists the CPU's caches; VMs that hide them are where oneDNN's 1×1 convolutions crash. */
export function cpuCachesVisible(): boolean {
  return fs.existsSync("/sys/devices/system/cpu/cpu0/cache/index0");
}

/** The flags line of /proc/cpuinfo, or null where there is none (not Linux). */
function cpuFlags(cpuinfo: string | null): Set<string> | null {
  const line = cpuinfo?.split("\n").find((l) => /^flags\s*:/.test(l));
  return line ? new Set(line.slice(line.indexOf(":") + 1).trim().split(/\s+/)) : null;
}

/** The extras oneDNN has kernels for, named when present. */
const NOTABLE_EXTENSIONS = ["avx512_vnni", "avx512_bf16", "avx512_fp16", "amx_bf16"];

/** "AVX-512 (avx512_vnni, avx512_bf16)", "AVX2", …, or "unknown" without /proc/cpuinfo; `cpuinfo` for tests. */
export function vectorIsa(cpuinfo: string | null = readCpuinfo()): string {
  const flags = cpuFlags(cpuinfo);
  if (!flags) return "unknown";
  const widest = flags.has("avx512f") ? "AVX-512" : flags.has("avx2") ? "AVX2" : flags.has("avx") ? "AVX" : "SSE";
  const extras = NOTABLE_EXTENSIONS.filter((flag) => flags.has(flag));
  return extras.length > 0 ? `${widest} (${extras.join(", ")})` : widest;
}

/** True where oneDNN has bf16 kernels: avx512_bf16 or AMX (precision.ts). */
export function cpuHasBf16Kernels(cpuinfo: string | null = readCpuinfo()): boolean {
  const flags = cpuFlags(cpuinfo);
  return flags !== null && (flags.has("avx512_bf16") || flags.has("amx_bf16"));
}

/** /proc/cpuinfo, read once per process: the CPU does not change under us, and every compiled session asks (precision.ts). */
let cpuinfoText: string | null | undefined;

function readCpuinfo(): string | null {
  if (cpuinfoText !== undefined) return cpuinfoText;
  try {
    cpuinfoText = fs.readFileSync("/proc/cpuinfo", "utf8");
  } catch {
    cpuinfoText = null;
  }
  return cpuinfoText;
}
