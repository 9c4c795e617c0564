/** The machine a bench ran on and how busy it was (the load average at the start says whether other work shared the cores); whether its speed moved during a run is speed/drift.ts. */
import * as os from "node:os";
import { cpuCachesVisible, vectorIsa } from "../../lib/runtime/cpu";

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
