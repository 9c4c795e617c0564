/**
 * Resume after a crash, with real SIGKILLs: a `kdlab train` child is killed
 * at 10 seeded-random moments (during start-up, an epoch, or a checkpoint
 * write; timed from the uninterrupted run's start-up and epoch on this
 * machine, so a loaded machine kills as late in the work) and resumed with
 * `--resume` each time; the run it finally completes ends with the same
 * weights as an uninterrupted one (1e-5), its history has every epoch once,
 * no unfinished checkpoint folder is left, and no kill lost more than the
 * epoch in progress.
 */
import assert from "node:assert/strict";
import { ChildProcess, spawn } from "node:child_process";
import * as fs from "node:fs";
import * as os from "node:os";
import * as path from "node:path";
import { describe, test } from "node:test";
import { seededRandom } from "../../lib/data/random";
import { latestExperimentRun } from "../../lib/experiments/index";

const ROOT = path.resolve(__dirname, "..", "..");
const EPOCHS = 24;
const ARGS = ["train", "pneumonia-student-alone", "--profile", "quick", "--set", `epochs=${EPOCHS}`, "--set", "checkpoints=true"];

function start(args: string[]): ChildProcess {
  return spawn(process.execPath, [path.join(ROOT, "bin", "kdlab.js"), ...args], { cwd: ROOT, stdio: ["ignore", "ignore", "pipe"], env: { ...process.env, TF_CPP_MIN_LOG_LEVEL: "3" } });
}

function exited(child: ChildProcess): Promise<{ code: number | null; signal: NodeJS.Signals | null; stderr: string }> {
  let stderr = "";
  child.stderr?.on("data", (chunk: Buffer) => (stderr += chunk.toString()));
  return new Promise((resolve) => child.on("exit", (code, signal) => resolve({ code, signal, stderr })));
}

function finalWeights(runDir: string): Float32Array {
  const bytes = fs.readFileSync(path.join(runDir, "student", "final", "weights.bin"));
  return new Float32Array(bytes.buffer, bytes.byteOffset, bytes.length / 4);
}

function epochsDone(runDir: string): number {
  const state = path.join(runDir, "student", "last", "state.json");
  return fs.existsSync(state) ? (JSON.parse(fs.readFileSync(state, "utf8")) as { epochsDone: number }).epochsDone : 0;
}

/** epochsDone while the child may be replacing its checkpoint: a folder caught mid-rename reads as no progress yet. */
function epochsDoneWhileRunning(runsRoot: string): number {
  try {
    const run = latestExperimentRun(runsRoot, "pneumonia-student-alone");
    return run ? epochsDone(run) : 0;
  } catch {
    return 0;
  }
}

describe("resume after SIGKILL", () => {
  test("10 kills at random moments, each resumed: same final weights as an uninterrupted run", async () => {
    const plain = fs.mkdtempSync(path.join(os.tmpdir(), "kdlab-resume-plain-"));
    const killed = fs.mkdtempSync(path.join(os.tmpdir(), "kdlab-resume-killed-"));
    try {
      // The uninterrupted run also times this machine, as loaded now: start-up to the first epoch's checkpoint, then per epoch.
      const started = Date.now();
      const referenceChild = start([...ARGS, "--runs", plain]);
      const referenceDone = exited(referenceChild);
      let firstEpochAt = 0;
      const watch = setInterval(() => {
        if (firstEpochAt === 0 && epochsDoneWhileRunning(plain) >= 1) firstEpochAt = Date.now() - started;
      }, 50);
      const reference = await referenceDone;
      clearInterval(watch);
      assert.equal(reference.code, 0, reference.stderr);
      const referenceRun = latestExperimentRun(plain, "pneumonia-student-alone") as string;
      assert.ok(firstEpochAt > 0, "the reference run's first checkpoint was seen");
      const epochMs = Math.max(50, (Date.now() - started - firstEpochAt) / (EPOCHS - 1));

      const random = seededRandom(20261201);
      let kills = 0;
      let rounds = 0;
      let lastDone = 0;
      let finished = false;
      let doneBeforeFinalRound = 0;
      while (!finished) {
        doneBeforeFinalRound = lastDone;
        assert.ok(rounds++ < 40, "the killed run should finish within 40 rounds");
        // A run folder, not any entry: a kill during the runs folder's write check can leave its empty .kdlab-write-check-* behind.
        const resuming = fs.readdirSync(killed).some((d) => d.startsWith("pneumonia-student-alone-"));
        const child = start([...ARGS, "--runs", killed, ...(resuming ? ["--resume"] : [])]);
        const done = exited(child);
        if (kills < 10) {
          // Timed from this machine's measured start-up and epoch, not from wall-clock guesses (a loaded machine starts
          // slower): even kills land at a random moment of start-up; odd ones wait until a further epoch is
          // checkpointed, then land at a random moment of the next epoch or its checkpoint write, so every other round
          // makes progress however slow the machine is.
          let timer: NodeJS.Timeout | undefined;
          let poll: NodeJS.Timeout | undefined;
          if (kills % 2 === 0) timer = setTimeout(() => child.kill("SIGKILL"), random() * firstEpochAt);
          else {
            const moment = random() * epochMs;
            const before = lastDone;
            poll = setInterval(() => {
              if (epochsDoneWhileRunning(killed) > before) {
                clearInterval(poll);
                timer = setTimeout(() => child.kill("SIGKILL"), moment);
              }
            }, 20);
          }
          const outcome = await done;
          clearInterval(poll);
          clearTimeout(timer);
          if (outcome.signal === "SIGKILL") kills++;
          else {
            assert.equal(outcome.code, 0, outcome.stderr);
            finished = true;
          }
        } else {
          const outcome = await done;
          assert.equal(outcome.code, 0, outcome.stderr);
          finished = true;
        }
        const run = latestExperimentRun(killed, "pneumonia-student-alone");
        if (run) {
          const now = epochsDone(run);
          assert.ok(now >= lastDone, `a kill must not lose finished epochs (${lastDone} before, ${now} after)`);
          lastDone = now;
        }
      }
      assert.ok(kills >= 10 || lastDone === EPOCHS, `${kills} kills landed`);
      const runs = fs.readdirSync(killed).filter((d) => d.startsWith("pneumonia-student-alone-"));
      assert.equal(runs.length, 1, "every resume continued the same run folder");
      const run = path.join(killed, runs[0]);
      const history = JSON.parse(fs.readFileSync(path.join(run, "student", "history.json"), "utf8")) as { epoch: number }[];
      assert.deepEqual(history.map((r) => r.epoch), Array.from({ length: EPOCHS }, (_, i) => i + 1));
      // The round that finished continued from the epochs the last kill left, instead of starting over.
      const result = JSON.parse(fs.readFileSync(path.join(run, "result.json"), "utf8")) as { student: { training: { resumedAt: number; epochsRun: number } } };
      assert.ok(doneBeforeFinalRound > 0, "some epochs finished before the last kill");
      assert.equal(result.student.training.resumedAt, doneBeforeFinalRound);
      assert.equal(result.student.training.epochsRun, EPOCHS - doneBeforeFinalRound);
      const leftovers = fs.readdirSync(path.join(run, "student")).filter((f) => f.endsWith(".writing") || f.endsWith(".old"));
      assert.deepEqual(leftovers, []);

      const a = finalWeights(referenceRun);
      const b = finalWeights(run);
      assert.equal(a.length, b.length);
      let worst = 0;
      for (let i = 0; i < a.length; i++) worst = Math.max(worst, Math.abs(a[i] - b[i]));
      assert.ok(worst <= 1e-5, `worst weight difference ${worst} after ${kills} kills`);
    } finally {
      fs.rmSync(plain, { recursive: true, force: true });
      fs.rmSync(killed, { recursive: true, force: true });
    }
  });
});
