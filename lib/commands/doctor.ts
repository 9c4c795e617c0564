import { doctor } from "../doctor";
import { Command, parseFlags } from "./command";

export const doctorCommand: Command = {
  name: "doctor",
  summary: "show the backend, TensorFlow, Node, tslab, Jupyter and kernel kdlab runs on",
  usage: "usage: kdlab doctor [--json]",
  async run(args) {
    const { flags } = parseFlags(args, ["json"], []);
    const report = await doctor();
    if (flags.has("json")) {
      console.log(JSON.stringify(report, null, 2));
    } else {
      console.log(report.backendLine);
      console.log(`node ${report.node} · tslab ${report.tslab}`);
      console.log("error" in report.jupyter ? `jupyter: ${report.jupyter.error}` : `jupyterlab ${report.jupyter.jupyterlab} · nbclient ${report.jupyter.nbclient} · nbconvert ${report.jupyter.nbconvert} (${report.jupyter.python})`);
      console.log("error" in report.kernel ? `kernel: ${report.kernel.error}` : `kernel "${report.kernel.displayName}" (${report.kernel.specFile})`);
    }
    const healthy = !("error" in report.jupyter) && !("error" in report.kernel);
    return healthy ? 0 : 1;
  },
};
