/**
 * Teacher-logit cache. A frozen teacher in inference mode gives the same
 * logits for the same un-augmented image every epoch, so they are computed
 * once (the first epoch, or up front with `fillTeacherCache`) and then read
 * back by sample id: a distillation epoch then costs about what a
 * student-alone epoch costs. Kept in memory, optionally persisted to disk
 * keyed by a fingerprint of the teacher's weights (a changed teacher never
 * reads stale logits).
 */
import { createHash } from "node:crypto";
import * as fs from "node:fs";
import * as path from "node:path";
import * as tf from "@tensorflow/tfjs";
import { Batch } from "./batch";

export type SampleId = number | string;

/** "off": run the teacher on every batch; "memory": cache in RAM; { dir }: cache in RAM and persist under dir. */
export type TeacherCacheMode = "off" | "memory" | { dir: string };

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

/** sha256 of the teacher's weight shapes and values: the cache's key on disk. */
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
  fingerprint: string;
  numClasses: number;
  ids: SampleId[];
}

export class TeacherLogitCache {
  private readonly rows = new Map<string, Float32Array>();
  private dirty = false;

  constructor(
    readonly numClasses: number,
    /** Persisted here when set (see persist/load). */
    readonly file?: { dir: string; fingerprint: string },
  ) {}

  get size(): number {
    return this.rows.size;
  }

  /** The logits of every id, row-major [ids.length, numClasses], or undefined if any is missing. */
  lookup(ids: readonly SampleId[]): Float32Array | undefined {
    const out = new Float32Array(ids.length * this.numClasses);
    for (let i = 0; i < ids.length; i++) {
      const row = this.rows.get(keyOf(ids[i]));
      if (!row) return undefined;
      out.set(row, i * this.numClasses);
    }
    return out;
  }

  store(ids: readonly SampleId[], logits: Float32Array): void {
    if (logits.length !== ids.length * this.numClasses) {
      throw new Error(`teacher-logit cache: ${logits.length} values for ${ids.length} ids × ${this.numClasses} classes`);
    }
    ids.forEach((id, i) => {
      const key = keyOf(id);
      if (!this.rows.has(key)) this.dirty = true;
      this.rows.set(key, logits.slice(i * this.numClasses, (i + 1) * this.numClasses));
    });
  }

  private paths(): { index: string; data: string } | undefined {
    if (!this.file) return undefined;
    const stem = path.join(this.file.dir, `teacher-logits-${this.file.fingerprint.slice(0, 16)}`);
    return { index: `${stem}.json`, data: `${stem}.bin` };
  }

  /** Writes the cache to disk if it has a file and changed since the last write. */
  persist(): void {
    const files = this.paths();
    if (!files || !this.file || !this.dirty) return;
    fs.mkdirSync(this.file.dir, { recursive: true });
    const ids: SampleId[] = [];
    const data = new Float32Array(this.rows.size * this.numClasses);
    let i = 0;
    for (const [key, row] of this.rows) {
      ids.push(key.startsWith("n:") ? Number(key.slice(2)) : key.slice(2));
      data.set(row, i * this.numClasses);
      i++;
    }
    const index: CacheIndex = { fingerprint: this.file.fingerprint, numClasses: this.numClasses, ids };
    fs.writeFileSync(files.data, Buffer.from(data.buffer, data.byteOffset, data.byteLength));
    fs.writeFileSync(files.index, JSON.stringify(index));
    this.dirty = false;
  }

  /** Reads a persisted cache for this teacher, if there is one; returns how many rows it loaded. */
  load(): number {
    const files = this.paths();
    if (!files || !this.file || !fs.existsSync(files.index)) return 0;
    const index = JSON.parse(fs.readFileSync(files.index, "utf8")) as CacheIndex;
    if (index.fingerprint !== this.file.fingerprint || index.numClasses !== this.numClasses) return 0;
    const bytes = fs.readFileSync(files.data);
    if (bytes.byteLength !== index.ids.length * this.numClasses * 4) {
      throw new Error(`${files.data}: ${bytes.byteLength} bytes, expected ${index.ids.length * this.numClasses * 4} for ${index.ids.length} samples × ${this.numClasses} classes`);
    }
    const data = new Float32Array(bytes.buffer.slice(bytes.byteOffset, bytes.byteOffset + bytes.byteLength));
    index.ids.forEach((id, i) => this.rows.set(keyOf(id), data.slice(i * this.numClasses, (i + 1) * this.numClasses)));
    return index.ids.length;
  }
}

/** The trainer's view of the teacher: logits for a batch, from the cache when it has them. */
export class TeacherLogitSource {
  readonly cache?: TeacherLogitCache;
  /** Batches answered from the cache vs by running the teacher (for reports and tests). */
  hits = 0;
  misses = 0;

  constructor(
    readonly teacher: tf.LayersModel,
    mode: TeacherCacheMode,
    numClasses: number,
    /** The teacher's input preprocessing (not part of the disk key: keep it fixed per teacher). */
    readonly preprocess?: (xs: tf.Tensor4D) => tf.Tensor4D,
    /** Runs the teacher instead of tfjs (e.g. a compiled graph of it, compiled/predictor.ts). */
    private readonly runTeacher?: (xs: tf.Tensor4D) => Promise<tf.Tensor2D>,
  ) {
    if (mode === "off") return;
    const file = typeof mode === "object" ? { dir: mode.dir, fingerprint: teacherFingerprint(teacher) } : undefined;
    this.cache = new TeacherLogitCache(numClasses, file);
    this.cache.load();
  }

  private async live(xs: tf.Tensor4D): Promise<tf.Tensor2D> {
    const preprocess = this.preprocess;
    const run = this.runTeacher;
    if (!run) return preprocess ? tf.tidy(() => liveTeacherLogits(this.teacher, preprocess(xs))) : liveTeacherLogits(this.teacher, xs);
    const input = preprocess ? tf.tidy(() => preprocess(xs)) : xs;
    try {
      return await run(input);
    } finally {
      if (input !== xs) input.dispose();
    }
  }

  async logitsFor(batch: Batch, where: string): Promise<tf.Tensor2D> {
    if (!this.cache) return await this.live(batch.xs);
    if (batch.augmented) throw new Error(`${where}: the teacher-logit cache needs un-augmented batches (augmentation is on); set the cache to "off"`);
    if (!batch.ids) throw new Error(`${where}: the teacher-logit cache needs batch.ids (sample index or file id)`);
    const cached = this.cache.lookup(batch.ids);
    if (cached) {
      this.hits++;
      return tf.tensor2d(cached, [batch.ids.length, this.cache.numClasses]);
    }
    this.misses++;
    const logits = await this.live(batch.xs);
    if (logits.shape[1] !== this.cache.numClasses) {
      logits.dispose();
      throw new Error(`${where}: teacher outputs ${logits.shape[1]} classes, the run expects ${this.cache.numClasses}`);
    }
    this.cache.store(batch.ids, (await logits.data()) as Float32Array);
    return logits;
  }
}

/** One inference pass of the teacher over `batches` into the cache (disposes the batches). */
export async function fillTeacherCache(source: TeacherLogitSource, batches: AsyncIterable<Batch> | Iterable<Batch>): Promise<void> {
  if (!source.cache) throw new Error("fillTeacherCache: the teacher-logit cache is off");
  for await (const batch of batches) {
    try {
      tf.dispose(await source.logitsFor(batch, "fillTeacherCache"));
    } finally {
      tf.dispose([batch.xs, batch.labels]);
    }
  }
  source.cache.persist();
}
