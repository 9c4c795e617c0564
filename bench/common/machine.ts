/** The machine a bench ran on, how busy it was (the load average at the start says whether other work shared the cores), and whether its speed moved during the run (the matmul windows). */
import * as os from "node:os";
import { cpuCachesVisible, vectorIsa } from "../../lib/runtime/cpu";
import type { MatmulRow } from "../speed/schema";

export interface MachineInfo {
  cpu: string;
  cores: number;
  memoryGiB: number;
  os: string;
  /** Widest vector extension and oneDNN-relevant extras (lib/runtime/cpu.ts); absent in results before 2026-12-01's second run. */
  isa?: string;
  /** Whether the kernel reports CPU cache sizes (hidden on the VMs where oneDNN crashes); absent in older results. */
  cpuCachesVisible?: boolean;
}

export function machineInfo(): MachineInfo {
  return {
    cpu: os.cpus()[0]?.model ?? "unknown",
    cores: os.availableParallelism(),
    memoryGiB: os.totalmem() / 2 ** 30,
    os: `${os.type()} ${os.release()} ${os.arch()}`,
    isa: vectorIsa(),
    cpuCachesVisible: cpuCachesVisible(),
  };
}

/** "AMD EPYC, AVX-512 (avx512_bf16), caches visible": the CPU as a report names it (older results: the model name only). */
export function describeCpu(machine: MachineInfo): string {
  const parts = [machine.cpu];
  if (machine.isa) parts.push(machine.isa);
  if (machine.cpuCachesVisible !== undefined) parts.push(machine.cpuCachesVisible ? "caches visible" : "caches hidden");
  return parts.join(", ");
}

/** The 1-minute load average, rounded. */
export function loadAverage(): number {
  return Math.round(os.loadavg()[0] * 100) / 100;
}

/**
 * What the load average says about a run. Only the figure at the start
 * tells whether other work shared the machine: by the end the run's own
 * threads are in it (and the 1-minute average lags by about a minute).
 */
export function loadNote(atStart: number, atEnd: number, cores: number): string {
  const figures = `Load average (1 min) ${atStart} at the start, ${atEnd} at the end, on ${cores} cores`;
  return atStart >= cores / 2
    ? `${figures}: other work was running when the run began (or had just stopped), so the timings may be slower than this machine can do.`
    : `${figures}: the machine was quiet when the run began (the figure at the end counts the run's own threads).`;
}

/** How far apart the fastest and slowest matmul of one framework's window may be before the report says the machine's speed moved. */
export const SPEED_DRIFT_LIMIT = 1.25;

/**
 * The matmul runs before and after each framework's models time the same
 * work, so their spread shows the machine changing speed under that
 * framework (a noisy neighbour on a VM: the Zen 4 EPYC's rate went 194 → 106
 * GFLOP/s between two minutes); undefined when every window held steady.
 */
export function speedDriftNote(matmul: readonly MatmulRow[]): string | undefined {
  const moved = matmul.filter((m) => m.slowestGflops !== undefined && m.bestGflops / m.slowestGflops > SPEED_DRIFT_LIMIT);
  if (moved.length === 0) return undefined;
  const ranges = moved.map((m) => `${m.framework} ${(m.slowestGflops ?? 0).toFixed(0)}–${m.bestGflops.toFixed(0)}`).join(", ");
  return `The machine's speed moved during this run: the ${moved[0].n}² matmul, timed before and after each framework's models, ranged ${ranges} GFLOP/s (more than ${Math.round((SPEED_DRIFT_LIMIT - 1) * 100)} % apart); rows timed in those windows may be slow by as much, so read them beside a rerun.`;
}
