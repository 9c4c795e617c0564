/**
 * Writes a small synthetic CIFAR-10 in the official binary layout
 * (cifar-10-batches-bin/data_batch_1..5.bin, test_batch.bin,
 * batches.meta.txt). Each class has its own shape and colour, drawn at a
 * random place and size over a noisy random background, so the classes are
 * learnable but not trivially identical. The same seed gives the same bytes.
 */
import * as fs from "node:fs";
import * as path from "node:path";
import { CIFAR_CLASS_NAMES, CIFAR_RECORD_BYTES, CIFAR_SIZE, CIFAR_TEST_FILE, CIFAR_TRAIN_FILES } from "./cifar10";
import { Random, mixSeed, randomInt, randomNormal, randomUniform, seededRandom } from "./random";

export interface SynthCifarOptions {
  seed?: number;
  /** Records in each of the five training batch files (default 400 → 2,000 train). */
  recordsPerTrainBatch?: number;
  /** Records in test_batch.bin (default 500). */
  testRecords?: number;
}

/** Is (dx, dy), relative to the shape centre and scaled by its radius, inside class `label`'s shape? */
function insideShape(label: number, dx: number, dy: number): boolean {
  const r = Math.hypot(dx, dy);
  switch (label) {
    case 0: return r < 1; // disc
    case 1: return Math.abs(dx) < 1 && Math.abs(dy) < 1; // square
    case 2: return r < 1 && r > 0.55; // ring
    case 3: return Math.abs(dx) < 0.3 || Math.abs(dy) < 0.3 ? Math.abs(dx) < 1 && Math.abs(dy) < 1 : false; // plus
    case 4: return dy > -1 && dy < 1 && Math.abs(dx) < (dy + 1) / 2; // triangle
    case 5: return Math.abs(dx) < 1 && Math.abs(dy) < 1 && Math.floor((dy + 1) * 2.5) % 2 === 0; // horizontal stripes
    case 6: return Math.abs(dx) < 1 && Math.abs(dy) < 1 && Math.floor((dx + 1) * 2.5) % 2 === 0; // vertical stripes
    case 7: return Math.abs(dx) + Math.abs(dy) < 1; // diamond
    case 8: return Math.abs(dx) < 1 && Math.abs(dy) < 1 && (Math.floor((dx + 1) * 2) + Math.floor((dy + 1) * 2)) % 2 === 0; // checker
    default: return Math.abs(dx - dy) < 0.35 && Math.abs(dx) < 1; // diagonal bar
  }
}

/** A class colour: hue by class, jittered per image. */
function classColour(label: number, random: Random): [number, number, number] {
  const hue = (((label * 36 + randomUniform(random, -10, 10)) % 360) + 360) % 360 / 60;
  const c = 200;
  const x = c * (1 - Math.abs((hue % 2) - 1));
  const rgb: [number, number, number][] = [[c, x, 0], [x, c, 0], [0, c, x], [0, x, c], [x, 0, c], [c, 0, x]];
  const [r, g, b] = rgb[Math.floor(hue) % 6];
  return [r + 40, g + 40, b + 40];
}

/** One record: label byte then channel-planar R, G, B planes. */
export function renderCifarRecord(label: number, random: Random): Uint8Array {
  const record = new Uint8Array(CIFAR_RECORD_BYTES);
  record[0] = label;
  const plane = CIFAR_SIZE * CIFAR_SIZE;
  const background = [randomInt(random, 0, 120), randomInt(random, 0, 120), randomInt(random, 0, 120)];
  const colour = classColour(label, random);
  const radius = randomUniform(random, 7, 12);
  const cx = randomUniform(random, 11, 21);
  const cy = randomUniform(random, 11, 21);
  for (let y = 0; y < CIFAR_SIZE; y++) {
    for (let x = 0; x < CIFAR_SIZE; x++) {
      const inside = insideShape(label, (x - cx) / radius, (y - cy) / radius);
      for (let c = 0; c < 3; c++) {
        const base = inside ? colour[c] : background[c];
        record[1 + c * plane + y * CIFAR_SIZE + x] = Math.min(255, Math.max(0, Math.round(base + 18 * randomNormal(random))));
      }
    }
  }
  return record;
}

function writeBatch(file: string, records: number, seed: number, fileIndex: number): void {
  const out = new Uint8Array(records * CIFAR_RECORD_BYTES);
  const random = seededRandom(mixSeed(seed, fileIndex));
  for (let i = 0; i < records; i++) out.set(renderCifarRecord(i % 10, random), i * CIFAR_RECORD_BYTES);
  fs.writeFileSync(file, out);
}

/** Writes `<dir>/cifar-10-batches-bin/…`; returns that folder. */
export function synthCifar10(dir: string, options: SynthCifarOptions = {}): string {
  const seed = options.seed ?? 0;
  const batchDir = path.join(dir, "cifar-10-batches-bin");
  fs.mkdirSync(batchDir, { recursive: true });
  CIFAR_TRAIN_FILES.forEach((name, i) => writeBatch(path.join(batchDir, name), options.recordsPerTrainBatch ?? 400, seed, i + 1));
  writeBatch(path.join(batchDir, CIFAR_TEST_FILE), options.testRecords ?? 500, seed, 0);
  fs.writeFileSync(path.join(batchDir, "batches.meta.txt"), `${CIFAR_CLASS_NAMES.join("\n")}\n\n`);
  return batchDir;
}
