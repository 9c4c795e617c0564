/**
 * kdlab's side of the fidelity part, in its own process as every bench side
 * runs: for each seed, kdlab's experiment runner (runExperiment, the same
 * path as `kdlab train`) trains and tests the config on the real data; the
 * trainer's own record of the run (trainer.json) says what recipe ran. Also
 * reads the network off a model built as the runner builds it (dropout
 * layers, the kernels weight decay covers) for the Keras side to equal.
 * Prints one JSON line (schema.ts FidelityKdlabAnswer).
 *
 *   node --import tsx bench/fidelity/worker.ts '<FidelityWorkerRequest JSON>'
 */
import * as fs from "node:fs";
import * as path from "node:path";
import { z } from "zod";
import { initBackend } from "../../lib/runtime/backend";
import { isKernel, OptimizerConfig, ProgressEvent, ScheduleConfig } from "../../lib/distill/index";
import type { ExperimentConfig } from "../../lib/experiments/config";
import { runExperiment } from "../../lib/experiments/run";
import { countParams, modelEntry } from "../../lib/models/index";
import { objectOf } from "../common/answer";
import { checkAnswer, serveJsonRequest } from "../common/worker";
import { fidelityConfig, optimizerHyperParameters } from "./recipe";
import type { FidelityEpoch, FidelityKdlabAnswer, FidelityKdlabRun, KdlabNetwork, KdlabTrainerRecord } from "./schema";
import type { FidelitySettings } from "./settings";

export interface FidelityWorkerRequest {
  settings: FidelitySettings;
  /** Where the run folders go (a temporary folder). */
  runsRoot: string;
}

const log = (line: string): void => console.error(`kdlab: ${line}`);

/** The network runExperiment builds for the config's student, read off a fresh copy (the runner disposes its own). */
function inspectNetwork(config: ExperimentConfig, classes: number): KdlabNetwork {
  const model = modelEntry(config.student.model).build({ inputSize: config.dataset.inputSize, classes, dropout: config.student.dropout ?? undefined, weightDecay: 0 });
  try {
    const kernels = model.trainableWeights.filter((w) => isKernel(w.originalName));
    const { trainable, total } = countParams(model);
    return {
      model: config.student.model,
      params: { trainable, total },
      decayed: { weights: kernels.length, elements: kernels.reduce((sum, w) => sum + w.shape.reduce((a: number, b) => a * (b ?? 1), 1), 0) },
      dropout: model.layers.filter((l) => l.getClassName() === "Dropout").map((l) => ({ name: l.name, rate: Number((l.getConfig() as { rate?: unknown }).rate) })),
      batchNormLayers: model.layers.filter((l) => l.getClassName() === "BatchNormalization").length,
    };
  } finally {
    model.dispose();
  }
}

/** trainer.json as the trainer writes it (lib/distill/trainer.ts describeConfig): what the recipe needs, read into a KdlabTrainerRecord. */
const trainerJsonSchema = z
  .object({
    epochs: z.number(),
    monitor: z.object({ metric: z.string() }),
    optimizer: objectOf<OptimizerConfig>(),
    schedule: objectOf<ScheduleConfig>().nullish(),
    weightDecay: z.unknown().optional(),
    earlyStopping: z.object({ patience: z.unknown().optional(), minDelta: z.unknown().optional(), restoreBest: z.unknown().optional() }).nullish(),
    classWeights: z.unknown().optional(),
    distillation: z.unknown().optional(),
  })
  .transform(
    (raw): KdlabTrainerRecord => ({
      epochs: raw.epochs,
      optimizer: raw.optimizer,
      schedule: raw.schedule ?? { kind: "constant" },
      weightDecay: typeof raw.weightDecay === "number" ? raw.weightDecay : 0,
      monitor: raw.monitor.metric,
      earlyStopping: raw.earlyStopping ? { patience: Number(raw.earlyStopping.patience), minDelta: typeof raw.earlyStopping.minDelta === "number" ? raw.earlyStopping.minDelta : 0, restoreBest: raw.earlyStopping.restoreBest === true } : null,
      classWeights: Array.isArray(raw.classWeights),
      distillation: raw.distillation !== undefined && raw.distillation !== null,
    }),
  );

/** The trainer's record of its config, with what the recipe needs checked. */
function readTrainerRecord(file: string): KdlabTrainerRecord {
  if (!fs.existsSync(file)) throw new Error(`${file}: the trainer wrote no record of its config (checkpoints off?)`);
  return checkAnswer(JSON.parse(fs.readFileSync(file, "utf8")), trainerJsonSchema, file);
}

function epochLine(seed: number, event: ProgressEvent): void {
  if (event.kind !== "epoch") return;
  const r = event.record;
  log(`seed ${seed} epoch ${event.epoch + 1}/${event.epochs}: loss ${r.loss.toFixed(4)}, val_loss ${(r.val_loss ?? NaN).toFixed(4)}, val_accuracy ${(r.val_accuracy ?? NaN).toFixed(4)} (${r.seconds.toFixed(1)} s)`);
}

async function main(request: FidelityWorkerRequest): Promise<FidelityKdlabAnswer> {
  const backend = await initBackend();
  if (backend.kind === "js") throw new Error("fidelity worker: native TensorFlow is not available (pure-JS fallback); run `npm run setup`");
  if (backend.threads !== request.settings.threads) throw new Error(`fidelity worker: TensorFlow runs ${backend.threads} intra-op threads, the bench wants ${request.settings.threads}`);
  // The trainer prints its train step on stdout; stdout carries this worker's answer, so those lines go to the log.
  let stepLine = "";
  console.log = (...parts: unknown[]): void => {
    const line = parts.map(String).join(" ");
    const step = /train step: (.*)$/.exec(line);
    if (step) stepLine = step[1];
    log(line);
  };
  const runs: FidelityKdlabRun[] = [];
  let network: KdlabNetwork | undefined;
  let classes = 0;
  for (const seed of request.settings.seeds) {
    const config = fidelityConfig(request.settings, seed);
    const result = await runExperiment(config, { dataDir: request.settings.dataFile, runsRoot: request.runsRoot, progress: (event) => epochLine(seed, event), log });
    const student = result.student;
    classes = result.dataset.classNames.length;
    network ??= inspectNetwork(config, classes);
    if (student.params.trainable !== network.params.trainable || student.params.total !== network.params.total) {
      throw new Error(`fidelity worker: the trained ${student.model} has ${student.params.trainable} / ${student.params.total} parameters, the inspected copy ${network.params.trainable} / ${network.params.total}`);
    }
    const auc = student.test.binary?.auc;
    if (auc === undefined) throw new Error(`fidelity worker: ${config.name} has ${student.test.numClasses} classes; the part compares a binary task`);
    const history: FidelityEpoch[] = student.history.map((r) => ({ epoch: r.epoch, lr: r.lr, loss: r.loss, accuracy: r.accuracy, valLoss: r.val_loss ?? NaN, valAccuracy: r.val_accuracy ?? NaN, seconds: r.seconds }));
    runs.push({
      seed,
      testAccuracy: student.test.accuracy,
      testAuc: auc,
      epochsRun: student.training.epochsRun,
      bestEpoch: student.training.bestEpoch,
      stoppedEarly: student.training.stoppedEarly,
      trainSeconds: student.seconds.train,
      history,
      trainer: readTrainerRecord(path.join(student.dir, "trainer.json")),
      step: stepLine,
      counts: result.dataset.counts,
      isReal: result.dataset.isReal,
      description: result.dataset.description,
      runDir: result.runDir,
    });
    log(`seed ${seed}: test accuracy ${student.test.accuracy.toFixed(4)}, AUC ${auc.toFixed(4)} after ${student.training.epochsRun} epochs (best ${student.training.bestEpoch})`);
  }
  if (!network || runs.length === 0) throw new Error("fidelity worker: no seeds to run");
  return { backend: backend.line, tfVersion: backend.tfVersion, threads: backend.threads, network, optimizer: optimizerHyperParameters(runs[0].trainer.optimizer), classes, runs };
}

if (require.main === module) serveJsonRequest("fidelity worker", main);
