/**
 * The Keras side of the fidelity part: bench/peers/keras_fidelity.py in a
 * child of the project's Python (as the speed peers run, same environment),
 * given the translated recipe, kdlab's network counts and one folder of
 * kdlab's pixels per seed. Its answer is checked against a zod schema; its test
 * probabilities are scored here with kdlab's own metric code, so both
 * frameworks' accuracy and AUC come from one implementation.
 */
import * as path from "node:path";
import { classificationReport } from "../../lib/distill/metrics";
import { projectPython } from "../../lib/notebook/python";
import { z } from "zod";
import { PROJECT_ROOT } from "../../lib/runtime/paths";
import { runJsonChild } from "../common/child";
import { ParamCount, paramCountSchema } from "../common/network";
import { scalarsSchema, threadsSchema, versionsSchema } from "../common/answer";
import { checkAnswer } from "../common/worker";
import { FidelityEpoch, FidelityRun, KdlabNetwork, kdlabNetworkSchema, KerasRecipe } from "./schema";

export const KERAS_FIDELITY_SCRIPT = path.join(PROJECT_ROOT, "bench", "peers", "keras_fidelity.py");

export interface KerasFidelityRequest {
  threads: number;
  /** compile(run_eagerly=True): no traced train function (quick runs). */
  runEagerly: boolean;
  model: string;
  recipe: KerasRecipe;
  expectParams: ParamCount;
  expectDecayed: KdlabNetwork["decayed"];
  runs: { seed: number; data: string }[];
}

/** One seed as keras_fidelity.py prints it; its test probabilities are scored here (scoreRun). */
const kerasRunSchema = z.object({
  seed: z.number(),
  testLabels: z.array(z.number()),
  testProbabilities: z.array(z.number()),
  epochsRun: z.number(),
  bestEpoch: z
    .number()
    .nullish()
    .transform((epoch) => epoch ?? null),
  stoppedEarly: z.boolean(),
  seconds: z.object({ train: z.number() }),
  history: z.array(
    z
      .object({ epoch: z.number(), lr: z.number(), loss: z.number(), accuracy: z.number(), val_ce: z.number(), val_accuracy: z.number(), seconds: z.number() })
      .transform((e): FidelityEpoch => ({ epoch: e.epoch, lr: e.lr, loss: e.loss, accuracy: e.accuracy, valLoss: e.val_ce, valAccuracy: e.val_accuracy, seconds: e.seconds })),
  ),
  params: paramCountSchema,
  decayed: kdlabNetworkSchema.shape.decayed,
  dropout: kdlabNetworkSchema.shape.dropout,
  batchNormMomenta: z.array(z.number()),
  jitCompile: z.boolean(),
  runEagerly: z.boolean(),
});
type KerasRunAnswer = z.infer<typeof kerasRunSchema>;

const kerasFidelityAnswerSchema = z.object({
  framework: z.literal("keras"),
  versions: versionsSchema,
  threads: threadsSchema,
  settings: scalarsSchema,
  runs: z.array(kerasRunSchema),
});

export type KerasFidelityRun = FidelityRun & Pick<KerasRunAnswer, "testLabels" | "params" | "decayed" | "dropout" | "batchNormMomenta" | "jitCompile" | "runEagerly">;

export type KerasFidelityAnswer = Omit<z.infer<typeof kerasFidelityAnswerSchema>, "framework" | "runs"> & { runs: KerasFidelityRun[] };

/** One seed's answer, scored: accuracy and AUC by kdlab's classificationReport on Keras's softmax outputs. */
function scoreRun(run: KerasRunAnswer, classes: number): KerasFidelityRun {
  const { testLabels: labels, testProbabilities: probabilities } = run;
  if (probabilities.length !== labels.length * classes) throw new Error(`keras fidelity: ${probabilities.length} probabilities for ${labels.length} test images × ${classes} classes`);
  const report = classificationReport(probabilities, labels, classes, 1);
  if (!report.binary) throw new Error("keras fidelity: the test report has no binary metrics");
  const { seed, epochsRun, bestEpoch, stoppedEarly, history, params, decayed, dropout, batchNormMomenta, jitCompile, runEagerly } = run;
  return { seed, testAccuracy: report.accuracy, testAuc: report.binary.auc, epochsRun, bestEpoch, stoppedEarly, trainSeconds: run.seconds.train, history, testLabels: labels, params, decayed, dropout, batchNormMomenta, jitCompile, runEagerly };
}

/** Checks keras_fidelity.py's parsed answer and scores each seed. */
export function parseKerasFidelity(json: unknown, classes: number): KerasFidelityAnswer {
  const { framework: _framework, runs, ...answer } = checkAnswer(json, kerasFidelityAnswerSchema, "keras fidelity");
  return { ...answer, runs: runs.map((run) => scoreRun(run, classes)) };
}

export async function runKerasFidelity(request: KerasFidelityRequest, classes: number, log: (line: string) => void): Promise<KerasFidelityAnswer> {
  const python = projectPython();
  const answer = await runJsonChild(python, [KERAS_FIDELITY_SCRIPT, JSON.stringify(request)], {
    cwd: PROJECT_ROOT,
    env: { ...process.env, TF_CPP_MIN_LOG_LEVEL: process.env.TF_CPP_MIN_LOG_LEVEL ?? "2", PYTHONUNBUFFERED: "1" },
    log,
    logPrefix: "keras: ",
    label: `keras fidelity (${python} ${path.relative(PROJECT_ROOT, KERAS_FIDELITY_SCRIPT)})`,
  });
  return parseKerasFidelity(answer, classes);
}
