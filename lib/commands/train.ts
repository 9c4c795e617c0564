/** `kdlab train <experiment>`: trains an experiment's teacher and student, prints progress and the test metrics. */
import { initBackend } from "../backend";
import { applyOverrides, ConfigError, defaultRunsRoot, EXPERIMENT_NAMES, formatMetricsTable, getExperiment, isExperimentName, isProfile, latestExperimentRun, OVERRIDE_KEYS, PROFILES, runExperiment } from "../experiments";
import { Command, parseFlags, UsageError } from "./command";

const USAGE = `usage: kdlab train <experiment> [--profile quick|standard|full] [--data DIR|FILE.npz] [--set key=value ...] [--runs DIR] [--resume [RUN_DIR]]

experiments: ${EXPERIMENT_NAMES.join(", ")}
--profile   quick (default: 32 px, a few batches, 2 epochs), standard (every image at 32 px, to convergence) or full (the study's settings)
--data      dataset: CIFAR-10 binary batches; or, for the pneumonia stages, a chest X-ray {train,val,test}/{NORMAL,PNEUMONIA} folder,
            a DICOM folder with labels.csv, or a MedMNIST .npz; default: the embedded data (real PneumoniaMNIST; CIFAR-10 from data/ or synthetic)
--set       override a config value by key path, repeatable, e.g. --set optimizer.lr=0.001 --set epochs=3
--runs      folder for run folders (default: runs/ at the project root)
--resume    continue a run killed or crashed part-way (default: the experiment's newest run folder), with the
            same --profile and --set values; finished models are loaded, the unfinished one continues from
            its last epoch (needs checkpoints: on in standard and full, --set checkpoints=true for quick)

config keys: ${OVERRIDE_KEYS.join(", ")}`;

const OPTIONS = ["profile", "data", "set", "runs", "resume"];

function single(flags: Map<string, string[]>, key: string): string | undefined {
  const values = flags.get(key);
  if (values && values.length > 1) throw new UsageError(`--${key} given ${values.length} times`);
  return values?.[0];
}

export const trainCommand: Command = {
  name: "train",
  summary: "train an experiment's teacher and student (quick, standard or full profile) and print test metrics",
  usage: USAGE,
  async run(args) {
    const { positional, flags } = parseFlags(args, ["resume"], OPTIONS);
    for (const key of flags.keys()) if (!OPTIONS.includes(key)) throw new UsageError(`unknown option --${key}`);
    const [name, ...extra] = positional;
    if (name === undefined) throw new UsageError(`name an experiment: ${EXPERIMENT_NAMES.join(", ")}`);
    // --resume is a switch; a folder right after it arrives as the second positional argument.
    const resumeDir = flags.has("resume") ? extra.shift() : undefined;
    if (extra.length > 0) throw new UsageError(`unexpected arguments: ${extra.join(" ")}`);
    if (!isExperimentName(name)) throw new UsageError(`unknown experiment "${name}"; known: ${EXPERIMENT_NAMES.join(", ")}`);
    const dataDir = single(flags, "data");
    const runsRoot = single(flags, "runs");
    const profile = single(flags, "profile") ?? "quick";
    if (!isProfile(profile)) throw new UsageError(`--profile must be ${PROFILES.join(" or ")}, got "${profile}"`);
    let config;
    try {
      config = applyOverrides(getExperiment(name, profile), flags.get("set") ?? []);
    } catch (error) {
      if (error instanceof ConfigError) throw new UsageError(error.message);
      throw error;
    }
    const backend = await initBackend();
    console.error(backend.line);
    let resume: string | undefined;
    if (flags.has("resume")) {
      resume = resumeDir ?? latestExperimentRun(runsRoot ?? defaultRunsRoot(), name);
      if (!resume) throw new UsageError(`--resume: no run folder of ${name} under ${runsRoot ?? defaultRunsRoot()}`);
    }
    let result;
    try {
      result = await runExperiment(config, { dataDir, runsRoot, resume });
    } catch (error) {
      console.error(`kdlab train ${name}: ${(error as Error).message}`);
      return 1;
    }
    console.log(`\n${formatMetricsTable(result)}\n\nrun folder: ${result.runDir}`);
    return 0;
  },
};
