/**
 * The CLI's contract: a misspelt flag is a usage error (exit 2, the message
 * naming the flag and the command's options, then the command's usage) for
 * every command and subcommand, and so are a flag without its value, a
 * missing or extra argument; --version; `kdlab help <command>` and
 * `kdlab <command> --help` print that command's usage.
 */
import assert from "node:assert/strict";
import * as fs from "node:fs";
import * as path from "node:path";
import { describe, test } from "node:test";
import { main } from "../../lib/cli";
import { argument, defineCommand, option, repeatable, UsageError } from "../../lib/commands/command";

/** Runs a command line's parse and action with console's output captured. */
async function captured(run: () => Promise<number>): Promise<{ code: number; out: string; err: string }> {
  const out: string[] = [];
  const err: string[] = [];
  const log = console.log;
  const error = console.error;
  console.log = (...parts: unknown[]) => out.push(parts.join(" "));
  console.error = (...parts: unknown[]) => err.push(parts.join(" "));
  try {
    return { code: await run(), out: out.join("\n"), err: err.join("\n") };
  } finally {
    console.log = log;
    console.error = error;
  }
}

const cli = (args: string[]) => captured(() => main(args));

/** Every command and subcommand, with the arguments it needs to get as far as its flags. */
const COMMANDS: { path: string[]; args: string[]; options: string[] }[] = [
  { path: ["reproduce"], args: [], options: ["--profile", "--data", "--only", "--set", "--out"] },
  { path: ["run"], args: ["notebooks/00-environment.ipynb"], options: ["--set", "--out", "--timeout"] },
  { path: ["train"], args: ["pneumonia-final"], options: ["--profile", "--data", "--set", "--runs", "--resume", "--model-cache"] },
  { path: ["data", "synth"], args: ["dicom", "/tmp/kdlab-never-written"], options: ["--seed"] },
  { path: ["data", "inspect"], args: ["data/pneumoniamnist.npz"], options: ["--json", "--no-verify", "--classes"] },
  { path: ["data", "download", "cifar10"], args: [], options: ["--dir", "--url", "--archive", "--md5"] },
  { path: ["data", "download", "chest-xray"], args: [], options: ["--dir", "--url", "--archive", "--md5"] },
  { path: ["data", "download", "medmnist"], args: ["pneumoniamnist"], options: ["--dir", "--url", "--archive", "--md5", "--size"] },
  { path: ["models", "list"], args: [], options: ["--json"] },
  { path: ["models", "summary"], args: ["cifar-student"], options: ["--input", "--json"] },
  { path: ["lab"], args: [], options: ["--port", "--ip", "--no-browser"] },
  { path: ["tensorboard"], args: [], options: ["--logdir", "--port", "--host"] },
  { path: ["doctor"], args: [], options: ["--json"] },
  { path: ["bench"], args: [], options: ["--quick", "--only", "--threads", "--no-bf16", "--json", "--out"] },
  { path: ["export"], args: ["latest"], options: ["--model", "--quantize", "--out", "--runs", "--no-evaluate"] },
  { path: ["serve"], args: ["/tmp"], options: ["--port"] },
  { path: ["sweep"], args: ["pneumonia-final"], options: ["--grid", "--random", "--range", "--random-seed", "--seeds", "--set", "--profile", "--data", "--runs", "--name", "--parallel", "--threads", "--ray", "--resume"] },
];

describe("kdlab CLI", () => {
  test("misspelt flags are usage errors on every command", async () => {
    const cases: [string[], RegExp][] = [
      [["run", "notebooks/00-environment.ipynb", "--sett", "x=1"], /kdlab run: unknown option --sett \(options: --set, --out, --timeout\)/],
      [["reproduce", "--dat", "/tmp"], /kdlab reproduce: unknown option --dat \(options: .*--data/],
      [["lab", "--prot", "8888"], /kdlab lab: unknown option --prot/],
      [["doctor", "--jsn"], /kdlab doctor: unknown option --jsn \(options: --json\)/],
      [["train", "pneumonia-final", "--profil", "quick"], /kdlab train: unknown option --profil/],
      [["data", "inspect", "data/pneumoniamnist.npz", "--jason"], /kdlab data inspect: unknown option --jason \(options: --json, --no-verify, --classes\)/],
      [["tensorboard", "--log", "runs"], /kdlab tensorboard: unknown option --log/],
      [["reproduce", "extra"], /kdlab reproduce: unexpected arguments: extra/],
    ];
    for (const [args, message] of cases) {
      const { code, err } = await cli(args);
      assert.equal(code, 2, args.join(" "));
      assert.match(err, message, args.join(" "));
      assert.match(err, /usage:\s+kdlab /, "the usage follows the message");
    }
  });

  test("each command and subcommand rejects a misspelt flag, with its own usage", async () => {
    // The list above covers every command `kdlab help` lists.
    const listed = [...(await cli(["help"])).out.matchAll(/^ {2}([a-z]+) {2,}/gm)].map((m) => m[1]);
    assert.deepEqual(listed.filter((name) => name !== "help").sort(), [...new Set(COMMANDS.map((c) => c.path[0]))].sort());
    for (const { path: names, args, options } of COMMANDS) {
      const name = names.join(" ");
      const { code, out, err } = await cli([...names, ...args, "--frobnicate"]);
      assert.equal(code, 2, name);
      assert.equal(out, "", name);
      const [message, ...usage] = err.split("\n");
      assert.equal(message, `kdlab ${name}: unknown option --frobnicate (options: ${options.join(", ")})`);
      assert.match(usage.join("\n"), new RegExp(`^\\s*usage: kdlab ${name} `), name);
      for (const option of options) assert.ok(usage.join("\n").includes(`  ${option}`), `${name}'s usage lists ${option}`);
    }
  });

  test("a flag without its value, a missing or extra argument, a flag given twice: exit 2 with the usage", async () => {
    const cases: [string[], string][] = [
      [["run", "notebooks/00-environment.ipynb", "--out"], "kdlab run: --out needs a value"],
      [["run", "notebooks/00-environment.ipynb", "--out", "--timeout", "5"], "kdlab run: --out needs a value"],
      [["train", "pneumonia-final", "--set"], "kdlab train: --set needs a value"],
      [["data", "download", "medmnist", "pneumoniamnist", "--size"], "kdlab data download medmnist: --size needs a value"],
      [["run"], "kdlab run: give exactly one notebook"],
      [["run", "a.ipynb", "b.ipynb"], "kdlab run: unexpected arguments: b.ipynb"],
      [["data", "synth", "dicom"], "kdlab data synth: synth needs a target folder"],
      [["models", "summary"], "kdlab models summary: summary needs a model name"],
      [["data"], "kdlab data: missing command (synth, inspect, download)"],
      [["data", "frobnicate"], 'kdlab data: unknown command "frobnicate" (synth, inspect, download)'],
      [["lab", "notebooks"], "kdlab lab: unexpected arguments: notebooks (jupyter lab's go after --)"],
      [["tensorboard", "--port", "1", "--port", "2"], "kdlab tensorboard: --port given 2 times"],
      [["train", "--version"], "kdlab train: unknown option --version (options: --profile, --data, --set, --runs, --resume, --model-cache)"],
    ];
    for (const [args, message] of cases) {
      const { code, out, err } = await cli(args);
      assert.equal(code, 2, args.join(" "));
      assert.equal(out, "", args.join(" "));
      assert.equal(err.split("\n")[0], message);
      assert.match(err, /\n\nusage: kdlab /, args.join(" "));
    }
  });

  test("--version, help <command>, <command> --help, unknown commands", async () => {
    const pkg = JSON.parse(fs.readFileSync(path.resolve(__dirname, "..", "..", "package.json"), "utf8")) as { version: string };
    assert.deepEqual(await cli(["--version"]), { code: 0, out: `kdlab ${pkg.version}`, err: "" });
    assert.deepEqual(await cli(["-V"]), { code: 0, out: `kdlab ${pkg.version}`, err: "" });
    const help = await cli(["help", "train"]);
    assert.equal(help.code, 0);
    assert.equal(help.err, "");
    assert.match(help.out, /^usage: kdlab train \[options\] <experiment>\n/);
    assert.match(help.out, /--set <key=value> +override a config value/);
    assert.match(help.out, /\nconfig keys: .*optimizer\.lr/);
    assert.deepEqual(await cli(["train", "--help"]), help);
    assert.deepEqual(await cli(["train", "pneumonia-final", "--set", "epochs=1", "-h"]), help);
    const inspect = await cli(["help", "data", "inspect"]);
    assert.equal(inspect.code, 0);
    assert.match(inspect.out, /^usage: kdlab data inspect \[options\] <dataset>\n/);
    assert.deepEqual(await cli(["data", "inspect", "--help"]), inspect);
    assert.match((await cli(["help", "data"])).out, /^usage: kdlab data <command> \[options\]\n[^]*\n {2}synth +write a small synthetic dataset/);

    const nosuch = await cli(["help", "nosuch"]);
    assert.equal(nosuch.code, 2);
    assert.match(nosuch.err, /^kdlab: unknown command "nosuch"\n\nusage: kdlab <command>/);
    assert.equal((await cli(["help", "data", "nosuch"])).code, 2);
    const unknown = await cli(["nosuch"]);
    assert.equal(unknown.code, 2);
    assert.match(unknown.err, /^kdlab: unknown command "nosuch" \(reproduce, run, train, /);
    assert.equal(unknown.out, "");

    const list = await cli(["help"]);
    assert.equal(list.code, 0);
    assert.match(list.out, /^usage: kdlab <command> \[options\]\n/);
    for (const name of ["reproduce", "run", "train", "data", "models", "lab", "tensorboard", "doctor", "bench"]) assert.match(list.out, new RegExp(`\\n {2}${name} +\\S`), name);
    assert.match(list.out, /kdlab help <command>/);
    assert.deepEqual(await cli([]), list);
    assert.deepEqual(await cli(["--help"]), list);
  });

  test("repeatable options keep every value in order; a single-valued one is taken once; the action's exit code is returned", async () => {
    let seen: Record<string, unknown> = {};
    const probe = defineCommand<Record<string, unknown>>({
      name: "probe",
      summary: "test command",
      define: (cmd) =>
        cmd
          .addArgument(argument("thing", "a thing", "name a thing"))
          .addOption(repeatable("--set <k=v>", "repeatable"))
          .addOption(option("--out <DIR>", "once"))
          .option("--json", "a switch"),
      async action(args, options, { argv }) {
        seen = { args, options, argv };
        return 3;
      },
    });
    assert.equal(await probe.run(["x", "--set", "a=1", "--set=b=2", "--out", "o", "--set", "c=3"]), 3);
    assert.deepEqual(seen, { args: ["x"], options: { set: ["a=1", "b=2", "c=3"], out: "o" }, argv: ["x", "--set", "a=1", "--set=b=2", "--out", "o", "--set", "c=3"] });
    assert.equal(await probe.run(["x", "--json"]), 3);
    assert.deepEqual(seen.options, { json: true });
    await assert.rejects(probe.run(["x", "--out", "a", "--out", "b", "--out", "c"]), (e: Error) => e instanceof UsageError && e.message === "--out given 3 times");
    await assert.rejects(probe.run([]), (e: Error) => e instanceof UsageError && e.message === "name a thing");
    await assert.rejects(probe.run(["x", "--set"]), (e: Error) => e instanceof UsageError && e.message === "--set needs a value");
    await assert.rejects(probe.run(["x", "--jsn"]), (e: Error) => e instanceof UsageError && /^unknown option --jsn \(options: --set, --out, --json\)/.test(e.message));
    const help = await captured(() => probe.run(["--help"]));
    assert.equal(help.code, 0, "help is not a failure");
    assert.match(help.out, /^usage: probe \[options\] <thing>\n/);

    // Through main: the --only values of reproduce are all taken (none is "given twice"); the error is the profile's.
    const reproduce = await cli(["reproduce", "--profile", "nosuch", "--only", "01", "--only", "02,03"]);
    assert.equal(reproduce.code, 2);
    assert.match(reproduce.err, /^kdlab reproduce: --profile must be quick, standard, paper, full, not nosuch/);
  });
});
