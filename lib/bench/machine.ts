/** The machine a bench ran on, and how busy it was (the load average says whether other work shared the cores). */
import * as os from "node:os";

export interface MachineInfo {
  cpu: string;
  cores: number;
  memoryGiB: number;
  os: string;
}

export function machineInfo(): MachineInfo {
  return { cpu: os.cpus()[0]?.model ?? "unknown", cores: os.availableParallelism(), memoryGiB: os.totalmem() / 2 ** 30, os: `${os.type()} ${os.release()} ${os.arch()}` };
}

/** The 1-minute load average, rounded: above the core count, something else was competing. */
export function loadAverage(): number {
  return Math.round(os.loadavg()[0] * 100) / 100;
}
