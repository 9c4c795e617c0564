/** `kdlab train <experiment>`: trains an experiment's teacher and student, prints progress and the test metrics. */
import { initBackend } from "../runtime/backend";
import { applyOverrides, ConfigError, defaultRunsRoot, formatMetricsTable, getExperiment, isExperimentName, isProfile, latestExperimentRun, OVERRIDE_KEYS, PROFILES, runExperiment, unknownExperimentMessage } from "../experiments/index";
import { defineCommand, option, repeatable, UsageError } from "./command";
import { experimentArgument } from "./experiment-argument";

export const trainCommand = defineCommand<{ profile?: string; data?: string; set?: string[]; runs?: string; resume?: string | true; modelCache?: true }>({
  name: "train",
  summary: "train an experiment's teacher and student (quick, standard or full profile) and print test metrics",
  define: (cmd) =>
    cmd
      .addArgument(experimentArgument())
      .addOption(option("--profile <quick|standard|paper|full>", "quick (default: 32 px, a few batches, 2 epochs), standard (every image at 32 px, to convergence), paper (standard's training; more seeds in the notebooks' seed studies) or full (the study's settings)"))
      .addOption(
        option(
          "--data <DIR|FILE.npz>",
          "dataset: CIFAR-10 binary batches; or, for the pneumonia stages, a chest X-ray {train,val,test}/{NORMAL,PNEUMONIA} folder, a DICOM folder with labels.csv, or a MedMNIST .npz; default: the embedded data (real PneumoniaMNIST; the full CIFAR-10 from data/, else the shipped partial real CIFAR-10)",
        ),
      )
      .addOption(repeatable("--set <key=value>", "override a config value by key path, repeatable, e.g. --set optimizer.lr=0.001 --set epochs=3"))
      .addOption(option("--runs <DIR>", "folder for run folders (default: runs/ at the project root)"))
      .option(
        "--resume [RUN_DIR]",
        "continue a run killed or crashed part-way (default: the experiment's newest run folder), with the same --profile and --set values; finished models are loaded, the unfinished one continues from its last epoch (needs checkpoints: on in standard and full, --set checkpoints=true for quick)",
      )
      .option("--model-cache", "load a model trained earlier with the same settings from <runs>/model-cache instead of training it again, and save new ones there (kdlab sweep's trials share one)")
      .addHelpText("after", `\nconfig keys: ${OVERRIDE_KEYS.join(", ")}`),
  async action([name], { profile = "quick", data: dataDir, set = [], runs: runsRoot, resume: resumeOption, modelCache }) {
    if (!isExperimentName(name)) throw new UsageError(unknownExperimentMessage(name));
    if (!isProfile(profile)) throw new UsageError(`--profile must be ${PROFILES.join(" or ")}, got "${profile}"`);
    let config;
    try {
      config = applyOverrides(getExperiment(name, profile), set);
    } catch (error) {
      if (error instanceof ConfigError) throw new UsageError(error.message);
      throw error;
    }
    const backend = await initBackend();
    console.error(backend.line);
    let resume: string | undefined;
    if (resumeOption !== undefined) {
      resume = resumeOption === true ? latestExperimentRun(runsRoot ?? defaultRunsRoot(), name) : resumeOption;
      if (!resume) throw new UsageError(`--resume: no run folder of ${name} under ${runsRoot ?? defaultRunsRoot()}`);
    }
    let result;
    try {
      result = await runExperiment(config, { dataDir, runsRoot, resume, modelCache: modelCache ? "use" : "off" });
    } catch (error) {
      console.error(`kdlab train ${name}: ${(error as Error).message}`);
      return 1;
    }
    console.log(`\n${formatMetricsTable(result)}\n\nrun folder: ${result.runDir}`);
    return 0;
  },
});
