import { before, describe, test } from "node:test";
import assert from "node:assert/strict";
import * as fs from "node:fs";
import * as os from "node:os";
import * as path from "node:path";
import * as tf from "@tensorflow/tfjs";
import { useNativeBackend } from "../helpers/native";
import { TeacherOutputCache, TeacherOutputSource } from "../../lib/distill/cache";
import { tinyConvNet } from "./fixtures";

describe("teacher-output cache", () => {
  before(useNativeBackend);

  test("rows hold logits and tapped layers; tapped outputs come back in their shapes, equal to a live pass", async () => {
    const teacher = tinyConvNet(5, 2, 4);
    const tap = teacher.layers[0].name;
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), "kdlab-teacher-cache-"));
    const xs = tf.randomUniform([3, 8, 8, 1], 0, 1, "float32", 2) as tf.Tensor4D;
    const batch = () => ({ xs, labels: tf.tensor1d([0, 1, 0], "int32"), ids: [10, 11, 12] });
    const source = new TeacherOutputSource(teacher, { dir, key: "data-a" }, 2, { taps: [tap] });
    const live = await source.outputsFor(batch(), "test");
    source.cache?.persist();
    const reread = new TeacherOutputSource(teacher, { dir, key: "data-a" }, 2, { taps: [tap] });
    assert.equal(reread.cache?.size, 3);
    const cached = await reread.outputsFor(batch(), "test");
    assert.equal(reread.hits, 1);
    assert.deepEqual(cached.features[0].shape, [3, 8, 8, 4]);
    assert.ok(tf.max(tf.abs(tf.sub(cached.features[0], live.features[0]))).dataSync()[0] === 0);
    assert.ok(tf.max(tf.abs(tf.sub(cached.logits, live.logits))).dataSync()[0] === 0);
    // Another data key, or other taps, never read these rows.
    assert.equal(new TeacherOutputSource(teacher, { dir, key: "data-b" }, 2, { taps: [tap] }).cache?.size, 0);
    assert.equal(new TeacherOutputSource(teacher, { dir, key: "data-a" }, 2).cache?.size, 0);
    tf.dispose([xs, live.logits, ...live.features, cached.logits, ...cached.features]);
    fs.rmSync(dir, { recursive: true, force: true });
  });

  test("a cache over the size limit says its size before it is written", () => {
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), "kdlab-teacher-cache-"));
    const lines: string[] = [];
    const cache = new TeacherOutputCache([2, 6], { dir, key: "k" }, (line) => lines.push(line), 100);
    cache.store([1, 2], new Float32Array(16));
    cache.persist();
    assert.equal(lines.length, 0, "128 bytes: under the limit, nothing said");
    cache.store([3, 4, 5], new Float32Array(24));
    cache.persist();
    assert.match(lines[0] ?? "", /teacher-output cache: writing 0\.00 GB \(5 samples × 8 floats\) to .*teacher-outputs-[0-9a-f]{16}\.bin/);
    fs.rmSync(dir, { recursive: true, force: true });
  });

  test("a truncated, changed, NaN-filled, unhashed or unparsable cache is said, deleted and recomputed, never loaded", () => {
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), "kdlab-teacher-cache-"));
    const write = (): { bin: string; index: string } => {
      const cache = new TeacherOutputCache([2], { dir, key: "k" });
      cache.store([1, 2], new Float32Array([1, 2, 3, 4]));
      cache.persist();
      const stem = (fs.readdirSync(dir).find((f) => f.endsWith(".bin")) as string).slice(0, -4);
      return { bin: path.join(dir, `${stem}.bin`), index: path.join(dir, `${stem}.json`) };
    };
    const cases: [string, (files: { bin: string; index: string }) => void, RegExp][] = [
      ["truncated rows", (f) => fs.truncateSync(f.bin, 4), /\.bin: 4 bytes, expected 16 for 2 samples × 2 floats/],
      ["changed rows", (f) => fs.writeFileSync(f.bin, Buffer.from(new Float32Array([1, 2, 3, 5]).buffer)), /\.bin: does not match its content hash/],
      ["NaN rows of the same size", (f) => fs.writeFileSync(f.bin, Buffer.alloc(16, 0xff)), /\.bin: does not match its content hash/],
      ["a truncated index", (f) => fs.truncateSync(f.index, 20), /\.json: not valid JSON \(/],
      ["an index without a hash (an older kdlab)", (f) => {
        const index = JSON.parse(fs.readFileSync(f.index, "utf8")) as Record<string, unknown>;
        delete index.sha256;
        fs.writeFileSync(f.index, JSON.stringify(index));
      }, /\.json: no content hash/],
    ];
    for (const [what, spoil, said] of cases) {
      const files = write();
      spoil(files);
      const lines: string[] = [];
      const reread = new TeacherOutputCache([2], { dir, key: "k" }, (line) => lines.push(line));
      assert.equal(reread.load(), 0, `${what}: nothing loaded`);
      assert.equal(lines.length, 1, `${what}: said once`);
      assert.match(lines[0], said, what);
      assert.match(lines[0], /deleted it, the teacher's outputs are computed again/, what);
      assert.deepEqual(fs.readdirSync(dir), [], `${what}: both files deleted`);
    }
    // Rows the teacher really gave as NaN are valid bytes, but never loaded either.
    const nan = new TeacherOutputCache([2], { dir, key: "k" });
    nan.store([1], new Float32Array([0, Number.NaN]));
    nan.persist();
    const lines: string[] = [];
    assert.equal(new TeacherOutputCache([2], { dir, key: "k" }, (line) => lines.push(line)).load(), 0);
    assert.match(lines[0] ?? "", /\.bin: holds NaN \(sample 1\)/);
    // A sound cache still loads.
    write();
    assert.equal(new TeacherOutputCache([2], { dir, key: "k" }).load(), 2);
    fs.rmSync(dir, { recursive: true, force: true });
  });
});
