/**
 * Resume after a crash, with real SIGKILLs: a `kdlab train` child is killed
 * at 10 seeded-random moments (during start-up, an epoch, or a checkpoint
 * write) and resumed with `--resume` each time; the run it finally completes
 * ends with the same weights as an uninterrupted one (1e-5), its history has
 * every epoch once, no unfinished checkpoint folder is left, and no kill lost
 * more than the epoch in progress.
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

describe("resume after SIGKILL", () => {
  test("10 kills at random moments, each resumed: same final weights as an uninterrupted run", async () => {
    const plain = fs.mkdtempSync(path.join(os.tmpdir(), "kdlab-resume-plain-"));
    const killed = fs.mkdtempSync(path.join(os.tmpdir(), "kdlab-resume-killed-"));
    try {
      const reference = await exited(start([...ARGS, "--runs", plain]));
      assert.equal(reference.code, 0, reference.stderr);
      const referenceRun = latestExperimentRun(plain, "pneumonia-student-alone") as string;

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
          // Start-up takes a few seconds; an epoch with its checkpoints about one: kill anywhere in between.
          const delay = 2500 + random() * 5000;
          const timer = setTimeout(() => child.kill("SIGKILL"), delay);
          const outcome = await done;
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
