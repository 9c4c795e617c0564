/**
 * kdlab's side of the bench in its own process, as each peer runs in its
 * own: a fresh TensorFlow with the bench's thread counts, and memory that
 * goes back to the system when it exits (eager training at 224 leaves the
 * allocator holding gigabytes). Prints one JSON line (schema.ts KdlabSideResult), which
 * run.ts checks against its schema.
 *
 *   node --import tsx bench/speed/kdlab-worker.ts '<KdlabWorkerRequest JSON>'
 */
import { initBackend } from "../../lib/runtime/backend";
import { serveJsonRequest } from "../common/worker";
import { measureKdlab } from "./kdlab-side";
import { BenchPart, KdlabSideResult } from "./schema";
import { BenchSettings } from "./settings";
import { KDLAB_VARIANTS } from "../common/variants";

export interface KdlabWorkerRequest {
  settings: BenchSettings;
  parts: BenchPart[];
  /** Frameworks of KDLAB_VARIANTS to time. */
  variants: string[];
}

async function main(request: KdlabWorkerRequest): Promise<KdlabSideResult> {
  const backend = await initBackend();
  if (backend.kind === "js") throw new Error("kdlab worker: native TensorFlow is not available (pure-JS fallback); run `npm run setup`");
  if (backend.threads !== request.settings.threads) throw new Error(`kdlab worker: TensorFlow runs ${backend.threads} intra-op threads, the bench wants ${request.settings.threads}`);
  const variants = request.variants.map((name) => {
    const variant = KDLAB_VARIANTS.find((v) => v.framework === name);
    if (!variant) throw new Error(`kdlab worker: unknown kdlab variant ${name}; known: ${KDLAB_VARIANTS.map((v) => v.framework).join(", ")}`);
    return variant;
  });
  return measureKdlab(request.settings, request.parts, variants, (line) => console.error(`kdlab: ${line}`));
}

if (require.main === module) serveJsonRequest("kdlab worker", main);
