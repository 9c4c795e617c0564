/**
 * The CLI's contract: a misspelt flag is a usage error (exit 2, the message
 * naming the flag and the command's options) for every command; --version;
 * `kdlab help <command>` prints that command's usage.
 */
import assert from "node:assert/strict";
import * as fs from "node:fs";
import * as path from "node:path";
import { describe, test } from "node:test";
import { main } from "../../lib/cli";

async function cli(args: string[]): Promise<{ code: number; out: string; err: string }> {
  const out: string[] = [];
  const err: string[] = [];
  const log = console.log;
  const error = console.error;
  console.log = (...parts: unknown[]) => out.push(parts.join(" "));
  console.error = (...parts: unknown[]) => err.push(parts.join(" "));
  try {
    return { code: await main(args), out: out.join("\n"), err: err.join("\n") };
  } finally {
    console.log = log;
    console.error = error;
  }
}

describe("kdlab CLI", () => {
  test("misspelt flags are usage errors on every command", async () => {
    const cases: [string[], RegExp][] = [
      [["run", "notebooks/00-environment.ipynb", "--sett", "x=1"], /kdlab run: unknown option --sett \(options: --set, --out, --timeout\)/],
      [["reproduce", "--dat", "/tmp"], /kdlab reproduce: unknown option --dat \(options: .*--data/],
      [["lab", "--prot", "8888"], /kdlab lab: unknown option --prot/],
      [["doctor", "--jsn"], /kdlab doctor: unknown option --jsn \(options: --json\)/],
      [["train", "pneumonia-final", "--profil", "quick"], /kdlab train: unknown option --profil/],
      [["data", "inspect", "data/pneumoniamnist.npz", "--jason"], /kdlab data: unknown option --jason/],
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

  test("--version, help <command>, unknown commands", async () => {
    const pkg = JSON.parse(fs.readFileSync(path.resolve(__dirname, "..", "..", "package.json"), "utf8")) as { version: string };
    assert.deepEqual(await cli(["--version"]), { code: 0, out: `kdlab ${pkg.version}`, err: "" });
    const help = await cli(["help", "train"]);
    assert.equal(help.code, 0);
    assert.match(help.out, /^usage: kdlab train <experiment>/);
    assert.equal((await cli(["help", "nosuch"])).code, 2);
    assert.equal((await cli(["nosuch"])).code, 2);
    assert.match((await cli(["help"])).out, /kdlab help <command>/);
  });
});
