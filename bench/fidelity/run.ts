/**
 * The bench's fidelity part: does kdlab reach the accuracy Keras reaches with
 * the same recipe on the same data? In order:
 *   1. per seed, the images kdlab's pipeline yields for the experiment,
 *      written as uint8 arrays (data.ts);
 *   2. kdlab trains and tests every seed with its experiment runner, in a
 *      child (worker.ts);
 *   3. kdlab's recipe as its trainer recorded it, translated to Keras's
 *      terms (recipe.ts);
 *   4. Keras trains and predicts every seed on those arrays, in a Python
 *      child that refuses a network whose counts differ (keras.ts);
 *   5. both scored by kdlab's metric code; mean ± sd per framework and the
 *      comparison (compare.ts).
 * Returns the result (schema.ts); report.ts writes it.
 */
import * as fs from "node:fs";
import * as os from "node:os";
import * as path from "node:path";
import * as tf from "@tensorflow/tfjs";
import { initBackend } from "../../lib/runtime/backend";
import { spreadOf } from "../../lib/stats/summary";
import { PROJECT_ROOT } from "../../lib/runtime/paths";
import { DumpedData, dumpExperimentData } from "./data";
import { KerasFidelityRun, runKerasFidelity } from "./keras";
import { fidelityConfig, kerasRecipe, Translation } from "./recipe";
import { FidelityKdlabRun, fidelityKdlabAnswerSchema, FidelityResult, FidelityRun, FrameworkFidelity, KdlabNetwork } from "./schema";
import type { FidelitySettings } from "./settings";
import { compareSpreads } from "./compare";
import type { FidelityWorkerRequest } from "./worker";
import { runWorker, threadEnv } from "../common/worker";
import { loadAverage, machineInfo } from "../common/machine";

/** kdlab's side trains in its own process, with the bench's thread counts. */
const WORKER = path.join(__dirname, "worker.ts");

export interface FidelityRunOptions {
  settings: FidelitySettings;
  /** The command line, recorded in the result. */
  command: string;
  log?: (line: string) => void;
}

function summary(framework: FrameworkFidelity["framework"], what: string, params: FrameworkFidelity["params"], runs: FidelityRun[]): FrameworkFidelity {
  const plain = runs.map(({ seed, testAccuracy, testAuc, epochsRun, bestEpoch, stoppedEarly, trainSeconds, history }) => ({ seed, testAccuracy, testAuc, epochsRun, bestEpoch, stoppedEarly, trainSeconds, history }));
  return { framework, what, params, runs: plain, accuracy: spreadOf(runs.map((r) => r.testAccuracy)), auc: spreadOf(runs.map((r) => r.testAuc)) };
}

/** Throws unless `who` answered for exactly the seeds asked, in order. */
function checkSeeds(who: string, runs: readonly { seed: number }[], seeds: readonly number[]): void {
  const answered = runs.map((r) => r.seed);
  if (answered.join(",") !== seeds.join(",")) throw new Error(`${who} answered for seeds ${answered.join(", ")}, asked ${seeds.join(", ")}`);
}

/** The same recipe for every seed (only the seed may differ), or an error naming the seed whose recipe differs. */
function oneTranslation(settings: FidelitySettings, runs: readonly FidelityKdlabRun[], optimizer: Record<string, number | boolean>, network: KdlabNetwork, classes: number): Translation {
  const translations = runs.map((run) => kerasRecipe(fidelityConfig(settings, run.seed), run.trainer, optimizer, network, classes));
  const first = JSON.stringify(translations[0].recipe);
  translations.forEach((t, i) => {
    if (JSON.stringify(t.recipe) !== first) throw new Error(`fidelity: seed ${runs[i].seed}'s recipe differs from seed ${runs[0].seed}'s: ${JSON.stringify(t.recipe)} vs ${first}`);
  });
  return translations[0];
}

/** Refuses a Keras run that is not kdlab's network, regularisation, dropout or test set. */
function checkKerasRun(run: KerasFidelityRun, network: KdlabNetwork, batchNormMomentum: number | null, dump: DumpedData): void {
  const problems: string[] = [];
  if (run.params.trainable !== network.params.trainable || run.params.total !== network.params.total) problems.push(`parameters ${run.params.trainable} / ${run.params.total}, kdlab ${network.params.trainable} / ${network.params.total}`);
  if (run.decayed.weights !== network.decayed.weights || run.decayed.elements !== network.decayed.elements) problems.push(`decayed kernels ${run.decayed.weights} (${run.decayed.elements} values), kdlab ${network.decayed.weights} (${network.decayed.elements})`);
  if (JSON.stringify(run.dropout) !== JSON.stringify(network.dropout)) problems.push(`dropout ${JSON.stringify(run.dropout)}, kdlab ${JSON.stringify(network.dropout)}`);
  if (batchNormMomentum !== null && (run.batchNormMomenta.length !== 1 || Math.abs(run.batchNormMomenta[0] - batchNormMomentum) > 1e-9)) problems.push(`BatchNorm momenta ${run.batchNormMomenta.join(", ")}, the recipe ${batchNormMomentum}`);
  if (run.testLabels.join(",") !== dump.testLabels.join(",")) problems.push("test labels not in the order kdlab wrote them");
  if (problems.length > 0) throw new Error(`fidelity: Keras seed ${run.seed} is not kdlab's recipe: ${problems.join("; ")}`);
}

export async function runFidelity(options: FidelityRunOptions): Promise<FidelityResult> {
  const { settings } = options;
  const log = options.log ?? (() => undefined);
  const started = performance.now();
  const startedAt = new Date();
  const loadAtStart = loadAverage();
  const backend = await initBackend();
  if (backend.kind === "js") throw new Error("bench fidelity: native TensorFlow is not available (pure-JS fallback); run `npm run setup`");
  const work = fs.mkdtempSync(path.join(os.tmpdir(), "kdlab-fidelity-"));
  try {
    const dumps: DumpedData[] = [];
    for (const seed of settings.seeds) {
      const config = fidelityConfig(settings, seed);
      log(`fidelity: seed ${seed}: writing the ${config.dataset.inputSize}×${config.dataset.inputSize} images kdlab's pipeline yields for ${config.name} (${config.profile}) to ${work}`);
      dumps.push(await dumpExperimentData(config, settings.dataFile, path.join(work, `seed-${seed}`)));
    }
    log(`fidelity: kdlab trains seeds ${settings.seeds.join(", ")} (bench/fidelity/worker.ts, its own process)`);
    const request: FidelityWorkerRequest = { settings, runsRoot: path.join(work, "runs") };
    const kdlab = await runWorker(WORKER, request, fidelityKdlabAnswerSchema, { env: threadEnv(settings.threads), log, logPrefix: "kdlab: ", label: "fidelity worker" });
    checkSeeds("fidelity worker", kdlab.runs, settings.seeds);
    kdlab.runs.forEach((run, i) => {
      const dumped = dumps[i].counts;
      if (run.counts.train !== dumped.train || run.counts.validation !== dumped.validation || run.counts.test !== dumped.test) {
        throw new Error(`fidelity: kdlab's seed ${run.seed} trained on ${JSON.stringify(run.counts)} images, the arrays for Keras hold ${JSON.stringify(dumped)}`);
      }
    });
    const { recipe, translation } = oneTranslation(settings, kdlab.runs, kdlab.optimizer, kdlab.network, kdlab.classes);
    log(`fidelity: Keras trains seeds ${settings.seeds.join(", ")} (bench/peers/keras_fidelity.py)`);
    const keras = await runKerasFidelity(
      { threads: settings.threads, runEagerly: settings.kerasEager, model: kdlab.network.model, recipe, expectParams: kdlab.network.params, expectDecayed: kdlab.network.decayed, runs: dumps.map((d, i) => ({ seed: settings.seeds[i], data: d.dir })) },
      kdlab.classes,
      log,
    );
    checkSeeds("fidelity: Keras", keras.runs, settings.seeds);
    keras.runs.forEach((run, i) => checkKerasRun(run, kdlab.network, recipe.batchNormMomentum, dumps[i]));

    const steps = [...new Set(kdlab.runs.map((r) => r.step))].join("; ");
    const kdlabSide = summary("kdlab", `runExperiment (the kdlab train path), train step: ${steps || "not reported"}`, kdlab.network.params, kdlab.runs);
    const jit = [...new Set(keras.runs.map((r) => r.jitCompile))];
    const eager = keras.runs.some((r) => r.runEagerly) ? ", run_eagerly (quick mode)" : "";
    const kerasSide = summary("keras", `compile() + fit() on the arrays, shuffled each epoch, ReduceLROnPlateau + EarlyStopping callbacks; jit_compile resolved to ${jit.join("/")}${eager}`, keras.runs[0].params, keras.runs);
    const first = kdlab.runs[0];
    const notes = [
      "Both frameworks' test accuracy and ROC AUC are computed by kdlab's classificationReport (lib/distill/metrics.ts): kdlab's from its own test report, Keras's from the softmax probabilities it predicted.",
      "Initial weights, dropout masks and the order of training batches come from each framework's own seeded generators, so the same seed is not the same run across frameworks; the seeds' spread is what the comparison is against.",
      `kdlab's test weights are those of its best val_loss epoch (restored); so are Keras's (EarlyStopping restore_best_weights).`,
      `TensorFlow's oneDNN setting, the same for both: TF_ENABLE_ONEDNN_OPTS=${keras.settings.TF_ENABLE_ONEDNN_OPTS}, ONEDNN_MAX_CPU_ISA=${keras.settings.ONEDNN_MAX_CPU_ISA} (${backend.oneDnn}).`,
      `Wall times are as measured on a machine that may have been shared (load average ${loadAtStart} at the start, ${loadAverage()} at the end, ${os.availableParallelism()} cores): they are not a speed benchmark; the bench's train part is.`,
    ];
    if (settings.mode === "quick") notes.push(`Quick mode (${settings.overrides.join(", ")}): checks that both sides run and report, not a comparison to quote.`);
    const kdlabRecipe = { ...first.trainer, batchSize: recipe.batchSize, inputSize: recipe.inputSize, batchNormMomentum: recipe.batchNormMomentum, optimizerHyperParameters: kdlab.optimizer, trainStep: steps };
    return {
      date: startedAt.toISOString().slice(0, 10),
      startedAt: startedAt.toISOString(),
      totalSeconds: (performance.now() - started) / 1000,
      command: options.command,
      mode: settings.mode,
      machine: machineInfo(),
      versions: { node: process.version, tfjs: tf.version.tfjs, "tensorflow (tfjs-node)": kdlab.tfVersion, ...Object.fromEntries(Object.entries(keras.versions).map(([k, v]) => [k === "tensorflow" ? "tensorflow (python)" : k, v])) },
      threads: { kdlab: { intraOp: kdlab.threads, interOp: settings.threads }, keras: keras.threads },
      experiment: settings.experiment,
      profile: settings.profile,
      overrides: settings.overrides,
      seeds: settings.seeds,
      data: {
        file: path.relative(PROJECT_ROOT, settings.dataFile),
        description: first.description.replace(`${PROJECT_ROOT}${path.sep}`, ""),
        isReal: first.isReal,
        counts: first.counts,
        size: dumps[0].size,
        pixels: `the uint8 images kdlab's pipeline yields (${dumps[0].size}×${dumps[0].size}×${dumps[0].channels}), written to .npy for Keras: identical pixels in both`,
      },
      kdlabRecipe,
      kerasRecipe: recipe,
      translation,
      network: { ...kdlab.network, keras: { params: keras.runs[0].params, decayed: keras.runs[0].decayed, dropout: keras.runs[0].dropout, batchNormMomenta: keras.runs[0].batchNormMomenta } },
      frameworks: [kdlabSide, kerasSide],
      comparison: [compareSpreads("test accuracy", kdlabSide.accuracy, kerasSide.accuracy), compareSpreads("test ROC AUC", kdlabSide.auc, kerasSide.auc)],
      notes,
    };
  } finally {
    fs.rmSync(work, { recursive: true, force: true });
  }
}
