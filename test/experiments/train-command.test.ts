import assert from "node:assert/strict";
import { spawnSync } from "node:child_process";
import * as fs from "node:fs";
import * as os from "node:os";
import * as path from "node:path";
import { after, before, describe, test } from "node:test";
import { UsageError } from "../../lib/commands/command";
import { trainCommand } from "../../lib/commands/train";
import { useNativeBackend } from "../helpers/native";

const runsRoot = fs.mkdtempSync(path.join(os.tmpdir(), "kdlab-train-command-"));

const ROOT = path.resolve(__dirname, "..", "..");

/** Runs the command in a child process (its progress goes to stdout, which the test runner itself uses here). */
function runInChild(args: string[]): { code: number | null; out: string; err: string } {
  const script = `require("./lib/commands/train").trainCommand.run(${JSON.stringify(args)}).then((code) => { process.exitCode = code; }, (error) => { console.error(error.message); process.exitCode = 99; })`;
  const child = spawnSync(process.execPath, ["--import", "tsx", "-e", script], { cwd: ROOT, encoding: "utf8", env: { ...process.env, TF_CPP_MIN_LOG_LEVEL: "2" }, timeout: 120_000 });
  return { code: child.status, out: child.stdout, err: child.stderr };
}

describe("kdlab train", () => {
  before(async () => {
    await useNativeBackend();
  });

  after(() => {
    fs.rmSync(runsRoot, { recursive: true, force: true });
  });

  test("bad arguments are usage errors with a clear message", async () => {
    const cases: [string[], RegExp][] = [
      [[], /name an experiment: cifar10-teacher-student/],
      [["pneumonia-model9"], /unknown experiment "pneumonia-model9"; known: .*pneumonia-final/],
      [["pneumonia-final", "--profile", "medium"], /--profile must be quick or standard or paper or full, got "medium"/],
      [["pneumonia-final", "--set", "optimizer.learning_rate=1"], /unknown config key "optimizer.learning_rate"; valid keys: .*optimizer\.lr/],
      [["pneumonia-final", "--set", "epochs=many"], /epochs must be an integer in \[1, ∞\], got "many"/],
      [["pneumonia-final", "--set=distillation.params.alpha=2"], /distillation\.params\.alpha of kd must be a number ≥ 0 and ≤ 1/],
      [["pneumonia-student-alone", "--set", "distillation.params.alpha=0.5"], /no teacher/],
      [["pneumonia-final", "--epochs", "3"], /unknown option --epochs/],
      [["pneumonia-final", "extra"], /unexpected arguments: extra/],
      [["pneumonia-final", "--runs", "a", "--runs", "b"], /--runs given 2 times/],
    ];
    for (const [args, message] of cases) {
      await assert.rejects(trainCommand.run(args), (error: Error) => error instanceof UsageError && message.test(error.message), args.join(" "));
    }
  });

  test("a missing dataset folder exits 1 naming the folder", () => {
    const { code, err } = runInChild(["pneumonia-student-alone", "--data", "/nonexistent/chest_xray", "--runs", runsRoot]);
    assert.equal(code, 1);
    assert.match(err, /kdlab train pneumonia-student-alone: .*\/nonexistent\/chest_xray/);
  });

  test("trains, prints progress and the final metrics table, and writes the run folder", () => {
    const { code, out, err } = runInChild(["cifar10-teacher-student", "--profile", "quick", "--set", "epochs=1", "--set", "dataset.trainLimit=32", "--runs", runsRoot]);
    assert.equal(code, 0, `${out}\n${err}`);
    assert.match(out, /teacher epoch 1\/1/);
    assert.match(out, /student epoch 1\/1/);
    assert.match(out, /model\s+params\s+trainable\s+accuracy\s+loss/);
    assert.match(out, /^teacher\s+1,621,738/m);
    assert.match(out, /^student \(distilled\)\s+[\d,]+/m);
    const runDir = /run folder: (.+)$/m.exec(out)?.[1];
    assert.ok(runDir && fs.existsSync(path.join(runDir, "config.json")) && fs.existsSync(path.join(runDir, "student", "history.csv")));
    const saved = JSON.parse(fs.readFileSync(path.join(runDir, "config.json"), "utf8")) as { config: { epochs: number; dataset: { trainLimit: number } } };
    assert.equal(saved.config.epochs, 1);
    assert.equal(saved.config.dataset.trainLimit, 32);
  });

  for (const method of ["dkd", "fitnets"]) {
    test(`--set distillation.method=${method} distils with that method, its parameters in the run's config`, () => {
      const { code, out, err } = runInChild(["cifar10-teacher-student", "--profile", "quick", "--set", `distillation.method=${method}`, "--set", "epochs=1", "--set", "dataset.trainLimit=32", "--runs", runsRoot]);
      assert.equal(code, 0, `${out}\n${err}`);
      assert.match(out, new RegExp(`distilled: ${method} \\(`));
      const runDir = /run folder: (.+)$/m.exec(out)?.[1] as string;
      const saved = JSON.parse(fs.readFileSync(path.join(runDir, "config.json"), "utf8")) as { config: { distillation: { method: string; params: Record<string, unknown> } } };
      assert.equal(saved.config.distillation.method, method);
      assert.ok(Object.keys(saved.config.distillation.params).length >= 2, "the method's parameters, defaults filled in");
    });
  }
});
