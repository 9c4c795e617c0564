/** What kdlab runs on: backend, TensorFlow, Node, tslab, Jupyter, the kdlab kernel, and the convolutions routed as MatMul here. */
import { spawnSync } from "node:child_process";
import * as fs from "node:fs";
import * as path from "node:path";
import { initBackend } from "./backend";
import { routedShapeKeys } from "./conv-route/routing";
import { routingActive } from "./onednn";
import { PROJECT_ROOT, projectPython } from "./notebook/python";

export interface DoctorReport {
  backend: string;
  backendLine: string;
  tfVersion: string;
  /** Under the routing setting: the convolution shapes probed so far that crash here and run as MatMul (lib/conv-route); null when not routing. */
  routedConvolutions: string[] | null;
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

export async function doctor(): Promise<DoctorReport> {
  const backend = await initBackend();
  return {
    backend: backend.kind === "js" ? "js" : backend.kind,
    backendLine: backend.line,
    tfVersion: backend.tfVersion,
    routedConvolutions: routingActive() ? routedShapeKeys() : null,
    node: process.version,
    tslab: packageVersion("tslab"),
    jupyter: jupyterInfo(),
    kernel: kernelInfo(),
  };
}
