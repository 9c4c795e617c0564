/**
 * Cost of a distillation epoch relative to a student-alone epoch, with the
 * teacher run live and with its logits cached (bench/speed/distill-overhead.ts;
 * `kdlab bench` runs the same measurement as its "distill" part). Usage:
 *   node --import tsx bench/speed/distill-epoch-ratio.ts [images=1024] [batch=64] [rounds=3]
 */
import { initBackend } from "../../lib/runtime/backend";
import { measureDistillOverhead } from "./distill-overhead";

async function main(): Promise<void> {
  const [images = 1024, batch = 64, rounds = 3] = process.argv.slice(2).map(Number);
  console.log((await initBackend()).line);
  const d = await measureDistillOverhead({ images, batch, rounds, log: console.log });
  console.log(`one-time cache fill (teacher inference over ${images} images): ${d.cacheFillSeconds.toFixed(2)} s`);
  console.log(`student alone ${d.studentAloneSeconds.toFixed(2)} s/epoch, live teacher ${d.liveTeacherSeconds.toFixed(2)} s, cached logits ${d.cachedLogitsSeconds.toFixed(2)} s (min of ${rounds} rounds)`);
  console.log(`ratio live/alone ${d.liveRatio.toFixed(2)}, cached/alone ${d.cachedRatio.toFixed(2)}  (${images} images, batch ${batch})`);
}

main().catch((error: unknown) => {
  console.error(error);
  process.exit(1);
});
