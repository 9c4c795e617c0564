/**
 * `<target>.writing-<pid>` staging (lib/runtime/staging.ts): a failed write removes
 * its own staging; stale ones of dead pids are removed, live ones (this
 * process's, another running process's) are kept.
 */
import assert from "node:assert/strict";
import { spawnSync, spawn } from "node:child_process";
import * as fs from "node:fs";
import * as os from "node:os";
import * as path from "node:path";
import { test } from "node:test";
import { removeStaleStaging, removingStagingOnFailure, stagingPath } from "../../lib/runtime/staging";

test("a failed write removes its staging; stale stagings of dead pids go, live ones stay", async () => {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), "kdlab-staging-"));
  const live = spawn(process.execPath, ["-e", "setTimeout(() => {}, 60000)"]);
  try {
    const target = path.join(dir, "final");
    await assert.rejects(
      removingStagingOnFailure(target, async () => {
        fs.mkdirSync(stagingPath(target));
        fs.writeFileSync(path.join(stagingPath(target), "weights.bin"), "half");
        throw Object.assign(new Error("ENOSPC: no space left on device, write"), { code: "ENOSPC" });
      }),
      /ENOSPC/,
    );
    assert.ok(!fs.existsSync(stagingPath(target)), "the failed write's staging is removed");

    const dead = spawnSync(process.execPath, ["-e", "process.stdout.write(String(process.pid))"], { encoding: "utf8" }).stdout;
    for (const pid of [dead, String(process.pid), String(live.pid)]) fs.mkdirSync(path.join(dir, `final.writing-${pid}`));
    fs.mkdirSync(path.join(dir, `web-student.writing-${dead}`));
    assert.deepEqual(removeStaleStaging(dir, "final"), [path.join(dir, `final.writing-${dead}`)]);
    assert.deepEqual(fs.readdirSync(dir).sort(), [`final.writing-${live.pid}`, `final.writing-${process.pid}`, `web-student.writing-${dead}`].sort());
    assert.deepEqual(removeStaleStaging(dir), [path.join(dir, `web-student.writing-${dead}`)]);
  } finally {
    live.kill("SIGKILL");
    fs.rmSync(dir, { recursive: true, force: true });
  }
});
