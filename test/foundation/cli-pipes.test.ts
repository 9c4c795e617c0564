/**
 * Every CLI output reaches a pipe whole (issue 28): `bin/kdlab.js` exits only
 * once stdout and stderr have handed everything to the OS. Before, a bare
 * process.exit() cut `kdlab … --json | jq` at 64 KiB. The real `kdlab` runs
 * in a shell pipeline into a slow reader (small reads with pauses, so the
 * pipe stays full while kdlab wants to exit); a reader that closes early
 * (`| head -c 10`) is a quiet exit 0.
 */
import assert from "node:assert/strict";
import { spawnSync } from "node:child_process";
import * as fs from "node:fs";
import * as os from "node:os";
import * as path from "node:path";
import { after, before, describe, test } from "node:test";

const ROOT = path.resolve(__dirname, "..", "..");
const KDLAB = path.join(ROOT, "bin", "kdlab.js");

/** Reads stdin 4 KiB at a time with a 2 ms pause after each read, then writes it all to the file argv[1]. */
const SLOW_READER = `
import sys, time
chunks = []
while True:
    chunk = sys.stdin.buffer.read1(4096)
    if not chunk:
        break
    chunks.append(chunk)
    time.sleep(0.002)
open(sys.argv[1], "wb").write(b"".join(chunks))
`;

/** Runs `kdlab ARGS | python3 slow-reader OUT`; gives kdlab's own exit status (PIPESTATUS), its stderr and what the reader got. */
function pipeThroughSlowReader(dir: string, args: string[]): { status: number; stderr: string; received: string } {
  const reader = path.join(dir, "slow_reader.py");
  fs.writeFileSync(reader, SLOW_READER);
  const received = path.join(dir, "received.json");
  const quoted = args.map((a) => `'${a.replace(/'/g, "'\\''")}'`).join(" ");
  const shell = spawnSync("bash", ["-c", `node '${KDLAB}' ${quoted} 2>'${dir}/stderr.txt' | python3 '${reader}' '${received}'; echo "\${PIPESTATUS[0]}"`], {
    cwd: ROOT,
    encoding: "utf8",
    timeout: 300_000,
  });
  assert.equal(shell.status, 0, `the pipeline itself failed: ${shell.stderr}`);
  return { status: Number(shell.stdout.trim()), stderr: fs.readFileSync(path.join(dir, "stderr.txt"), "utf8"), received: fs.readFileSync(received, "utf8") };
}

describe("kdlab output through pipes", () => {
  let dir = "";
  before(() => {
    dir = fs.mkdtempSync(path.join(os.tmpdir(), "kdlab-pipes-"));
  });
  after(() => fs.rmSync(dir, { recursive: true, force: true }));

  test("a >1 MiB `data inspect --json` reaches a slow reader whole", () => {
    // A chest-xray folder whose class folder holds 9,000 notes that are not images: each is listed under "skipped".
    const dataset = path.join(dir, "chest");
    const normal = path.join(dataset, "train", "NORMAL");
    fs.mkdirSync(normal, { recursive: true });
    fs.mkdirSync(path.join(dataset, "train", "PNEUMONIA"), { recursive: true });
    const notes = 9000;
    for (let i = 0; i < notes; i++) fs.writeFileSync(path.join(normal, `radiologist-note-about-this-patient-and-the-follow-up-${String(i).padStart(5, "0")}.txt`), "");
    const { status, stderr, received } = pipeThroughSlowReader(dir, ["data", "inspect", dataset, "--json", "--no-verify"]);
    assert.ok(received.length > 2 ** 20, `the reader got ${received.length} bytes; expected more than 1 MiB`);
    const report = JSON.parse(received) as { skipped: { file: string; reason: string }[] };
    assert.equal(report.skipped.length, notes, "every skipped note is in the parsed output");
    assert.match(report.skipped[notes - 1].reason, /not a \.jpeg\/\.jpg\/\.png image/);
    // Skipped files make inspect exit 1 by design, and it says so; nothing else on stderr.
    assert.equal(status, 1);
    assert.match(stderr, /9000 files cannot be used/);
  });

  test("`models summary densenet121 --json` (77 kB) parses whole after a pipe", () => {
    const { status, received } = pipeThroughSlowReader(dir, ["models", "summary", "densenet121", "--json"]);
    assert.equal(status, 0);
    assert.ok(received.length > 65_536, `the reader got ${received.length} bytes`);
    const summary = JSON.parse(received) as { layers?: unknown[] };
    assert.ok(typeof summary === "object" && summary !== null);
  });

  test("a reader that closes early is a quiet exit 0", () => {
    const shell = spawnSync("bash", ["-c", `node '${KDLAB}' models summary densenet121 --json 2>'${dir}/early.txt' | head -c 10 >/dev/null; echo "\${PIPESTATUS[0]}"`], {
      cwd: ROOT,
      encoding: "utf8",
      timeout: 300_000,
    });
    assert.equal(shell.stdout.trim(), "0", "kdlab's exit status");
    // TensorFlow's own start-up log lines (absl, before its log level applies) are not kdlab's.
    const errors = fs.readFileSync(path.join(dir, "early.txt"), "utf8").split("\n").filter((line) => line.trim() && !/^[IWE]\d{4} |^WARNING: All log messages/.test(line));
    assert.deepEqual(errors, [], "no error output");
  });
});
