/**
 * trials/<id>/owner.json: which processes run a trial — the sweep that
 * launched it and the trial's own `kdlab train` (pids with their start
 * times, and the host) — written at launch, removed when the trial ends. A
 * sweep started on the folder (--resume) refuses while either still runs,
 * so no trial is ever trained by two processes at once.
 */
import * as fs from "node:fs";
import * as os from "node:os";
import * as path from "node:path";
import { processRecord, ProcessRecord, stillRunning } from "../runtime/process-tree";

export const OWNER_FILE = "owner.json";

export interface TrialOwner {
  sweep: ProcessRecord;
  trial: ProcessRecord;
  host: string;
  started: string;
}

export function writeOwner(dir: string, trialPid: number): void {
  const owner: TrialOwner = { sweep: processRecord(process.pid), trial: processRecord(trialPid), host: os.hostname(), started: new Date().toISOString() };
  fs.writeFileSync(path.join(dir, OWNER_FILE), `${JSON.stringify(owner, null, 1)}\n`);
}

export function clearOwner(dir: string): void {
  fs.rmSync(path.join(dir, OWNER_FILE), { force: true });
}

function readOwner(dir: string): TrialOwner | undefined {
  try {
    return JSON.parse(fs.readFileSync(path.join(dir, OWNER_FILE), "utf8")) as TrialOwner;
  } catch {
    return undefined;
  }
}

/** Why trial `id` (folder `dir`) must not be started again now, or undefined when no recorded owner of it runs on this host. */
export function liveOwner(dir: string, id: string): string | undefined {
  const owner = readOwner(dir);
  // Pids of another host cannot be checked from here; a trial folder moves hosts only through a shared disk.
  if (!owner || owner.host !== os.hostname()) return undefined;
  if (stillRunning(owner.trial)) return `trial ${id} is still being trained by kdlab train pid ${owner.trial.pid} (started ${owner.started} by sweep pid ${owner.sweep.pid}); wait for it to end or stop it (kill ${owner.trial.pid}), then --resume again`;
  if (stillRunning(owner.sweep) && owner.sweep.pid !== process.pid) return `trial ${id} belongs to sweep pid ${owner.sweep.pid}, still running (it started the trial at ${owner.started}); wait for it or stop it (kill ${owner.sweep.pid}), then --resume again`;
  return undefined;
}
