/** `kdlab models list|summary`: the registered models by name (lib/models/registry.ts), their tasks, parameters and layers. */
import * as tf from "@tensorflow/tfjs";
import { initBackend } from "../runtime/backend";
import { isModelName, modelEntries, modelEntry, modelNames } from "../models/registry";
import { formatSummary, summarizeModel } from "../models/summary";
import { argument, defineCommand, option, UsageError } from "./command";

function parseInputSize(raw: string | undefined): number | undefined {
  if (raw === undefined) return undefined;
  const size = Number(raw);
  if (!Number.isInteger(size) || size < 1) throw new UsageError(`--input must be a positive integer, got "${raw}"`);
  return size;
}

const JSON_HELP = `print JSON: {"name", "params": {"total", "trainable", "nonTrainable"}, "layers": [{"name", "class", "outputShape", "params"}]}`;

export const modelsCommand = defineCommand({
  name: "models",
  summary: "list the study's models, or print one's parameters and layers",
  define: (cmd) => cmd.addHelpText("after", `\nmodels: ${modelNames().join(", ")}`),
  subcommands: [
    defineCommand<{ json?: boolean }>({
      name: "list",
      summary: "the study's models: name, task, input size, description",
      define: (cmd) => cmd.option("--json", "print JSON: [{name, task, inputSize, description}]"),
      async action(_args, { json }) {
        const entries = modelEntries().map((e) => ({ name: e.name, task: e.task, inputSize: e.inputSize, description: e.description }));
        if (json) console.log(JSON.stringify(entries, null, 2));
        else {
          const width = Math.max(...entries.map((e) => e.name.length));
          const taskWidth = Math.max(...entries.map((e) => e.task.length));
          for (const e of entries) console.log(`${e.name.padEnd(width)}  ${e.task.padEnd(taskWidth)}  ${String(e.inputSize).padStart(3)}px  ${e.description}`);
        }
        return 0;
      },
    }),
    defineCommand<{ input?: string; json?: boolean }>({
      name: "summary",
      summary: "one model's parameter counts and layers",
      define: (cmd) =>
        cmd
          .addArgument(argument("name", `one of ${modelNames().join(", ")}`, "summary needs a model name"))
          .addOption(option("--input <N>", "square input side (default: the study's, 32 for CIFAR, 224 otherwise; backbones need N ≥ 32)"))
          .option("--json", JSON_HELP),
      async action([name], { input, json }) {
        if (!isModelName(name)) throw new UsageError(`unknown model "${name}"; known: ${modelNames().join(", ")}`);
        const inputSize = parseInputSize(input);
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
    }),
  ],
});
