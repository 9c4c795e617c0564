/** `kdlab reproduce`: every notebook in order, headless, with HTML reports and reports/index.html. */
import { reproduce } from "../reproduce/index";
import { isProfile, PROFILES } from "../experiments/index";
import { parseParameterAssignments } from "../notebook/parameters";
import { defineCommand, option, repeatable, UsageError } from "./command";

export const reproduceCommand = defineCommand<{ profile?: string; data?: string; only?: string[]; set?: string[]; out?: string }>({
  name: "reproduce",
  summary: "execute every notebook in order headless and write HTML reports with reports/index.html",
  define: (cmd) =>
    cmd
      .addOption(
        option(
          "--profile <standard|quick|paper|full>",
          "standard (default): every image of the embedded real PneumoniaMNIST at 32 px, trained to convergence, selection on val, 3 seeds in the alone-vs-distilled study (05), 1 in the method study (07) and the sweep (08); paper: standard with 10 seeds in all three; quick: tiny sizes and few epochs (a minute a notebook; for tests); full: the study's settings (224 px, 25 epochs)",
        ),
      )
      .addOption(option("--data <DIR|FILE.npz>", "a dataset folder or MedMNIST .npz, for the notebooks that take one"))
      .addOption(repeatable("--only <prefixes>", "run only notebooks whose names start with these prefixes: --only 03 or --only 03,04 (repeatable)"))
      .addOption(repeatable("--set <name=value>", "extra parameters, for notebooks that declare them (repeatable)"))
      .addOption(option("--out <DIR>", "reports folder (default reports/)")),
  async action(_args, { profile = "standard", data, only = [], set = [], out }) {
    if (!isProfile(profile)) throw new UsageError(`--profile must be ${PROFILES.join(", ")}, not ${profile}`);
    const outcomes = await reproduce({
      profile,
      dataDir: data,
      only: only.flatMap((v) => v.split(",")).map((v) => v.trim()).filter(Boolean),
      reportsDir: out,
      parameters: parseParameterAssignments(set),
    });
    const failed = outcomes.filter((o) => !o.ok);
    console.log(`${outcomes.length - failed.length}/${outcomes.length} notebooks ok`);
    return failed.length === 0 ? 0 : 1;
  },
});
