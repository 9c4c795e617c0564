/** `kdlab export <run-dir | latest>`: a run's finished model as a static web page that classifies chest X-rays in the browser (lib/export). */
import { initBackend } from "../runtime/backend";
import { defaultRunsRoot, Role } from "../experiments/index";
import { exportRun, Quantization, QUANTIZATIONS } from "../export/index";
import { argument, defineCommand, option, UsageError } from "./command";

const ROLES: Role[] = ["student", "teacher"];
const mib = (bytes: number): string => `${(bytes / 1024 / 1024).toFixed(2)} MiB`;
const pct = (x: number): string => `${(100 * x).toFixed(1)} %`;

export const exportCommand = defineCommand<{ model?: string; quantize?: string; out?: string; runs?: string; evaluate: boolean }>({
  name: "export",
  summary: "export a run's model as a static web page that classifies a chest X-ray in the browser, with Grad-CAM",
  description:
    "Writes a self-contained folder: index.html and one bundled script (tfjs on WebGL, WASM or CPU), the model as a tfjs web model (float32, or float16/uint8 weights), and model-card.json/.md. Open it with `kdlab serve <folder>`. Research software, not a medical device.",
  define: (cmd) =>
    cmd
      .addArgument(argument("run", 'a run folder (runs/<experiment>-<timestamp>/) or "latest" (the newest under --runs)', 'name a run folder, or "latest"'))
      .addOption(option("--model <student|teacher>", "which of the run's models (default student)"))
      .addOption(option("--quantize <none|float16|uint8>", "weight storage: none (float32, default), float16, or uint8 (affine per tensor); tfjs dequantizes on load"))
      .addOption(option("--out <DIR>", "the folder to write (default: <run>/web-<model>[-<quantize>]); an earlier export there is replaced"))
      .addOption(option("--runs <DIR>", "where `latest` looks (default: runs/ at the project root)"))
      .option("--no-evaluate", "do not score the exported weights on the run's test split"),
  async action([run], { model = "student", quantize = "none", out, runs, evaluate }) {
    if (!(ROLES as string[]).includes(model)) throw new UsageError(`--model must be ${ROLES.join(" or ")}, got "${model}"`);
    if (!(QUANTIZATIONS as readonly string[]).includes(quantize)) throw new UsageError(`--quantize must be ${QUANTIZATIONS.join(", ")}, got "${quantize}"`);
    const backend = await initBackend();
    console.error(backend.line);
    let result;
    try {
      result = await exportRun({ run, runsRoot: runs ?? defaultRunsRoot(), role: model as Role, quantize: quantize as Quantization, out, evaluate });
    } catch (error) {
      console.error(`kdlab export: ${(error as Error).message}`);
      return 1;
    }
    const { card } = result;
    console.log(`exported ${card.title}`);
    console.log(`  folder     ${result.dir}`);
    console.log(`  model      ${mib(result.model.bytes.total)} (${result.model.files.length - 1} shard(s)); page script ${mib(result.page.bytes.script)}, wasm ${mib(result.page.bytes.wasm)}`);
    console.log(`  run test   accuracy ${pct(card.test.accuracy.value)}${card.test.auc ? `, AUC ${card.test.auc.value.toFixed(3)}` : ""} on ${card.test.count} images`);
    const e = card.exportEvaluation;
    if (e) console.log(`  this export accuracy ${pct(e.exported.accuracy.value)}${e.exported.auc ? `, AUC ${e.exported.auc.value.toFixed(4)}` : ""} (float32 ${pct(e.float32.accuracy.value)}${e.float32.auc ? `, ${e.float32.auc.value.toFixed(4)}` : ""}); same class as float32 on ${pct(e.agreement)}; max |Δp| ${e.maxProbabilityDifference.toExponential(2)}`);
    else console.log(`  not scored: ${result.notEvaluated}`);
    console.log(`\nopen it: kdlab serve ${result.dir}`);
    return 0;
  },
});
