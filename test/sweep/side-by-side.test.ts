/**
 * Studies trained side by side (lib/sweep/side-by-side.ts): a config said as
 * --set overrides comes back as the same config, or is refused; a quick
 * method study (alone, kd, dkd) runs as 3 `kdlab train` children, the first
 * distilled run first, then 2 at a time, so that dkd loads kd's teacher, each
 * child training exactly the config it was given; a failing run throws
 * naming its log.
 */
import assert from "node:assert/strict";
import * as fs from "node:fs";
import * as os from "node:os";
import * as path from "node:path";
import { after, describe, test } from "node:test";
import { ConfigError, ExperimentConfig, getExperiment, methodStudyConfig, overridesOf, applyOverrides, runMethodStudy, seedConfigs } from "../../lib/experiments/index";
import { sideBySideTrainer, studyTrainer } from "../../lib/sweep/index";

const runsRoot = fs.mkdtempSync(path.join(os.tmpdir(), "kdlab-side-by-side-"));
after(() => fs.rmSync(runsRoot, { recursive: true, force: true }));

describe("configs as overrides", () => {
  test("every study config comes back the same from its overrides; one that overrides cannot reach is refused", () => {
    const configs: ExperimentConfig[] = [
      getExperiment("pneumonia-final", "standard"),
      ...Object.values(seedConfigs({ profile: "standard", seeds: 1, firstSeed: 43, shared: ["epochs=3", "dataset.trainLimit=200"] }, 43)),
      ...Object.values(seedConfigs({ profile: "quick", seeds: 1, firstSeed: 42, teacherPerSeed: true, distilled: ["distillation.params.temperature=2"] }, 44)),
      ...["alone", "dkd", "at", "rkd", "fitnets", "kd+at"].map((method) => methodStudyConfig({ task: "pneumonia", profile: "paper", methods: [method], seeds: 1, firstSeed: 42 }, method, 45)),
      methodStudyConfig({ task: "cifar10", profile: "standard", methods: ["dkd"], seeds: 1, firstSeed: 42, params: { dkd: ["distillation.params.beta=4"] } }, "dkd", 42),
      applyOverrides(getExperiment("cifar10-teacher-student", "full"), ["dataset.validationLimit=null", "teacher.dropout=0.25", "distillation.hardLabelWeight=0.2", "schedule.kind=step", "schedule.everyEpochs=5", "schedule.gamma=0.5", "trainStep=eager"]),
    ];
    for (const config of configs) {
      const overrides = overridesOf(config);
      assert.deepEqual(applyOverrides(getExperiment(config.name, config.profile), overrides), config, `${config.name}: ${overrides.join(" ")}`);
    }
    assert.deepEqual(overridesOf(getExperiment("pneumonia-student-alone", "quick")), []);
    assert.deepEqual(overridesOf(configs[1]), ["seed=43", "epochs=3", "dataset.trainLimit=200"]);
    const described = { ...getExperiment("pneumonia-final", "quick"), description: "changed by hand" };
    assert.throws(() => overridesOf(described), (e: Error) => e instanceof ConfigError && /where no override reaches \(description\)/.test(e.message));
  });

  test("the notebooks' choice: side by side unless one at a time is asked for or the profile is quick", () => {
    const one = async (): Promise<never> => {
      throw new Error("not called");
    };
    assert.equal(studyTrainer("quick", null, one), one);
    assert.equal(studyTrainer("standard", 1, one), one);
    assert.equal(typeof studyTrainer("standard", 2, one), "object");
    assert.throws(() => studyTrainer("standard", 0, one), /parallel must be a positive integer or null/);
  });
});

describe("a study side by side", () => {
  test("3 quick runs as children: the first distilled run first, then 2 at a time; results in order, each the config it was given, the shared teacher trained once", async () => {
    const lines: string[] = [];
    const options = { task: "pneumonia" as const, profile: "quick", methods: ["kd", "dkd"], seeds: 1, firstSeed: 42 };
    const runs = await runMethodStudy(options, sideBySideTrainer({ runsRoot, parallel: 2, log: (line) => lines.push(line) }));
    assert.deepEqual(runs.map((r) => [r.method, r.seed]), [["alone", 42], ["kd", 42], ["dkd", 42]]);
    for (const run of runs) {
      assert.deepEqual(run.result.config, methodStudyConfig(options, run.method, run.seed), run.method);
      assert.ok(fs.existsSync(path.join(run.result.runDir, "result.json")), run.result.runDir);
      assert.ok(run.result.student.test.accuracy >= 0 && run.result.student.test.accuracy <= 1);
    }
    // kd went first, alone, and trained the teacher; dkd, beside the student alone, loaded it.
    assert.equal(runs[1].result.teacher?.cache?.reused, false, lines.join("\n"));
    assert.equal(runs[2].result.teacher?.cache?.reused, true, lines.join("\n"));
    assert.match(lines[0], /^1 run side by side, 1 at a time × 2 threads/);
    assert.match(lines.join("\n"), /2 runs side by side, 2 at a time × 1 thread;/);
    assert.equal(lines.filter((l) => l.startsWith("✔ ")).length, 3, lines.join("\n"));
  });

  test("a failing run makes the batch throw, naming its log and what it said", async () => {
    const trainer = sideBySideTrainer({ runsRoot, parallel: 2, dataDir: "/nonexistent/chest-xray", log: () => undefined });
    await assert.rejects(trainer.trainAll([getExperiment("pneumonia-student-alone", "quick")]), (e: Error) => /1 of 1 side-by-side runs failed: \S+train\.log: .*\/nonexistent\/chest-xray/.test(e.message));
  });
});
