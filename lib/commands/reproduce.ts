import { Profile, reproduce } from "../reproduce";
import { parseParameterAssignments } from "../notebook/parameters";
import { Command, UsageError, parseFlags } from "./command";

export const reproduceCommand: Command = {
  name: "reproduce",
  summary: "execute every notebook in order headless and write HTML reports with reports/index.html",
  usage: `usage: kdlab reproduce [--profile quick|full] [--data DIR] [--only 03[,04]] [--set name=value ...] [--out DIR]

  --profile  quick: tiny sizes and few epochs on the embedded default data (default)
             full: the study's settings
  --data     a real dataset's folder, for the notebooks that take one
  --only     run only notebooks whose names start with these prefixes
  --set      extra parameters, for notebooks that declare them
  --out      reports folder (default reports/)`,
  async run(args) {
    const { flags } = parseFlags(args);
    const profile = (flags.get("profile")?.[0] ?? "quick") as Profile;
    if (profile !== "quick" && profile !== "full") throw new UsageError(`--profile must be quick or full, not ${profile}`);
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
