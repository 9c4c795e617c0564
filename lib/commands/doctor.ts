/** `kdlab doctor`: the backend (and why the ones tried before it were not chosen), TensorFlow, Node, tslab, Jupyter and kernel kdlab runs on, the convolutions routed as MatMul, and whether bf16 runs here; exit 1 when Jupyter or the kernel is missing. */
import { bf16Line, doctor } from "./doctor-report";
import { defineCommand } from "./command";

export const doctorCommand = defineCommand<{ json?: boolean }>({
  name: "doctor",
  summary: "show the backend, TensorFlow, Node, tslab, Jupyter and kernel kdlab runs on",
  define: (cmd) => cmd.option("--json", "print the report as JSON: {backend, skipped, tfVersion, routedConvolutions, bf16, node, tslab, jupyter, kernel}"),
  async action(_args, { json }) {
    const report = await doctor();
    if (json) {
      console.log(JSON.stringify(report, null, 2));
    } else {
      console.log(report.backendLine);
      for (const reason of report.skipped) console.log(`  not chosen: ${reason}`);
      if (report.routedConvolutions) console.log(`convolutions that crash here, run as MatMul: ${report.routedConvolutions.length === 0 ? "none probed yet" : report.routedConvolutions.join("; ")}`);
      console.log(bf16Line(report.bf16));
      console.log(`node ${report.node} · tslab ${report.tslab}`);
      console.log("error" in report.jupyter ? `jupyter: ${report.jupyter.error}` : `jupyterlab ${report.jupyter.jupyterlab} · nbclient ${report.jupyter.nbclient} · nbconvert ${report.jupyter.nbconvert} (${report.jupyter.python})`);
      console.log("error" in report.kernel ? `kernel: ${report.kernel.error}` : `kernel "${report.kernel.displayName}" (${report.kernel.specFile})`);
    }
    const healthy = !("error" in report.jupyter) && !("error" in report.kernel);
    return healthy ? 0 : 1;
  },
});
