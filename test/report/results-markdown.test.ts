/** The README's results come from a run: the Markdown of the headline rows and figures, and its splice between README's markers. */
import assert from "node:assert/strict";
import { describe, test } from "node:test";
import { README_RESULTS_END, README_RESULTS_START, resultsMarkdown, spliceResults } from "../../lib/report/results-markdown";
import { figureBar } from "../../lib/report/charts";
import { spreadOf } from "../../lib/stats/summary";

describe("results as Markdown for the README", () => {
  const stages = [
    { name: "04-final", ok: true, seconds: 250, results: [{ stage: "04 final", data: "PneumoniaMNIST", rows: [{ metric: "teacher test accuracy", value: "91.2 % (n = 1)", reference: "80.12 %" }, { metric: "a | b", value: 0.5 }, { metric: "hidden", value: 1 }], headline: ["teacher test accuracy", "a | b"] }] },
    { name: "05-seeds", ok: false, seconds: 12, results: [], error: "cell 3 failed" },
  ];
  const figures = [{ task: "pneumonia", data: "PneumoniaMNIST", bars: [figureBar("student alone", spreadOf([0.8, 0.82, 0.84])), figureBar("teacher", spreadOf([0.9]), 0.8012)] }];

  test("headline rows only, pipes escaped, failures said, figures with intervals and n, the wall time per notebook", () => {
    const md = resultsMarkdown(stages, { profile: "standard", backendLine: "native CPU", finished: "2026-12-06T00:00:00Z", figures });
    assert.match(md, /\| 04 final \| teacher test accuracy \| 91\.2 % \(n = 1\) \| 80\.12 % \|/);
    assert.match(md, /\| 04 final \| a \\\| b \| 0\.5000 \| — \|/);
    assert.doesNotMatch(md, /hidden/);
    assert.match(md, /\| 05-seeds \| failed \| cell 3 failed \| — \|/);
    assert.match(md, /\| pneumonia \| student alone \| 82\.0 % \(95 % CI 77\.0 %–87\.0 %, n = 3\) \| — \|/);
    assert.match(md, /\| pneumonia \| teacher \| 90\.0 % \(n = 1\) \| 80\.1 % \|/);
    assert.match(md, /Wall time 4 min: 04 250 s, 05 12 s \(failed\)\./);
  });

  test("the splice replaces only what is between the markers; missing markers are an error naming the file", () => {
    const readme = `# x\n\n${README_RESULTS_START}\nold table\n${README_RESULTS_END}\n\nafter\n`;
    const spliced = spliceResults(readme, "new table\n");
    assert.equal(spliced, `# x\n\n${README_RESULTS_START}\nnew table\n${README_RESULTS_END}\n\nafter\n`);
    assert.equal(spliceResults(spliced, "new table\n"), spliced, "splicing twice changes nothing");
    assert.throws(() => spliceResults("# no markers", "t", "/x/README.md"), /\/x\/README\.md: the results markers are missing/);
  });
});
