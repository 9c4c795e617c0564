/** kdlab's per-user cache records: where they live, atomic writes, and that a bad or unwritable record never throws. */
import assert from "node:assert/strict";
import * as fs from "node:fs";
import * as os from "node:os";
import * as path from "node:path";
import { test } from "node:test";
import { readCacheRecord, userCacheFile, writeCacheRecord } from "../../lib/runtime/user-cache";

function withCacheHome<T>(home: string, body: () => T): T {
  const before = process.env.XDG_CACHE_HOME;
  process.env.XDG_CACHE_HOME = home;
  try {
    return body();
  } finally {
    if (before === undefined) delete process.env.XDG_CACHE_HOME;
    else process.env.XDG_CACHE_HOME = before;
  }
}

test("records live in $XDG_CACHE_HOME/kdlab, are written whole and read back, with no staging file left", () => {
  const home = fs.mkdtempSync(path.join(os.tmpdir(), "kdlab-user-cache-"));
  withCacheHome(home, () => {
    const file = userCacheFile("probe.json");
    assert.equal(file, path.join(home, "kdlab", "probe.json"));
    assert.equal(readCacheRecord(file), undefined, "no record yet");
    assert.equal(writeCacheRecord(file, { fingerprint: "abc", verdicts: { a: "ok" } }), true);
    assert.deepEqual(readCacheRecord(file), { fingerprint: "abc", verdicts: { a: "ok" } });
    assert.deepEqual(fs.readdirSync(path.dirname(file)), ["probe.json"]);
    fs.writeFileSync(file, '{"fingerprint": "ab');
    assert.equal(readCacheRecord(file), undefined, "half a record reads as none");
  });
});

test("an unwritable cache folder answers false instead of throwing", () => {
  const home = fs.mkdtempSync(path.join(os.tmpdir(), "kdlab-user-cache-"));
  fs.writeFileSync(path.join(home, "kdlab"), "a file where the folder should be");
  withCacheHome(home, () => {
    assert.equal(writeCacheRecord(userCacheFile("probe.json"), { a: 1 }), false);
  });
});
