/**
 * How a seed or method study trains its runs: one at a time with a function
 * (the notebook's `train`: in this process, with live progress), or all at
 * once with `trainAll` (side by side in child processes:
 * lib/sweep/side-by-side.ts). The runs that bring a teacher the others share
 * are trained first, so that side-by-side runs load it from the model cache
 * instead of each training it.
 */
import { ExperimentConfig } from "./config";
import { ExperimentResult } from "./results";

export type TrainOne = (config: ExperimentConfig) => Promise<ExperimentResult>;

export interface TrainAll {
  /** Results in the order of `configs`. */
  trainAll(configs: readonly ExperimentConfig[]): Promise<ExperimentResult[]>;
}

export type StudyTrainer = TrainOne | TrainAll;

/**
 * Trains `configs`, results in their order. One at a time they train in that
 * order; all at once, those at the indices in `first` train before the rest.
 */
export async function trainStudyRuns(trainer: StudyTrainer, configs: readonly ExperimentConfig[], first: readonly number[] = []): Promise<ExperimentResult[]> {
  if (typeof trainer === "function") {
    const results: ExperimentResult[] = [];
    for (const config of configs) results.push(await trainer(config));
    return results;
  }
  const results = new Array<ExperimentResult | undefined>(configs.length);
  const leading = [...new Set(first)].filter((i) => i >= 0 && i < configs.length);
  const rest = configs.map((_, i) => i).filter((i) => !leading.includes(i));
  for (const phase of [leading, rest]) {
    if (phase.length === 0) continue;
    const trained = await trainer.trainAll(phase.map((i) => configs[i]));
    if (trained.length !== phase.length) throw new Error(`trainAll returned ${trained.length} results for ${phase.length} configs`);
    phase.forEach((index, k) => (results[index] = trained[k]));
  }
  return results.map((result, i) => {
    if (!result) throw new Error(`run ${i + 1} of ${configs.length} (${configs[i].name}) was not trained`);
    return result;
  });
}
