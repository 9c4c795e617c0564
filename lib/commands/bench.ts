/**
 * `kdlab bench`: kdlab's training speed and memory beside Keras's and
 * PyTorch's, in one run on this machine; with `--only fidelity`, the same
 * recipe's accuracy in kdlab and in Keras (its own result files).
 */
import * as os from "node:os";
import * as path from "node:path";
import { currentBackend } from "../runtime/backend";
import { fidelityMarkdown, writeFidelityResult } from "../../bench/fidelity/report";
import { runFidelity } from "../../bench/fidelity/run";
import { FIDELITY_EXPERIMENT, FIDELITY_PART, FIDELITY_PROFILE, fidelitySettings } from "../../bench/fidelity/settings";
import { writeBenchResult } from "../../bench/speed/files";
import { benchMarkdown } from "../../bench/speed/report";
import { runBench } from "../../bench/speed/run";
import { BENCH_PARTS, BenchPart } from "../../bench/speed/schema";
import { benchSettings } from "../../bench/speed/settings";
import { PROJECT_ROOT } from "../runtime/paths";
import { defineCommand, option, UsageError } from "./command";

/** Every part `--only` takes: the speed parts (run by default) and fidelity (only when named: 10–15 minutes of training). */
const ALL_PARTS = [...BENCH_PARTS, FIDELITY_PART] as const;
type Part = (typeof ALL_PARTS)[number];

const DESCRIPTION = [
  "Measures on this machine, with the same models, batch sizes, input sizes and threads everywhere: training throughput of kdlab, Keras 3 (TensorFlow) and PyTorch; inference latency and throughput; distillation overhead; the data pipeline's rate; peak RSS while training; the attainable FP32 rate. Where oneDNN has bf16 kernels (avx512_bf16 or AMX, and kdlab's oneDNN setting keeps them), kdlab-compiled, Keras and PyTorch also run in bf16 mixed precision, each bf16 row compared only with bf16 rows (--no-bf16 leaves them out). Writes bench/results/<date>.json and .md (quick runs and subsets get a suffix) and prints the table. The first run installs torch and torchvision (bench/requirements.txt) into the project's Python.",
  `--only fidelity trains the ${FIDELITY_EXPERIMENT} experiment (${FIDELITY_PROFILE} profile) on the real PneumoniaMNIST in kdlab and in Keras, ${fidelitySettings("full", 1).seeds.length} seeds each, and writes bench/results/fidelity-<date>.json and .md: test accuracy and ROC AUC per seed, mean ± sd, kdlab against Keras's seed spread.`,
].join("\n\n");

function parseParts(raw: string | undefined): Part[] {
  if (raw === undefined) return [...BENCH_PARTS];
  const parts = raw.split(",").map((p) => p.trim()).filter(Boolean);
  const unknown = parts.filter((p) => !(ALL_PARTS as readonly string[]).includes(p));
  if (unknown.length > 0 || parts.length === 0) throw new UsageError(`--only takes parts from ${ALL_PARTS.join(", ")}; got "${raw}"`);
  return ALL_PARTS.filter((p) => parts.includes(p));
}

function isSpeedPart(part: Part): part is BenchPart {
  return part !== FIDELITY_PART;
}

function parseThreads(raw: string | undefined): number {
  const fromEnv = process.env.TF_NUM_INTRAOP_THREADS;
  const value = raw ?? fromEnv ?? String(os.availableParallelism());
  const threads = Number(value);
  if (!Number.isInteger(threads) || threads < 1) throw new UsageError(`--threads must be a positive integer, got "${value}"`);
  if (raw !== undefined && fromEnv !== undefined && Number(fromEnv) !== threads) throw new UsageError(`--threads ${raw} but TF_NUM_INTRAOP_THREADS=${fromEnv}`);
  return threads;
}

export const benchCommand = defineCommand<{ quick?: boolean; only?: string; threads?: string; bf16?: boolean; json?: boolean; out?: string }>({
  name: "bench",
  summary: "training speed and memory of kdlab beside Keras and PyTorch on this machine",
  description: DESCRIPTION,
  define: (cmd) =>
    cmd
      .option("--quick", "fewer steps, 224 models at 96×96 (about 3 minutes instead of 15); fidelity: 2 seeds × 1 epoch")
      .addOption(option("--only <parts>", `a comma-separated subset of: ${ALL_PARTS.join(", ")} (default: all but ${FIDELITY_PART})`))
      .addOption(option("--threads <N>", `intra- and inter-op threads for every framework (default: the CPU count, ${os.availableParallelism()} here)`))
      .option("--no-bf16", "leave out the bf16 mixed-precision rows (kdlab-compiled (bf16), keras (bf16), torch (bf16)) that run where oneDNN has bf16 kernels")
      .option("--json", "print the result JSON instead of the Markdown")
      .addOption(option("--out <DIR>", "folder for the result files (default bench/results)")),
  async action(_args, { quick, only, threads: threadsText, bf16, json, out: outDir }, { argv }) {
    const parts = parseParts(only);
    const threads = parseThreads(threadsText);
    // tfjs-node's TensorFlow reads its thread pools' sizes from these when it loads.
    if (!currentBackend()) {
      process.env.TF_NUM_INTRAOP_THREADS = String(threads);
      process.env.TF_NUM_INTEROP_THREADS = process.env.TF_NUM_INTEROP_THREADS ?? String(threads);
    }
    const mode = quick ? "quick" : "full";
    const command = ["kdlab bench", ...argv].join(" ");
    const log = (line: string): void => console.error(`[${new Date().toISOString().slice(11, 19)}] ${line}`);
    const speedParts = parts.filter(isSpeedPart);
    const wrote = (files: { json: string; markdown: string }, seconds: number): void => console.error(`kdlab bench: wrote ${path.relative(PROJECT_ROOT, files.json)} and ${path.relative(PROJECT_ROOT, files.markdown)} (${seconds.toFixed(0)} s)`);
    try {
      if (speedParts.length > 0) {
        const result = await runBench({ settings: benchSettings(mode, threads), parts: speedParts, bf16: bf16 !== false, command, log });
        const files = writeBenchResult(result, outDir);
        console.log(json ? JSON.stringify(result, null, 2) : benchMarkdown(result));
        wrote(files, result.totalSeconds);
      }
      if (parts.includes(FIDELITY_PART)) {
        const result = await runFidelity({ settings: fidelitySettings(mode, threads), command, log });
        const files = writeFidelityResult(result, outDir);
        console.log(json ? JSON.stringify(result, null, 2) : fidelityMarkdown(result));
        wrote(files, result.totalSeconds);
      }
    } catch (error) {
      console.error(`kdlab bench: ${(error as Error).message}`);
      return 1;
    }
    return 0;
  },
});
