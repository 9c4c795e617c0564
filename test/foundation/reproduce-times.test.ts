/**
 * The main job's expected times: the reference table for standard (paper's
 * seed studies scaled by their seed count), the last run of the same
 * profile on this machine once recorded, nothing invented for quick, and a
 * damaged timings file costing only the estimate.
 */
import assert from "node:assert/strict";
import * as fs from "node:fs";
import * as os from "node:os";
import * as path from "node:path";
import { describe, test } from "node:test";
import { expectationLine, expectedTimes, recordNotebookTime } from "../../lib/reproduce/times";
import { PROFILE_SEEDS, profileSeeds } from "../../lib/experiments/catalog";

const NAMES = ["00-environment", "04-pneumonia-final-regularised", "05-student-alone-vs-distilled", "09-new-notebook"];

describe("expected notebook times", () => {
  test("standard uses the reference table, paper scales the seed studies, quick has none; unknown notebooks are counted as unknown", () => {
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), "kdlab-times-"));
    const standard = expectedTimes(dir, "standard", NAMES);
    assert.deepEqual(standard.map((t) => t.source), ["reference", "reference", "reference", undefined]);
    const paper = expectedTimes(dir, "paper", NAMES);
    assert.equal(paper[1].seconds, standard[1].seconds, "paper trains 04 as standard does");
    assert.equal(paper[2].seconds, ((standard[2].seconds as number) * PROFILE_SEEDS.paper["alone-vs-distilled"]) / PROFILE_SEEDS.standard["alone-vs-distilled"], "05 grows with its seeds");
    const studies = expectedTimes(dir, "paper", ["07-distillation-methods", "08-sweep"]).map((t) => t.seconds as number);
    const standardStudies = expectedTimes(dir, "standard", ["07-distillation-methods", "08-sweep"]).map((t) => t.seconds as number);
    assert.deepEqual(studies, [standardStudies[0] * 10, standardStudies[1] * 10], "07 and 08 screen with 1 seed in standard, 10 in paper");
    assert.ok(expectedTimes(dir, "quick", NAMES).every((t) => t.seconds === undefined));
    assert.match(expectationLine(standard, "standard"), /^expected time: 00 \d+ s · 04 \d+ (s|min) · 05 \d+ (s|min) · 09 \?; total \d+ (s|min) \+ 1 unknown \(from reference times/);
    assert.match(expectationLine(expectedTimes(dir, "quick", NAMES), "quick"), /none recorded for the quick profile yet/);
  });

  test("a recorded run replaces the reference for its profile only; a damaged file falls back to the reference", () => {
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), "kdlab-times-"));
    recordNotebookTime(dir, "standard", "04-pneumonia-final-regularised", 12.4);
    const times = expectedTimes(dir, "standard", NAMES);
    assert.deepEqual([times[1].seconds, times[1].source], [12, "last run here"]);
    assert.equal(times[0].source, "reference");
    assert.equal(expectedTimes(dir, "paper", NAMES)[1].source, "reference", "another profile's run is not used");
    assert.match(expectationLine(times, "standard"), /reference times .* and the last run on this machine/);
    fs.writeFileSync(path.join(dir, "timings.json"), "{ not json");
    assert.equal(expectedTimes(dir, "standard", NAMES)[1].source, "reference");
    recordNotebookTime(dir, "standard", "00-environment", 3);
    assert.equal(expectedTimes(dir, "standard", NAMES)[0].seconds, 3, "the job rewrites a damaged file");
  });

  test("a seed study's seed count: the notebook's own when given, else the profile's for that study; anything else is an error", () => {
    assert.deepEqual(
      [profileSeeds("quick", "alone-vs-distilled"), profileSeeds("standard", "alone-vs-distilled"), profileSeeds("standard", "methods", null), profileSeeds("standard", "sweep"), profileSeeds("paper", "methods"), profileSeeds("standard", "methods", 5)],
      [1, 3, 1, 1, 10, 5],
    );
    assert.throws(() => profileSeeds("standard", "alone-vs-distilled", 2.5), /seeds must be a positive integer \(or null for the standard profile's 3\), got 2.5/);
    assert.throws(() => profileSeeds("standard", "methods", 0), /got 0/);
    assert.throws(() => profileSeeds("standard", "methods", -1), /got -1/);
  });
});
