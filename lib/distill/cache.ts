/**
 * The teacher's outputs during distillation — its logits and the layers the
 * distillation method taps — live or from a cache. A frozen teacher in
 * inference mode gives the same outputs for the same un-augmented image every
 * epoch, so they are computed once (the first epoch, or up front with
 * `fillTeacherCache`) and then read back by sample id: a distillation epoch
 * then costs about what a student-alone epoch costs. Kept in memory,
 * optionally persisted to disk, keyed by a fingerprint of the teacher's
 * weights, the tapped layer names and the caller's data key, so a changed
 * teacher, method or dataset never reads stale rows. On disk the index
 * (.json, written last) holds the sha256 of the rows (.bin): an index that
 * does not parse, has no hash, or whose rows are truncated, changed or hold
 * NaN/Infinity is said and deleted, and the outputs are computed again. A
 * cache over 1 GB says its size (samples × floats) before it is written.
 */
import { createHash } from "node:crypto";
import * as fs from "node:fs";
import * as path from "node:path";
import * as tf from "@tensorflow/tfjs";
import { Batch } from "./batch";
import { tapShape } from "./methods/method";
import { firstNonFinite, float32View, sha256 } from "./content-hash";

export type SampleId = number | string;

/** "off": run the teacher on every batch; "memory": cache in RAM; { dir }: cache in RAM and persist under dir (`key`: what else the rows depend on, e.g. the dataset's fingerprint). */
export type TeacherCacheMode = "off" | "memory" | { dir: string; key?: string };

/** The teacher's outputs for one batch. */
export interface TeacherOutputs {
  logits: tf.Tensor2D;
  /** The tapped layers' outputs, in tap order. */
  features: tf.Tensor[];
}

export function disposeTeacherOutputs(outputs: TeacherOutputs | undefined): void {
  if (outputs) tf.dispose([outputs.logits, ...outputs.features]);
}

function keyOf(id: SampleId): string {
  return typeof id === "number" ? `n:${id}` : `s:${id}`;
}

/** The teacher's logits in inference mode (dropout off, BatchNorm moving statistics). */
export function liveTeacherLogits(teacher: tf.LayersModel, xs: tf.Tensor4D): tf.Tensor2D {
  return tf.tidy(() => {
    const logits = teacher.apply(xs, { training: false }) as tf.Tensor;
    if (logits.rank !== 2) throw new Error(`teacher ${teacher.name} must output [batch, classes] logits, got [${logits.shape.join(", ")}]`);
    return logits as tf.Tensor2D;
  });
}

/** sha256 of the teacher's weight shapes and values: part of the cache's key on disk. */
export function teacherFingerprint(teacher: tf.LayersModel): string {
  const hash = createHash("sha256");
  for (const weight of teacher.getWeights()) {
    hash.update(`${weight.dtype}[${weight.shape.join(",")}]`);
    const values = weight.dataSync();
    hash.update(new Uint8Array(values.buffer, values.byteOffset, values.byteLength));
  }
  return hash.digest("hex");
}

interface CacheIndex {
  key: string;
  /** Floats per sample, and how they split: [classes, feature sizes…]. */
  layout: number[];
  ids: SampleId[];
  /** sha256 of the .bin's bytes. */
  sha256: string;
}

/** Rows of [logits | feature 1 | feature 2 …] by sample id. */
export class TeacherOutputCache {
  private readonly rows = new Map<string, Float32Array>();
  private dirty = false;
  readonly rowSize: number;

  constructor(
    /** Floats per part of a row: [classes, then each tapped layer's size]. */
    readonly layout: readonly number[],
    /** Persisted here when set (see persist/load); `key` names the teacher, taps and data. */
    readonly file?: { dir: string; key: string },
    private readonly log: (line: string) => void = (line) => console.error(line),
    /** A cache larger than this says its size before it is written. */
    private readonly announceBytes = 1e9,
  ) {
    this.rowSize = layout.reduce((a, b) => a + b, 0);
  }

  get size(): number {
    return this.rows.size;
  }

  /** The rows of every id, [ids.length, rowSize] row-major, or undefined if any is missing. */
  lookup(ids: readonly SampleId[]): Float32Array | undefined {
    const out = new Float32Array(ids.length * this.rowSize);
    for (let i = 0; i < ids.length; i++) {
      const row = this.rows.get(keyOf(ids[i]));
      if (!row) return undefined;
      out.set(row, i * this.rowSize);
    }
    return out;
  }

  store(ids: readonly SampleId[], rows: Float32Array): void {
    if (rows.length !== ids.length * this.rowSize) throw new Error(`teacher-output cache: ${rows.length} values for ${ids.length} ids × ${this.rowSize} per row`);
    ids.forEach((id, i) => {
      const key = keyOf(id);
      if (!this.rows.has(key)) this.dirty = true;
      this.rows.set(key, rows.slice(i * this.rowSize, (i + 1) * this.rowSize));
    });
  }

  private paths(): { index: string; data: string } | undefined {
    if (!this.file) return undefined;
    const stem = path.join(this.file.dir, `teacher-outputs-${createHash("sha256").update(this.file.key).digest("hex").slice(0, 16)}`);
    return { index: `${stem}.json`, data: `${stem}.bin` };
  }

  /** Writes the cache to disk if it has a file and changed since the last write (saying its size first when over 1 GB). */
  persist(): void {
    const files = this.paths();
    if (!files || !this.file || !this.dirty) return;
    const size = this.rows.size * this.rowSize * 4;
    if (size > this.announceBytes) this.log(`teacher-output cache: writing ${(size / 1e9).toFixed(2)} GB (${this.rows.size} samples × ${this.rowSize} floats) to ${files.data}`);
    fs.mkdirSync(this.file.dir, { recursive: true });
    const ids: SampleId[] = [];
    const data = new Float32Array(this.rows.size * this.rowSize);
    let i = 0;
    for (const [key, row] of this.rows) {
      ids.push(key.startsWith("n:") ? Number(key.slice(2)) : key.slice(2));
      data.set(row, i * this.rowSize);
      i++;
    }
    const bytes = new Uint8Array(data.buffer, data.byteOffset, data.byteLength);
    const index: CacheIndex = { key: this.file.key, layout: [...this.layout], ids, sha256: sha256(bytes) };
    // The rows first, the index (with their hash) last: an interrupted write leaves no index that vouches for them.
    // Written aside under this process's id: processes sharing the cache (sweep trials, side-by-side runs) never write one file together.
    const aside = `.writing-${process.pid}`;
    fs.rmSync(files.index, { force: true });
    fs.writeFileSync(`${files.data}${aside}`, bytes);
    fs.renameSync(`${files.data}${aside}`, files.data);
    fs.writeFileSync(`${files.index}${aside}`, JSON.stringify(index));
    fs.renameSync(`${files.index}${aside}`, files.index);
    this.dirty = false;
  }

  /**
   * Reads a persisted cache with this key, if there is one; returns how many
   * rows it loaded. An invalid one is said and deleted (0 rows: recomputed).
   */
  load(): number {
    const files = this.paths();
    if (!files || !this.file || !fs.existsSync(files.index)) return 0;
    let index: CacheIndex;
    try {
      index = JSON.parse(fs.readFileSync(files.index, "utf8")) as CacheIndex;
    } catch (error) {
      return this.discard(files, `${files.index}: not valid JSON (${(error as Error).message})`);
    }
    if (index.key !== this.file.key || index.layout?.join(",") !== this.layout.join(",")) return 0;
    if (typeof index.sha256 !== "string") return this.discard(files, `${files.index}: no content hash (written by an older kdlab, or the write was interrupted)`);
    if (!fs.existsSync(files.data)) return this.discard(files, `${files.data}: missing`);
    const bytes = fs.readFileSync(files.data);
    const expected = index.ids.length * this.rowSize * 4;
    if (bytes.byteLength !== expected) return this.discard(files, `${files.data}: ${bytes.byteLength} bytes, expected ${expected} for ${index.ids.length} samples × ${this.rowSize} floats`);
    if (sha256(bytes) !== index.sha256) return this.discard(files, `${files.data}: does not match its content hash in ${path.basename(files.index)} (changed since it was written)`);
    const data = float32View(bytes);
    const bad = firstNonFinite(data);
    if (bad >= 0) return this.discard(files, `${files.data}: holds ${data[bad]} (sample ${index.ids[Math.floor(bad / this.rowSize)]})`);
    index.ids.forEach((id, i) => this.rows.set(keyOf(id), data.slice(i * this.rowSize, (i + 1) * this.rowSize)));
    return index.ids.length;
  }

  /** Says why a persisted cache is not used, deletes it, and loads nothing (the outputs are computed again). */
  private discard(files: { index: string; data: string }, problem: string): number {
    this.log(`teacher-output cache: ${problem}; deleted it, the teacher's outputs are computed again`);
    fs.rmSync(files.index, { force: true });
    fs.rmSync(files.data, { force: true });
    return 0;
  }
}

export interface TeacherOutputSourceOptions {
  /** Layers whose outputs the distillation method reads (Keras names); default none. */
  taps?: readonly string[];
  /** The teacher's input preprocessing (not part of the disk key: keep it fixed per teacher). */
  preprocess?: (xs: tf.Tensor4D) => tf.Tensor4D;
  /** Runs the teacher instead of tfjs, returning [logits, ...taps] (e.g. a compiled graph of it, compiled/predictor.ts). */
  run?: (xs: tf.Tensor4D) => Promise<tf.Tensor[]>;
}

/** The trainer's view of the teacher: its outputs for a batch, from the cache when it has them. */
export class TeacherOutputSource {
  readonly cache?: TeacherOutputCache;
  /** Batches answered from the cache vs by running the teacher (for reports and tests). */
  hits = 0;
  misses = 0;
  private readonly taps: readonly string[];
  private readonly tapped: tf.LayersModel;
  private readonly layout: number[];

  constructor(
    readonly teacher: tf.LayersModel,
    mode: TeacherCacheMode,
    numClasses: number,
    private readonly options: TeacherOutputSourceOptions = {},
  ) {
    this.taps = options.taps ?? [];
    const outputs = this.taps.map((name) => teacher.layers.find((l) => l.name === name)?.output as tf.SymbolicTensor | undefined);
    const missing = outputs.findIndex((o) => o === undefined);
    if (missing >= 0) throw new Error(`teacher ${teacher.name} has no layer "${this.taps[missing]}"`);
    this.tapped = outputs.length === 0 ? teacher : tf.model({ inputs: teacher.inputs, outputs: [teacher.outputs[0], ...(outputs as tf.SymbolicTensor[])] });
    this.layout = [numClasses, ...this.taps.map((name) => tapShape(teacher, name, "teacher", "teacher-output cache").reduce((a, b) => a * b, 1))];
    if (mode === "off") return;
    const file = typeof mode === "object" ? { dir: mode.dir, key: [teacherFingerprint(teacher), numClasses, ...this.taps, mode.key ?? ""].join("|") } : undefined;
    this.cache = new TeacherOutputCache(this.layout, file);
    this.cache.load();
  }

  private async live(xs: tf.Tensor4D): Promise<TeacherOutputs> {
    const { preprocess, run } = this.options;
    const input = preprocess ? tf.tidy(() => preprocess(xs)) : xs;
    try {
      const values = run
        ? await run(input)
        : tf.tidy(() => {
            const out = this.tapped.apply(input, { training: false }) as tf.Tensor | tf.Tensor[];
            return Array.isArray(out) ? out : [out];
          });
      const [logits, ...features] = values;
      if (logits.rank !== 2) throw new Error(`teacher ${this.teacher.name} must output [batch, classes] logits, got [${logits.shape.join(", ")}]`);
      return { logits: logits as tf.Tensor2D, features };
    } finally {
      if (input !== xs) input.dispose();
    }
  }

  private fromRows(rows: Float32Array, count: number): TeacherOutputs {
    return tf.tidy(() => {
      const all = tf.tensor2d(rows, [count, this.layout.reduce((a, b) => a + b, 0)]);
      const [logits, ...flat] = tf.split(all, this.layout, 1);
      const features = flat.map((f, i) => tf.reshape(f, [count, ...tapShape(this.teacher, this.taps[i], "teacher", "teacher-output cache")]));
      return { logits: logits as tf.Tensor2D, features };
    });
  }

  async outputsFor(batch: Batch, where: string): Promise<TeacherOutputs> {
    if (!this.cache) return await this.live(batch.xs);
    if (batch.augmented) throw new Error(`${where}: the teacher-output cache needs un-augmented batches (augmentation is on); set the cache to "off"`);
    if (!batch.ids) throw new Error(`${where}: the teacher-output cache needs batch.ids (sample index or file id)`);
    const cached = this.cache.lookup(batch.ids);
    if (cached) {
      this.hits++;
      return this.fromRows(cached, batch.ids.length);
    }
    this.misses++;
    const outputs = await this.live(batch.xs);
    if (outputs.logits.shape[1] !== this.layout[0]) {
      disposeTeacherOutputs(outputs);
      throw new Error(`${where}: teacher outputs ${outputs.logits.shape[1]} classes, the run expects ${this.layout[0]}`);
    }
    const joined = tf.tidy(() => tf.concat([outputs.logits, ...outputs.features.map((f) => tf.reshape(f, [f.shape[0], -1]))], 1));
    this.cache.store(batch.ids, (await joined.data()) as Float32Array);
    joined.dispose();
    return outputs;
  }
}

/** One inference pass of the teacher over `batches` into the cache (disposes the batches). */
export async function fillTeacherCache(source: TeacherOutputSource, batches: AsyncIterable<Batch> | Iterable<Batch>): Promise<void> {
  if (!source.cache) throw new Error("fillTeacherCache: the teacher-output cache is off");
  for await (const batch of batches) {
    try {
      disposeTeacherOutputs(await source.outputsFor(batch, "fillTeacherCache"));
    } finally {
      tf.dispose([batch.xs, batch.labels]);
    }
  }
  source.cache.persist();
}
