/**
 * A sweep's trials die with it (lib/sweep/local.ts, owner.ts,
 * process-tree.ts): a two-trial local sweep (the CIFAR-10 pair on a few
 * synthetic images, one at a time); while its first trial trains, --resume
 * is refused naming the trial and its pid; then `kill -9` of the sweep —
 * which runs no handler — and within a bounded wait no trial process is
 * left; --resume then finishes the sweep with each trial trained once.
 */
import assert from "node:assert/strict";
import { spawn, spawnSync } from "node:child_process";
import * as fs from "node:fs";
import * as os from "node:os";
import * as path from "node:path";
import { after, describe, test } from "node:test";
import { pidAlive } from "../../lib/runtime/process-tree";
import { within } from "../helpers/wait";

const ROOT = path.resolve(__dirname, "..", "..");
const KDLAB = path.join(ROOT, "bin", "kdlab.js");
const EXPERIMENT = "cifar10-teacher-student";
const runsRoot = fs.mkdtempSync(path.join(os.tmpdir(), "kdlab-sweep-kill-"));
const ENV = { ...process.env, TF_CPP_MIN_LOG_LEVEL: "2" };

function readOwner(file: string): { trial: { pid: number }; sweep: { pid: number } } | undefined {
  try {
    return JSON.parse(fs.readFileSync(file, "utf8")) as { trial: { pid: number }; sweep: { pid: number } };
  } catch {
    return undefined;
  }
}

/** Processes whose command line names the sweep folder's trials (their `--runs`). */
function trialProcesses(sweepDir: string): string {
  const found = spawnSync("pgrep", ["-af", path.join(sweepDir, "trials")], { encoding: "utf8" });
  return found.stdout.split("\n").filter((line) => line && !line.includes("pgrep")).join("\n");
}

describe("kdlab sweep, killed", () => {
  after(() => fs.rmSync(runsRoot, { recursive: true, force: true }));

  test("kill -9 of the sweep leaves no trial running; --resume refuses while one runs, then finishes each trial once", async () => {
    const args = [EXPERIMENT, "--grid", "distillation.params.temperature=2,4", "--set", "epochs=4", "--set", "dataset.trainLimit=1024", "--set", "dataset.validationLimit=32", "--set", "dataset.testLimit=32", "--runs", runsRoot, "--name", "killed", "--parallel", "1", "--threads", "1"];
    const sweep = spawn(process.execPath, [KDLAB, "sweep", ...args], { cwd: ROOT, env: ENV, stdio: ["ignore", "pipe", "pipe"] });
    let err = "";
    sweep.stderr!.on("data", (chunk: Buffer) => (err += chunk.toString()));
    sweep.stdout!.resume();
    const exited = new Promise<NodeJS.Signals | null>((resolve) => sweep.on("exit", (_code, signal) => resolve(signal)));
    const trialPids = new Set<number>();
    let sweepDir = "";
    try {
      assert.ok(await within(120_000, () => /trial 001-\S+: started/.test(err)), `the first trial never started:\n${err}`);
      sweepDir = path.join(runsRoot, "sweeps", fs.readdirSync(path.join(runsRoot, "sweeps")).find((d) => d.startsWith("killed-"))!);
      const trials = fs.readdirSync(path.join(sweepDir, "trials"));
      const ownerFile = path.join(sweepDir, "trials", trials[0], "owner.json");
      assert.ok(await within(30_000, () => readOwner(ownerFile) !== undefined), `no ${ownerFile}`);
      const owner = readOwner(ownerFile)!;
      assert.equal(owner.sweep.pid, sweep.pid);
      assert.ok(pidAlive(owner.trial.pid), "the trial runs");
      trialPids.add(owner.trial.pid);

      // While a trial trains, a second sweep on the folder refuses and names it.
      const refused = spawnSync(process.execPath, [KDLAB, "sweep", EXPERIMENT, "--runs", runsRoot, "--resume", sweepDir, "--parallel", "1", "--threads", "1"], { cwd: ROOT, env: ENV, encoding: "utf8", timeout: 120_000 });
      assert.equal(refused.status, 1, refused.stderr);
      assert.match(refused.stderr, /trial \d{3}-\S+ (is still being trained by kdlab train pid \d+|belongs to sweep pid \d+, still running)/);
      for (const trial of trials) {
        const now = readOwner(path.join(sweepDir, "trials", trial, "owner.json"));
        if (now) trialPids.add(now.trial.pid);
      }

      process.kill(sweep.pid!, "SIGKILL");
      assert.equal(await exited, "SIGKILL");
      // A trial notices within a second or two; left alone it trains on for longer than this wait.
      const gone = await within(20_000, () => [...trialPids].every((pid) => !pidAlive(pid)) && trialProcesses(sweepDir) === "");
      assert.ok(gone, `trials outlived the killed sweep:\n${trialProcesses(sweepDir)}`);
      for (const trial of trials) {
        const dir = path.join(sweepDir, "trials", trial);
        assert.ok(!fs.readdirSync(dir).some((entry) => fs.existsSync(path.join(dir, entry, "result.json"))), `${trial} went on training after the sweep was killed`);
      }
      const logs = trials.map((t) => fs.readFileSync(path.join(sweepDir, "trials", t, "train.log"), "utf8")).join("\n");
      assert.match(logs, new RegExp(`kdlab train: the process that started it \\(pid ${sweep.pid}\\) is gone; stopping`));
    } finally {
      if (sweep.exitCode === null && sweep.signalCode === null) sweep.kill("SIGKILL");
      for (const pid of trialPids) if (pidAlive(pid)) process.kill(-pid, "SIGKILL");
    }

    const resumed = spawnSync(process.execPath, [KDLAB, "sweep", EXPERIMENT, "--runs", runsRoot, "--resume", sweepDir, "--parallel", "1", "--threads", "1"], { cwd: ROOT, env: ENV, encoding: "utf8", timeout: 540_000 });
    assert.equal(resumed.status, 0, resumed.stderr);
    const rows = JSON.parse(fs.readFileSync(path.join(sweepDir, "results.json"), "utf8")) as { trial: string; state: string }[];
    assert.deepEqual(rows.map((r) => r.state), ["done", "done"]);
    for (const { trial } of rows) {
      const dir = path.join(sweepDir, "trials", trial);
      const runFolders = fs.readdirSync(dir).filter((entry) => entry.startsWith(`${EXPERIMENT}-`));
      assert.equal(runFolders.length, 1, `${trial} was trained once: ${runFolders.join(", ")}`);
      assert.ok(fs.existsSync(path.join(dir, runFolders[0], "result.json")), `${trial} finished`);
      assert.ok(!fs.existsSync(path.join(dir, "owner.json")), `${trial}'s owner.json is removed when it ends`);
      assert.equal((resumed.stderr.match(new RegExp(`trial ${trial}: started`, "g")) ?? []).length, 1, `${trial} started once in the resumed sweep`);
    }
    assert.equal(trialProcesses(sweepDir), "");
  });
});
