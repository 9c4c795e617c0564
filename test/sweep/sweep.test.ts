/**
 * `kdlab sweep`: the spec's parsing and trial expansion, the charts, and end
 * to end a 2 × 2 quick sweep (temperature × α of the CIFAR-10 pair on its
 * embedded data, a few images, one epoch: seconds a trial) through a Ray head the test
 * starts on 127.0.0.1 with 2 CPUs — stopped midway by SIGTERM to the Ray
 * driver, rerun to the end without repeating a finished trial — and the same
 * sweep locally without Ray, which must give the same metrics (same seeds,
 * one thread a trial in both), its followers started once the leader's
 * teacher is in place, and a later sweep in the same runs folder loading
 * that teacher from the runs folder's model cache.
 */
import assert from "node:assert/strict";
import { spawn, spawnSync } from "node:child_process";
import * as fs from "node:fs";
import * as os from "node:os";
import * as path from "node:path";
import { after, before, describe, test } from "node:test";
import * as vegaLite from "vega-lite";
import { projectPython } from "../../lib/notebook/python";
import { ensureRequirements } from "../../lib/notebook/python-requirements";
import { sweepHeatmap, sweepValueChart } from "../../lib/report/charts";
import { expandTrials, readSweep, sweepSpec, SweepSpecError } from "../../lib/sweep";
import { splitCores } from "../../lib/sweep/plan";
import { RAY_DRIVER, RAY_REQUIREMENTS } from "../../lib/sweep/ray";
import { freePort } from "../helpers/wait";

const ROOT = path.resolve(__dirname, "..", "..");
const KDLAB = path.join(ROOT, "bin", "kdlab.js");
const runsRoot = fs.mkdtempSync(path.join(os.tmpdir(), "kdlab-sweep-"));
const SWEEP = ["cifar10-teacher-student", "--grid", "distillation.params.temperature=2,4", "--grid", "distillation.params.alpha=0.3,0.7", "--set", "epochs=1", "--runs", runsRoot, "--threads", "1"];

interface Row {
  trial: string;
  state: string;
  seed: number;
  accuracy: number;
  val_accuracy: number;
  teacher_accuracy: number;
  teacher_reused: string;
  runner: string;
  run_dir: string;
  "distillation.params.temperature": number;
  "distillation.params.alpha": number;
}

const rowsOf = (dir: string): Row[] => JSON.parse(fs.readFileSync(path.join(dir, "results.json"), "utf8")) as Row[];

/** `kdlab sweep …` in a child; resolves with its exit code and output. `onLine` sees each stderr line as it comes. */
function sweep(args: string[], onLine?: (line: string, child: ReturnType<typeof spawn>) => void): Promise<{ code: number | null; out: string; err: string }> {
  return new Promise((resolve) => {
    const child = spawn(process.execPath, [KDLAB, "sweep", ...args], { cwd: ROOT, env: { ...process.env, TF_CPP_MIN_LOG_LEVEL: "2" } });
    let out = "";
    let err = "";
    child.stdout.on("data", (chunk: Buffer) => (out += chunk.toString()));
    child.stderr.on("data", (chunk: Buffer) => {
      const text = chunk.toString();
      err += text;
      if (onLine) for (const line of text.split("\n")) if (line) onLine(line, child);
    });
    child.on("exit", (code) => resolve({ code, out, err }));
  });
}

describe("sweep spec", () => {
  test("grid × seeds expands in order, with ids naming the values; bad flags are named", () => {
    const spec = sweepSpec({ experiment: "pneumonia-final", grid: ["distillation.params.temperature=2,4", "distillation.params.alpha=0.3,0.7"], seeds: 2 });
    const trials = expandTrials(spec);
    assert.equal(trials.length, 8);
    assert.equal(trials[0].id, "001-temperature=2-alpha=0.3-seed=42");
    assert.equal(trials[1].id, "002-temperature=2-alpha=0.3-seed=43");
    assert.deepEqual(trials[7].overrides, ["distillation.params.temperature=4", "distillation.params.alpha=0.7", "seed=43"]);
    const cases: [Parameters<typeof sweepSpec>[0], RegExp][] = [
      [{ experiment: "pneumonia-final" }, /nothing to sweep/],
      [{ experiment: "pneumonia-final", grid: ["optimizer.learning_rate=1,2"] }, /unknown config key "optimizer.learning_rate"/],
      [{ experiment: "pneumonia-final", grid: ["distillation.params.alpha=0.5,2"] }, /trial 002-alpha=2-seed=42: distillation\.params\.alpha of kd must be/],
      [{ experiment: "pneumonia-final", grid: ["epochs"] }, /--grid takes key=v1,v2/],
      [{ experiment: "pneumonia-final", random: 3 }, /--random needs at least one --range/],
      [{ experiment: "pneumonia-final", random: 2, ranges: ["optimizer.lr=0:1:log"] }, /log range needs lo > 0/],
      [{ experiment: "pneumonia-final", grid: ["seed=1,2"] }, /seed is swept with --seeds/],
    ];
    for (const [options, message] of cases) assert.throws(() => sweepSpec(options), (e: Error) => e instanceof SweepSpecError && message.test(e.message), JSON.stringify(options));
  });

  test("random draws are seeded, inside their range, and the same on every expansion", () => {
    const spec = sweepSpec({ experiment: "pneumonia-final", random: 5, ranges: ["optimizer.lr=1e-4:1e-2:log"], randomSeed: 3 });
    const lrs = expandTrials(spec).map((t) => Number(t.values["optimizer.lr"]));
    assert.equal(lrs.length, 5);
    for (const lr of lrs) assert.ok(lr >= 1e-4 && lr <= 1e-2, String(lr));
    assert.deepEqual(expandTrials(spec).map((t) => t.values), expandTrials(sweepSpec({ experiment: "pneumonia-final", random: 5, ranges: ["optimizer.lr=1e-4:1e-2:log"], randomSeed: 3 })).map((t) => t.values));
  });

  test("cores are split so that trials × threads ≤ cores", () => {
    assert.deepEqual(splitCores(4, 2), { parallel: 2, threads: 1 });
    assert.deepEqual(splitCores(1, 8), { parallel: 1, threads: 8 });
    assert.deepEqual(splitCores(12, 16, 4), { parallel: 4, threads: 4 });
  });

  test("the charts compile with vega-lite and refuse NaN", () => {
    const points = [2, 4].flatMap((t) => [42, 43].map((seed) => ({ parameter: "temperature", setting: t, seed, value: 0.8 + t / 100 + seed / 1000 })));
    vegaLite.compile(sweepValueChart(points, { metric: "accuracy", baseline: { label: "alone", value: 0.8 } }));
    vegaLite.compile(sweepHeatmap(points.map((p) => ({ x: p.setting, y: 0.5, seed: p.seed, value: p.value })), { xTitle: "T", yTitle: "alpha", metric: "accuracy" }));
    assert.throws(() => sweepValueChart([{ ...points[0], value: NaN }], { metric: "accuracy" }), /must be a finite number/);
  });
});

describe("kdlab sweep through Ray and locally", () => {
  let port = 0;
  const python = projectPython();

  before(async () => {
    ensureRequirements(RAY_REQUIREMENTS, (line) => console.error(line));
    port = await freePort();
    // ray_driver.py's `ray` passes through to Ray's CLI, patient with a slow start on a busy machine.
    const started = spawnSync(python, [RAY_DRIVER, "ray", "start", "--head", "--node-ip-address=127.0.0.1", `--port=${port}`, "--num-cpus=2", "--include-dashboard=false", "--disable-usage-stats", "--object-store-memory=100000000"], {
      encoding: "utf8",
      timeout: 240_000,
      env: { ...process.env, RAY_USAGE_STATS_ENABLED: "0" },
    });
    assert.equal(started.status, 0, `ray start: ${started.stdout}\n${started.stderr}`);
  });

  after(() => {
    spawnSync(python, [RAY_DRIVER, "ray", "stop"], { encoding: "utf8", timeout: 60_000 });
    fs.rmSync(runsRoot, { recursive: true, force: true });
  });

  let rayDir = "";

  test("a SIGTERM to the Ray driver stops the sweep; the rerun finishes it without repeating finished trials", async () => {
    let stopped = false;
    const first = await sweep([...SWEEP, "--name", "ray", "--ray", `127.0.0.1:${port}`], (line) => {
      // The first trial ends alone (the others wait for its teacher); stop the driver when it has.
      if (!stopped && /ray_driver: 001-\S+ ended \(exit 0\)/.test(line)) {
        stopped = true;
        const dir = fs.readdirSync(path.join(runsRoot, "sweeps")).find((d) => d.startsWith("ray-"))!;
        const pid = Number(fs.readFileSync(path.join(runsRoot, "sweeps", dir, "ray-driver.pid"), "utf8"));
        process.kill(pid, "SIGTERM");
      }
    });
    assert.ok(stopped, first.err);
    assert.equal(first.code, 1, first.err);
    assert.match(first.err, /sweep stopped by SIGTERM: rerun with --resume/);
    rayDir = first.out.match(/sweep folder: (.+)/)![1];
    const before = rowsOf(rayDir);
    const done = before.filter((r) => r.state === "done");
    assert.ok(done.length >= 1 && done.length < 4, `stopped midway: ${before.map((r) => r.state).join(", ")}`);
    // Nothing trains on after the driver: give a stray child time to finish, then nothing may have changed.
    await new Promise((resolve) => setTimeout(resolve, 5000));
    const unfinished = before.filter((r) => r.state !== "done").map((r) => r.trial);
    for (const trial of unfinished) {
      assert.ok(!fs.existsSync(path.join(rayDir, "trials", trial, "exit.json")), `${trial} ended after the driver was stopped`);
      assert.ok(!fs.readdirSync(path.join(rayDir, "trials", trial)).some((entry) => fs.existsSync(path.join(rayDir, "trials", trial, entry, "result.json"))), `${trial} finished training after the driver was stopped`);
    }
    assert.equal(spawnSync("pgrep", ["-f", path.join(rayDir, "trials")]).status, 1, "no kdlab train of the sweep is still running");

    const again = await sweep(["cifar10-teacher-student", "--runs", runsRoot, "--resume", rayDir, "--ray", `127.0.0.1:${port}`, "--threads", "1"]);
    assert.equal(again.code, 0, again.err);
    assert.match(again.err, new RegExp(`${done.length} finished before, ${4 - done.length} to run`));
    assert.match(again.out, new RegExp(`${4 - done.length} trials run, ${done.length} finished before`));
    const rows = rowsOf(rayDir);
    assert.equal(rows.length, 4);
    assert.deepEqual(rows.map((r) => r.state), ["done", "done", "done", "done"]);
    for (const row of done) assert.equal(rows.find((r) => r.trial === row.trial)!.run_dir, row.run_dir, `${row.trial} was not run again`);
    assert.deepEqual(rows.map((r) => [r["distillation.params.temperature"], r["distillation.params.alpha"], r.seed]), [[2, 0.3, 42], [2, 0.7, 42], [4, 0.3, 42], [4, 0.7, 42]]);
    for (const row of rows) {
      assert.equal(row.runner, "ray");
      assert.ok(row.accuracy >= 0 && row.accuracy <= 1 && row.teacher_accuracy >= 0 && row.val_accuracy >= 0 && row.val_accuracy <= 1, JSON.stringify(row));
    }
    const csv = fs.readFileSync(path.join(rayDir, "results.csv"), "utf8").split("\n");
    assert.match(csv[0], /^trial,distillation\.params\.temperature,distillation\.params\.alpha,seed,state,accuracy,auc,val_accuracy,val_auc,teacher_accuracy/);
    for (const chart of ["accuracy-by-value", "accuracy-heatmap"]) assert.ok(fs.existsSync(path.join(rayDir, "charts", `${chart}.svg`)), chart);
    assert.equal(readSweep(rayDir).trials.length, 4);
  });

  test("the same sweep locally, without Ray, gives the same metrics; followers start once the leader's teacher is in place", async () => {
    assert.ok(rayDir, "the Ray sweep ran");
    // A runs folder of its own: in the Ray sweep's, every model would load from the model cache the two sweeps share.
    const localRoot = fs.mkdtempSync(path.join(os.tmpdir(), "kdlab-sweep-local-"));
    try {
      const local = await sweep([...SWEEP.map((arg) => (arg === runsRoot ? localRoot : arg)), "--name", "local"]);
      assert.equal(local.code, 0, local.err);
      const localDir = local.out.match(/sweep folder: (.+)/)![1];
      const [ray, here] = [rowsOf(rayDir), rowsOf(localDir)];
      assert.deepEqual(here.map((r) => r.runner), ["local", "local", "local", "local"]);
      assert.deepEqual(here.map((r) => r.teacher_reused), ["false", "true", "true", "true"], "the first trial trains the teacher, the others load it");
      assert.deepEqual(
        here.map((r) => [r.trial, r.accuracy, r.teacher_accuracy]),
        ray.map((r) => [r.trial, r.accuracy, r.teacher_accuracy]),
      );
      const said = local.err.split("\n");
      const line = (pattern: RegExp) => said.findIndex((l) => pattern.test(l));
      assert.ok(line(/trial 002-\S+: started/) >= 0 && line(/trial 002-\S+: started/) < line(/trial 001-\S+: done/), `trial 002 started while 001 still trained its student:\n${local.err}`);

      // A second sweep in the same runs folder loads the teacher the first one trained (the runs folder's model cache).
      const again = await sweep(["cifar10-teacher-student", "--grid", "distillation.params.alpha=0.5", "--set", "epochs=1", "--runs", localRoot, "--threads", "1", "--name", "again"]);
      assert.equal(again.code, 0, again.err);
      const [row] = rowsOf(again.out.match(/sweep folder: (.+)/)![1]);
      assert.equal(row.teacher_reused, "true", again.err);
      assert.equal(row.teacher_accuracy, here[0].teacher_accuracy);
      assert.ok(fs.lstatSync(path.join(localDir, "model-cache")).isSymbolicLink() && fs.readdirSync(path.join(localRoot, "model-cache")).length >= 5, "the sweeps' models are in the runs folder's model cache");
    } finally {
      fs.rmSync(localRoot, { recursive: true, force: true });
    }
  });

  test("kdlab sweep report rebuilds the table and charts from the folder", () => {
    fs.rmSync(path.join(rayDir, "results.csv"));
    fs.rmSync(path.join(rayDir, "charts"), { recursive: true });
    const report = spawnSync(process.execPath, [KDLAB, "sweep", "report", rayDir], { cwd: ROOT, encoding: "utf8", timeout: 60_000 });
    assert.equal(report.status, 0, report.stderr);
    assert.match(report.stdout, /4 done, 0 failed, 0 unfinished/);
    assert.match(report.stdout, /best setting \(chosen on val accuracy\): temperature=\d, alpha=0\.\d — val [\d.]+ %, test [\d.]+ % \(chosen on val; 1 trial\)/);
    const best = JSON.parse(fs.readFileSync(path.join(rayDir, "best.json"), "utf8")) as { chosen: { val: number }; settings: { val: number }[] };
    assert.equal(best.chosen.val, Math.max(...best.settings.map((s) => s.val)));
    assert.ok(fs.existsSync(path.join(rayDir, "results.csv")));
    assert.ok(fs.existsSync(path.join(rayDir, "charts", "accuracy-heatmap.svg")));
  });

  test("a failing trial is recorded with its error and does not stop the others", async () => {
    // One at a time, so the second starts after the first has failed (a missing dataset: no CPU spent).
    const run = await sweep(["cifar10-teacher-student", "--grid", "dataset.trainLimit=16,1", "--set", "epochs=1", "--set", "batchSize=16", "--set", "dataset.validationLimit=16", "--runs", runsRoot, "--name", "failing", "--data", "/nonexistent/cifar", "--parallel", "1"]);
    assert.equal(run.code, 1, run.err);
    const dir = run.out.match(/sweep folder: (.+)/)![1];
    const rows = JSON.parse(fs.readFileSync(path.join(dir, "results.json"), "utf8")) as (Row & { error: string })[];
    assert.deepEqual(rows.map((r) => r.state), ["failed", "failed"]);
    for (const row of rows) assert.match(row.error, /exit 1: kdlab train cifar10-teacher-student: .*\/nonexistent\/cifar/);
  });
});
