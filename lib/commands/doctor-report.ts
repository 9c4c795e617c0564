/** What kdlab runs on: backend (and why each backend tried before it was not chosen), TensorFlow, Node, tslab, Jupyter, the kdlab kernel, the convolutions routed as MatMul here, and whether KDLAB_BF16=1 can run. */
import { spawnSync } from "node:child_process";
import * as fs from "node:fs";
import * as path from "node:path";
import { initBackend } from "../runtime/backend";
import { BF16_VARIABLE, bf16Unavailable } from "../runtime/precision";
import { routedShapeKeys } from "../runtime/conv-routing";
import { routingActive } from "../runtime/onednn";
import { projectPython } from "../notebook/python";
import { PROJECT_ROOT } from "../runtime/paths";

export interface DoctorReport {
  backend: string;
  backendLine: string;
  /** Why each backend tried before the chosen one was not chosen ("gpu: no NVIDIA device visible"). */
  skipped: string[];
  tfVersion: string;
  /** Under the routing setting: the convolution shapes probed so far that crash here and run as MatMul (lib/runtime/conv-routing.ts); null when not routing. */
  routedConvolutions: string[] | null;
  /** Whether bf16 mixed precision (KDLAB_BF16=1) runs in this process, and if not, why (lib/runtime/precision.ts). */
  bf16: { available: true } | { available: false; reason: string };
  node: string;
  tslab: string;
  jupyter: { python: string; jupyterlab: string; nbclient: string; nbconvert: string } | { error: string };
  kernel: { name: string; displayName: string; specFile: string; argv: string[] } | { error: string };
}

function packageVersion(name: string): string {
  const file = path.join(PROJECT_ROOT, "node_modules", ...name.split("/"), "package.json");
  return (JSON.parse(fs.readFileSync(file, "utf8")) as { version: string }).version;
}

function jupyterInfo(): DoctorReport["jupyter"] {
  try {
    const python = projectPython();
    const code = "import json,jupyterlab,nbclient,nbconvert;print(json.dumps({'jupyterlab':jupyterlab.__version__,'nbclient':nbclient.__version__,'nbconvert':nbconvert.__version__}))";
    const result = spawnSync(python, ["-c", code], { encoding: "utf8" });
    if (result.status !== 0) return { error: `${python}: ${result.stderr.trim().split("\n").pop() ?? "failed"}` };
    return { python, ...(JSON.parse(result.stdout) as { jupyterlab: string; nbclient: string; nbconvert: string }) };
  } catch (error) {
    return { error: (error as Error).message };
  }
}

interface KernelSpecList {
  kernelspecs: Record<string, { resource_dir: string; spec: { display_name: string; argv: string[] } }>;
}

function kernelInfo(): DoctorReport["kernel"] {
  try {
    const jupyter = path.join(path.dirname(projectPython()), "jupyter");
    const result = spawnSync(jupyter, ["kernelspec", "list", "--json"], { encoding: "utf8" });
    if (result.status !== 0) return { error: `jupyter kernelspec list failed: ${result.stderr.trim()}` };
    const kdlab = (JSON.parse(result.stdout) as KernelSpecList).kernelspecs.kdlab;
    if (!kdlab) return { error: "the kdlab kernel is not registered: run `npm run setup`" };
    return { name: "kdlab", displayName: kdlab.spec.display_name, specFile: path.join(kdlab.resource_dir, "kernel.json"), argv: kdlab.spec.argv };
  } catch (error) {
    return { error: (error as Error).message };
  }
}

/** Asked after the backend is up: kdlab's oneDNN setting (an AVX cap) can remove the bf16 kernels a CPU has. */
function bf16Report(): DoctorReport["bf16"] {
  const reason = bf16Unavailable();
  return reason === undefined ? { available: true } : { available: false, reason };
}

/** The doctor's line for bf16. */
export function bf16Line(report: DoctorReport["bf16"]): string {
  return report.available ? `bf16 mixed precision: available (${BF16_VARIABLE}=1 turns it on for the compiled graphs, ${BF16_VARIABLE}=teacher for the teachers' only)` : `bf16 mixed precision: unavailable, ${report.reason}`;
}

export async function doctor(): Promise<DoctorReport> {
  const backend = await initBackend();
  return {
    backend: backend.kind === "js" ? "js" : backend.kind,
    backendLine: backend.line,
    skipped: backend.skipped,
    tfVersion: backend.tfVersion,
    routedConvolutions: routingActive() ? routedShapeKeys() : null,
    bf16: bf16Report(),
    node: process.version,
    tslab: packageVersion("tslab"),
    jupyter: jupyterInfo(),
    kernel: kernelInfo(),
  };
}
