/**
 * The generated chest X-ray training set the data-pipeline and memory parts
 * stream: the published training split's size (1,341 NORMAL + 3,875
 * PNEUMONIA = 5,216 JPEGs) at 512×512, seed 1, under
 * $TMPDIR/kdlab-bench-chest (the folder test/data/bench-pipeline.ts uses, so
 * both share one copy). Generating it takes minutes on 2 cores, so it is
 * made once and kept (a stamp file marks it complete); the bench reports the
 * time when it had to. A smaller set (quick runs without the full one) lives
 * beside it.
 */
import * as fs from "node:fs";
import * as os from "node:os";
import * as path from "node:path";
import { listChestXray } from "../../lib/data/chest-xray";
import { mixSeed, seededRandom, shuffled } from "../../lib/data/random";
import { Sample } from "../../lib/data/sample";
import { synthChestXray } from "../../lib/data/synth-chest-xray";

/** The chest X-ray training split's published size: what the memory part streams. */
export const CHEST_TRAIN_IMAGES = 5216;

const NORMAL_SHARE = 1341 / CHEST_TRAIN_IMAGES;

export interface ChestSet {
  dir: string;
  sourceSize: number;
  /** All training images of the set. */
  samples: Sample[];
  /** Seconds spent generating it in this call (0 when it was already there). */
  generatedSeconds: number;
}

function setDir(images: number, sourceSize: number): string {
  const base = process.env.KDLAB_BENCH_DATA ?? os.tmpdir();
  return images === CHEST_TRAIN_IMAGES ? path.join(base, "kdlab-bench-chest") : path.join(base, `kdlab-bench-chest-${images}`);
}

/** A set of at least `images` training images: the full 5,216 if it exists or is asked for, else a smaller one. */
export async function ensureChestSet(images: number, sourceSize: number, log: (line: string) => void = () => undefined): Promise<ChestSet> {
  const fullDir = setDir(CHEST_TRAIN_IMAGES, sourceSize);
  const stampName = `.generated-${sourceSize}`;
  const useFull = images > CHEST_TRAIN_IMAGES / 2 || fs.existsSync(path.join(fullDir, stampName));
  const total = useFull ? CHEST_TRAIN_IMAGES : images;
  const dir = useFull ? fullDir : setDir(images, sourceSize);
  let generatedSeconds = 0;
  if (!fs.existsSync(path.join(dir, stampName))) {
    fs.rmSync(dir, { recursive: true, force: true });
    const normal = Math.round(total * NORMAL_SHARE);
    log(`  generating ${total} chest X-ray JPEGs at ${sourceSize}×${sourceSize} in ${dir} (once; later runs reuse them)`);
    const started = performance.now();
    await synthChestXray(dir, { seed: 1, size: sourceSize, counts: { train: [normal, total - normal] } });
    fs.writeFileSync(path.join(dir, stampName), "");
    generatedSeconds = (performance.now() - started) / 1000;
  }
  const samples = listChestXray(dir).splits.train ?? [];
  if (samples.length < images) throw new Error(`${dir}: ${samples.length} training images, the bench needs ${images}; delete the folder to regenerate it`);
  return { dir, sourceSize, samples, generatedSeconds };
}

/** `count` samples drawn with a fixed seed, so both classes are represented as in the whole set. */
export function sampleSubset(samples: readonly Sample[], count: number, seed: number): Sample[] {
  if (count >= samples.length) return samples.slice();
  return shuffled(samples, seededRandom(mixSeed(seed, count))).slice(0, count);
}
