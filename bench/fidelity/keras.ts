/**
 * The Keras side of the fidelity part: bench/peers/keras_fidelity.py in a
 * child of the project's Python (as the speed peers run, same environment),
 * given the translated recipe, kdlab's network counts and one folder of
 * kdlab's pixels per seed. Its answer is checked field by field; its test
 * probabilities are scored here with kdlab's own metric code, so both
 * frameworks' accuracy and AUC come from one implementation.
 */
import * as path from "node:path";
import { classificationReport } from "../../lib/distill/metrics";
import { projectPython } from "../../lib/notebook/python";
import { PROJECT_ROOT } from "../../lib/runtime/paths";
import { runJsonChild } from "../common/child";
import type { FidelityEpoch, FidelityRun, KdlabNetwork, KerasRecipe } from "./schema";
import { Reader } from "../common/json-reader";
import type { ParamCount } from "../speed/schema";

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

export interface KerasFidelityRun extends FidelityRun {
  testLabels: number[];
  params: ParamCount;
  decayed: KdlabNetwork["decayed"];
  dropout: { name: string; rate: number }[];
  batchNormMomenta: number[];
  jitCompile: boolean;
  runEagerly: boolean;
}

export interface KerasFidelityAnswer {
  versions: Record<string, string>;
  threads: { intraOp: number; interOp: number };
  settings: Record<string, string | number | boolean>;
  runs: KerasFidelityRun[];
}

function epoch(r: Reader): FidelityEpoch {
  return { epoch: r.number("epoch"), lr: r.number("lr"), loss: r.number("loss"), accuracy: r.number("accuracy"), valLoss: r.number("val_ce"), valAccuracy: r.number("val_accuracy"), seconds: r.number("seconds") };
}

/** One seed's answer, scored: accuracy and AUC by kdlab's classificationReport on Keras's softmax outputs. */
function run(r: Reader, classes: number): KerasFidelityRun {
  const labels = r.numbers("testLabels");
  const probabilities = r.numbers("testProbabilities");
  if (probabilities.length !== labels.length * classes) throw new Error(`keras fidelity: ${probabilities.length} probabilities for ${labels.length} test images × ${classes} classes`);
  const report = classificationReport(probabilities, labels, classes, 1);
  if (!report.binary) throw new Error("keras fidelity: the test report has no binary metrics");
  const params = r.child("params");
  const decayed = r.child("decayed");
  const seconds = r.child("seconds");
  return {
    seed: r.number("seed"),
    testAccuracy: report.accuracy,
    testAuc: report.binary.auc,
    epochsRun: r.number("epochsRun"),
    bestEpoch: r.has("bestEpoch") ? r.number("bestEpoch") : null,
    stoppedEarly: r.boolean("stoppedEarly"),
    trainSeconds: seconds.number("train"),
    history: r.list("history").map(epoch),
    testLabels: labels,
    params: { trainable: params.number("trainable"), total: params.number("total") },
    decayed: { weights: decayed.number("weights"), elements: decayed.number("elements") },
    dropout: r.list("dropout").map((d) => ({ name: d.string("name"), rate: d.number("rate") })),
    batchNormMomenta: r.numbers("batchNormMomenta"),
    jitCompile: r.boolean("jitCompile"),
    runEagerly: r.boolean("runEagerly"),
  };
}

export function parseKerasFidelity(json: unknown, classes: number): KerasFidelityAnswer {
  const r = new Reader(json, "keras fidelity");
  if (r.string("framework") !== "keras") throw new Error(`keras fidelity answered as ${r.string("framework")}`);
  const threads = r.child("threads");
  return {
    versions: Object.fromEntries(Object.entries(r.scalars("versions")).map(([k, v]) => [k, String(v)])),
    threads: { intraOp: threads.number("intraOp"), interOp: threads.number("interOp") },
    settings: r.scalars("settings"),
    runs: r.list("runs").map((item) => run(item, classes)),
  };
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
