/**
 * Pipeline benchmark (not part of the test run): generates a 5,216-image
 * synthetic chest X-ray training set (1,341 NORMAL + 3,875 PNEUMONIA, the
 * published sizes) under /tmp, then streams it at 224×224 with JPEG
 * decode + resize + augmentation and the prefetch queue, and reports
 * images/s and peak RSS.
 *
 * Each configuration runs in its own process, so each peak RSS is its own.
 *
 *   node --import tsx test/data/bench-pipeline.ts [--source-size 512] [--batch 32] [--prefetch 4] [--dir /tmp/kdlab-bench-chest]
 */
import { execFileSync } from "node:child_process";
import * as fs from "node:fs";
import * as os from "node:os";
import * as path from "node:path";
import * as tf from "@tensorflow/tfjs";
import { initBackend } from "../../lib/runtime/backend";
import { listChestXray } from "../../lib/data/chest-xray";
import { ImagePipeline, PipelineOptions } from "../../lib/data/pipeline";
import { terminalProgress } from "../../lib/data/progress";
import { Sample } from "../../lib/data/sample";
import { synthChestXray } from "../../lib/data/synth-chest-xray";

function arg(name: string, fallback: string): string {
  const i = process.argv.indexOf(`--${name}`);
  return i >= 0 ? process.argv[i + 1] : fallback;
}

/** Peak resident set size of this process so far (Linux VmHWM), MiB. */
function peakRssMiB(): number {
  const status = fs.readFileSync("/proc/self/status", "utf8");
  const kb = Number(/VmHWM:\s+(\d+)/.exec(status)?.[1] ?? 0);
  return kb / 1024;
}

type Mode = "augment" | "decode" | "cache";

async function run(mode: Mode, samples: Sample[], base: PipelineOptions): Promise<void> {
  const cacheDir = path.join(os.tmpdir(), `kdlab-bench-cache-${process.pid}`);
  const options: PipelineOptions = mode === "decode" ? base : { ...base, augment: {}, ...(mode === "cache" ? { cacheDir } : {}) };
  const pipeline = new ImagePipeline(samples, options);
  const epochs = mode === "cache" ? 2 : 1;
  for (let epoch = 0; epoch < epochs; epoch++) {
    let images = 0;
    const start = process.hrtime.bigint();
    for await (const batch of pipeline.epoch(epoch)) {
      // Stand-in consumer: read one number so the batch is really computed.
      tf.tidy(() => batch.xs.mean().dataSync());
      images += batch.labels.length;
      batch.dispose();
    }
    const seconds = Number(process.hrtime.bigint() - start) / 1e9;
    const label = { augment: "decode+resize+augment (3 ch)", decode: "decode+resize, no augmentation", cache: epoch === 0 ? "cache, epoch 1: decode+write+augment" : "cache, epoch 2: read+augment" }[mode];
    console.log(`${label.padEnd(38)} ${images} images in ${seconds.toFixed(1)} s = ${(images / seconds).toFixed(1)} images/s; RSS now ${(process.memoryUsage().rss / 2 ** 20).toFixed(0)} MiB, peak ${peakRssMiB().toFixed(0)} MiB; tensors ${tf.memory().numTensors}, skipped ${pipeline.skipped.length}`);
  }
  fs.rmSync(cacheDir, { recursive: true, force: true });
}

async function main(): Promise<void> {
  const info = await initBackend();
  const dir = arg("dir", path.join(os.tmpdir(), "kdlab-bench-chest"));
  const sourceSize = Number(arg("source-size", "512"));
  const batchSize = Number(arg("batch", "32"));
  const prefetch = Number(arg("prefetch", "4"));
  const stamp = path.join(dir, `.generated-${sourceSize}`);
  if (!fs.existsSync(stamp)) {
    fs.rmSync(dir, { recursive: true, force: true });
    const bar = terminalProgress(`generating 5,216 images at ${sourceSize} px`);
    const start = Date.now();
    await synthChestXray(dir, { seed: 1, size: sourceSize, counts: { train: [1341, 3875] }, onProgress: bar });
    fs.writeFileSync(stamp, "");
    console.log(`generated in ${((Date.now() - start) / 1000).toFixed(0)} s`);
  }
  const samples = listChestXray(dir).splits.train;
  const avgKb = samples.slice(0, 200).reduce((n, s) => n + fs.statSync(s.file).size, 0) / 200 / 1024;
  console.log(`${info.line}\n${os.cpus().length} CPUs (${os.cpus()[0]?.model}), ${samples.length} JPEGs of ${sourceSize}×${sourceSize} (avg ${avgKb.toFixed(0)} KiB), batch ${batchSize}, prefetch ${prefetch}, UV_THREADPOOL_SIZE ${process.env.UV_THREADPOOL_SIZE ?? "4 (default)"}`);
  const base: PipelineOptions = { batchSize, numClasses: 2, size: 224, channels: 3, seed: 1, prefetch };
  const mode = arg("mode", "all");
  if (mode !== "all") return run(mode as Mode, samples, base);
  console.log(`RSS after loading TensorFlow and listing: ${(process.memoryUsage().rss / 2 ** 20).toFixed(0)} MiB`);
  for (const m of ["augment", "decode", "cache"]) {
    const out = execFileSync(process.execPath, [...process.execArgv, __filename, ...process.argv.slice(2), "--mode", m], { encoding: "utf8" });
    process.stdout.write(out.split("\n").filter((l) => !l.startsWith("kdlab backend") && !/^\d+ CPUs/.test(l)).join("\n"));
  }
}

main().catch((error) => {
  console.error(error);
  process.exit(1);
});
