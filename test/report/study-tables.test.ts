/** Notebook 07's data line says how many teachers the distilled runs really learned from (their model-cache keys), not the teacher seed alone. */
import assert from "node:assert/strict";
import { describe, test } from "node:test";
import type { MethodRun } from "../../lib/experiments/index";
import { teachersSaid } from "../../lib/report/study-tables";

/** Only what teachersSaid reads: the method, the seed, and the teacher's model-cache key. */
function run(method: string, seed: number, teacherKey: string | null): MethodRun {
  const teacher = teacherKey === null ? undefined : { cache: { key: teacherKey, reused: true } };
  return { method, seed, result: { teacher, config: { seed, teacherSeed: 42 } } } as unknown as MethodRun;
}

describe("method study: the teachers said", () => {
  test("one key is one teacher; a key per seed (a val split per seed) is said as that many", () => {
    assert.equal(teachersSaid([run("alone", 42, null), run("kd", 42, "k1"), run("kd", 43, "k1")], 42), "one teacher (seed 42)");
    assert.equal(teachersSaid([run("alone", 42, null), run("kd", 42, "k1"), run("kd", 43, "k2"), run("dkd", 43, "k2")], 42), "2 teachers, each initialised from seed 42 (each seed's val split differs, so each seed trains its own)");
  });
});
