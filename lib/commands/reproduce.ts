import { reproduce } from "../reproduce";
import { isProfile, PROFILES } from "../experiments";
import { parseParameterAssignments } from "../notebook/parameters";
import { Command, UsageError, parseFlags } from "./command";

export const reproduceCommand: Command = {
  name: "reproduce",
  summary: "execute every notebook in order headless and write HTML reports with reports/index.html",
  usage: `usage: kdlab reproduce [--profile standard|quick|full] [--data DIR|FILE.npz] [--only 03[,04]] [--set name=value ...] [--out DIR]

  --profile  standard (default): every image of the embedded real PneumoniaMNIST at 32 px,
             trained to convergence, selection on val, 3 seeds in notebook 05 (about 20 min on 2 cores)
             quick: tiny sizes and few epochs (a minute a notebook; for tests)
             full: the study's settings (224 px, 25 epochs)
  --data     a dataset folder or MedMNIST .npz, for the notebooks that take one
  --only     run only notebooks whose names start with these prefixes
  --set      extra parameters, for notebooks that declare them
  --out      reports folder (default reports/)`,
  async run(args) {
    const { positional, flags } = parseFlags(args, [], ["profile", "data", "only", "set", "out"]);
    if (positional.length > 0) throw new UsageError(`unexpected arguments: ${positional.join(" ")}`);
    const profile = flags.get("profile")?.[0] ?? "standard";
    if (!isProfile(profile)) throw new UsageError(`--profile must be ${PROFILES.join(", ")}, not ${profile}`);
    const only = (flags.get("only") ?? []).flatMap((v) => v.split(",")).map((v) => v.trim()).filter(Boolean);
    const outcomes = await reproduce({
      profile,
      dataDir: flags.get("data")?.[0],
      only,
      reportsDir: flags.get("out")?.[0],
      parameters: parseParameterAssignments(flags.get("set") ?? []),
    });
    const failed = outcomes.filter((o) => !o.ok);
    console.log(`${outcomes.length - failed.length}/${outcomes.length} notebooks ok`);
    return failed.length === 0 ? 0 : 1;
  },
};
