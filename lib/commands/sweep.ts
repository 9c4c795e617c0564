/**
 * `kdlab sweep <experiment>`: an experiment over grid values, random draws
 * and seeds, every trial a `kdlab train` child process in its own folder of
 * runs/sweeps/<name>-<timestamp>/, on this machine or on a Ray cluster
 * (lib/sweep); `kdlab sweep report <dir>` rebuilds a sweep's table and charts.
 */
import * as path from "node:path";
import { initBackend } from "../runtime/backend";
import { OVERRIDE_KEYS } from "../experiments/index";
import { formatChoice, runSweep, SweepSpecError, writeSweepReport } from "../sweep/index";
import { argument, defineCommand, option, repeatable, UsageError } from "./command";
import { experimentArgument } from "./experiment-argument";

function whole(text: string | undefined, flag: string, min: number): number | undefined {
  if (text === undefined) return undefined;
  const value = Number(text);
  if (!Number.isInteger(value) || value < min) throw new UsageError(`${flag} must be a whole number ≥ ${min}, got "${text}"`);
  return value;
}

interface SweepFlags {
  profile?: string;
  data?: string;
  grid?: string[];
  random?: string;
  range?: string[];
  randomSeed?: string;
  seeds?: string;
  set?: string[];
  runs?: string;
  name?: string;
  parallel?: string;
  threads?: string;
  ray?: string;
  resume?: string | true;
}

const reportCommand = defineCommand({
  name: "report",
  summary: "rebuild a sweep's table (results.csv, results.json), best setting chosen on val (best.json) and charts (charts/) from its folder",
  define: (cmd) => cmd.addArgument(argument("dir", "a sweep folder (runs/sweeps/<name>-<timestamp>)", "report needs a sweep folder")),
  async action([dir]) {
    await initBackend();
    let report;
    try {
      report = await writeSweepReport(path.resolve(dir));
    } catch (error) {
      console.error(`kdlab sweep report: ${(error as Error).message}`);
      return 1;
    }
    const { counts } = report;
    console.log(`${counts.done} done, ${counts.failed} failed, ${counts.pending} unfinished\ntable: ${report.csv}\n       ${report.json}\ncharts: ${report.charts.map((c) => c.svg).join("\n        ")}`);
    if (report.choice) console.log(formatChoice(report.choice));
    return 0;
  },
});

export const sweepCommand = defineCommand<SweepFlags>({
  name: "sweep",
  summary: "train an experiment over a grid, random draws and seeds (each trial a `kdlab train`), here or on a Ray cluster; `kdlab sweep report <dir>`",
  define: (cmd) =>
    cmd
      .addArgument(experimentArgument())
      .addOption(repeatable("--grid <key=v1,v2,...>", "sweep a config key over these values, repeatable (the grid is every combination), e.g. --grid distillation.params.temperature=2,4"))
      .addOption(option("--random <N>", "N random draws of the --range keys (per grid point)"))
      .addOption(repeatable("--range <key=lo:hi[:log]>", "a key drawn uniformly from [lo, hi] (log-uniformly with :log), repeatable, e.g. --range optimizer.lr=1e-4:1e-2:log"))
      .addOption(option("--random-seed <N>", "seed of the random draws (default 0)"))
      .addOption(option("--seeds <K>", "train every setting with K seeds: the experiment's seed and the K − 1 after it (default 1)"))
      .addOption(repeatable("--set <key=value>", "a config override every trial shares, repeatable"))
      .addOption(option("--profile <quick|standard|paper|full>", "as for kdlab train (default quick)"))
      .addOption(option("--data <DIR|FILE.npz>", "as for kdlab train (default: the embedded data); on a Ray cluster, a path every node sees"))
      .addOption(option("--runs <DIR>", "sweeps go to <DIR>/sweeps/ (default: runs/ at the project root)"))
      .addOption(option("--name <NAME>", "the sweep folder's name before its timestamp (default: the experiment's)"))
      .addOption(option("--parallel <N>", "trials side by side on this machine (default: one per core)"))
      .addOption(option("--threads <N>", "TensorFlow threads per trial (default: cores / parallel, so trials × threads ≤ cores); with --ray the CPUs each task declares"))
      .addOption(option("--ray <auto|ADDRESS>", "run the trials as Ray tasks: auto = a Ray started for this sweep on 127.0.0.1 and stopped after; HOST:PORT = an existing cluster (installs ray into the project's Python on first use)"))
      .option("--resume [SWEEP_DIR]", "continue a sweep (default: the newest of this name): finished trials (a result.json) are skipped, unfinished and failed ones run again")
      .addHelpText("after", `\nExits 0 when every trial finished, 1 when one failed or the sweep was stopped.\nconfig keys: ${OVERRIDE_KEYS.join(", ")}`),
  subcommands: [reportCommand],
  async action([experiment], flags) {
    const ray = flags.ray;
    if (ray !== undefined && ray !== "auto" && !/^[^:\s]+:\d+$/.test(ray)) throw new UsageError(`--ray takes auto or HOST:PORT, got "${ray}"`);
    let outcome;
    try {
      outcome = await runSweep({
        experiment,
        profile: flags.profile,
        grid: flags.grid,
        random: whole(flags.random, "--random", 1),
        ranges: flags.range,
        randomSeed: whole(flags.randomSeed, "--random-seed", 0),
        seeds: whole(flags.seeds, "--seeds", 1),
        set: flags.set,
        runsRoot: flags.runs,
        dataDir: flags.data,
        name: flags.name,
        parallel: whole(flags.parallel, "--parallel", 1),
        threads: whole(flags.threads, "--threads", 1),
        ray,
        resume: flags.resume,
        log: (line) => console.error(line),
      });
    } catch (error) {
      if (error instanceof SweepSpecError) throw new UsageError(error.message);
      console.error(`kdlab sweep ${experiment}: ${(error as Error).message}`);
      return 1;
    }
    console.log(`sweep folder: ${outcome.dir}\ntable: ${outcome.csv}\nwall time: ${outcome.seconds.toFixed(1)} s (${outcome.ran} trials run, ${outcome.skipped} finished before)`);
    return outcome.interrupted || outcome.counts.failed > 0 || outcome.counts.pending > 0 ? 1 : 0;
  },
});
