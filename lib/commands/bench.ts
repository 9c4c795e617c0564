/** `kdlab bench`: kdlab's training speed and memory beside Keras's and PyTorch's, in one run on this machine. */
import * as os from "node:os";
import * as path from "node:path";
import { currentBackend } from "../backend";
import { writeBenchResult } from "../bench/files";
import { benchMarkdown } from "../bench/report";
import { runBench } from "../bench/run";
import { BENCH_PARTS, BenchPart } from "../bench/schema";
import { benchSettings } from "../bench/settings";
import { PROJECT_ROOT } from "../notebook/python";
import { Command, parseFlags, UsageError } from "./command";

const USAGE = `usage: kdlab bench [--quick] [--only part,...] [--threads N] [--json] [--out DIR]

Measures on this machine, with the same models, batch sizes, input sizes and threads everywhere:
training throughput of kdlab, Keras 3 (TensorFlow) and PyTorch; inference latency and throughput;
distillation overhead; the data pipeline's rate; peak RSS while training; the attainable FP32 rate.
Writes bench/results/<date>.json and .md (quick runs and subsets get a suffix) and prints the table.
The first run installs torch and torchvision (bench/requirements.txt) into the project's Python.

--quick     fewer steps, 224 models at 96×96 (about 3 minutes instead of 15)
--only      a subset of: ${BENCH_PARTS.join(", ")}
--threads   intra- and inter-op threads for every framework (default: the CPU count, ${os.availableParallelism()} here)
--json      print the result JSON instead of the Markdown
--out       folder for the result files (default bench/results)`;

const OPTIONS = ["quick", "only", "threads", "json", "out"];

function single(flags: Map<string, string[]>, key: string): string | undefined {
  const values = flags.get(key);
  if (values && values.length > 1) throw new UsageError(`--${key} given ${values.length} times`);
  return values?.[0];
}

function parseParts(raw: string | undefined): BenchPart[] {
  if (raw === undefined) return [...BENCH_PARTS];
  const parts = raw.split(",").map((p) => p.trim()).filter(Boolean);
  const unknown = parts.filter((p) => !(BENCH_PARTS as readonly string[]).includes(p));
  if (unknown.length > 0 || parts.length === 0) throw new UsageError(`--only takes parts from ${BENCH_PARTS.join(", ")}; got "${raw}"`);
  return BENCH_PARTS.filter((p) => parts.includes(p));
}

function parseThreads(raw: string | undefined): number {
  const fromEnv = process.env.TF_NUM_INTRAOP_THREADS;
  const value = raw ?? fromEnv ?? String(os.availableParallelism());
  const threads = Number(value);
  if (!Number.isInteger(threads) || threads < 1) throw new UsageError(`--threads must be a positive integer, got "${value}"`);
  if (raw !== undefined && fromEnv !== undefined && Number(fromEnv) !== threads) throw new UsageError(`--threads ${raw} but TF_NUM_INTRAOP_THREADS=${fromEnv}`);
  return threads;
}

export const benchCommand: Command = {
  name: "bench",
  summary: "training speed and memory of kdlab beside Keras and PyTorch on this machine",
  usage: USAGE,
  async run(args) {
    const { positional, flags } = parseFlags(args, ["quick", "json"]);
    for (const key of flags.keys()) if (!OPTIONS.includes(key)) throw new UsageError(`unknown option --${key}`);
    if (positional.length > 0) throw new UsageError(`unexpected arguments: ${positional.join(" ")}`);
    const parts = parseParts(single(flags, "only"));
    const threads = parseThreads(single(flags, "threads"));
    // tfjs-node's TensorFlow reads its thread pools' sizes from these when it loads.
    if (!currentBackend()) {
      process.env.TF_NUM_INTRAOP_THREADS = String(threads);
      process.env.TF_NUM_INTEROP_THREADS = process.env.TF_NUM_INTEROP_THREADS ?? String(threads);
    }
    const settings = benchSettings(flags.has("quick") ? "quick" : "full", threads);
    const log = (line: string): void => console.error(`[${new Date().toISOString().slice(11, 19)}] ${line}`);
    let result;
    try {
      result = await runBench({ settings, parts, command: ["kdlab bench", ...args].join(" "), log });
    } catch (error) {
      console.error(`kdlab bench: ${(error as Error).message}`);
      return 1;
    }
    const files = writeBenchResult(result, single(flags, "out"));
    console.log(flags.has("json") ? JSON.stringify(result, null, 2) : benchMarkdown(result));
    console.error(`kdlab bench: wrote ${path.relative(PROJECT_ROOT, files.json)} and ${path.relative(PROJECT_ROOT, files.markdown)} (${result.totalSeconds.toFixed(0)} s)`);
    return 0;
  },
};
