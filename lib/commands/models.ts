/** `kdlab models list|summary`: the study's models by name, their parameters and layers. */
import * as tf from "@tensorflow/tfjs";
import { initBackend } from "../backend";
import { MODEL_NAMES, MODELS, modelEntry, isModelName } from "../models/registry";
import { formatSummary, summarizeModel } from "../models/summary";
import { Command, parseFlags, UsageError } from "./command";

const USAGE = `usage: kdlab models list [--json]
       kdlab models summary <name> [--input N] [--json]

models: ${MODEL_NAMES.join(", ")}
--input N   square input side (default: the study's, 32 for CIFAR, 224 otherwise; backbones need N ≥ 32)
--json      {"name", "params": {"total", "trainable", "nonTrainable"}, "layers": [{"name", "class", "outputShape", "params"}]}`;

function single(flags: Map<string, string[]>, key: string): string | undefined {
  const values = flags.get(key);
  if (values && values.length > 1) throw new UsageError(`--${key} given ${values.length} times`);
  return values?.[0];
}

function parseInputSize(raw: string | undefined): number | undefined {
  if (raw === undefined) return undefined;
  const size = Number(raw);
  if (!Number.isInteger(size) || size < 1) throw new UsageError(`--input must be a positive integer, got "${raw}"`);
  return size;
}

export const modelsCommand: Command = {
  name: "models",
  summary: "list the study's models, or print one's parameters and layers",
  usage: USAGE,
  async run(args) {
    const { positional, flags } = parseFlags(args, ["json"], ["input"]);
    const json = flags.has("json");
    const [action, name, ...extra] = positional;
    if (extra.length > 0) throw new UsageError(`unexpected arguments: ${extra.join(" ")}`);
    if (action === "list") {
      if (name !== undefined) throw new UsageError("list takes no model name");
      const entries = [...MODELS.values()].map((e) => ({ name: e.name, inputSize: e.inputSize, description: e.description }));
      if (json) console.log(JSON.stringify(entries, null, 2));
      else {
        const width = Math.max(...entries.map((e) => e.name.length));
        for (const e of entries) console.log(`${e.name.padEnd(width)}  ${String(e.inputSize).padStart(3)}px  ${e.description}`);
      }
      return 0;
    }
    if (action !== "summary") throw new UsageError(action === undefined ? "say list or summary" : `unknown action "${action}"`);
    if (name === undefined) throw new UsageError("summary needs a model name");
    if (!isModelName(name)) throw new UsageError(`unknown model "${name}"; known: ${MODEL_NAMES.join(", ")}`);
    const inputSize = parseInputSize(single(flags, "input"));
    const backend = await initBackend();
    if (!json) console.error(backend.line);
    let model: tf.LayersModel;
    try {
      model = modelEntry(name).build({ inputSize });
    } catch (error) {
      console.error(`kdlab models: cannot build ${name}${inputSize ? ` at ${inputSize}×${inputSize}` : ""}: ${(error as Error).message}`);
      return 1;
    }
    const summary = { ...summarizeModel(model), name };
    model.dispose();
    console.log(json ? JSON.stringify(summary, null, 2) : formatSummary(summary));
    return 0;
  },
};
