/// <reference lib="dom" />
/**
 * The page's tfjs backend: WebGL where the browser gives a working,
 * GPU-backed WebGL context, else WASM (its .wasm files sit beside the page),
 * else plain JS (cpu). A software-rendered WebGL (SwiftShader, llvmpipe: a
 * machine without a usable GPU) is passed over, being slower than WASM —
 * measured in headless Chromium, 76 ms a prediction against 10 ms, and 8 s
 * to start against 2 s. `?backend=webgl|wasm|cpu` in the address forces one.
 */
import * as tf from "@tensorflow/tfjs";
import "@tensorflow/tfjs-backend-wasm";
import { setWasmPaths } from "@tensorflow/tfjs-backend-wasm";

export const BACKENDS = ["webgl", "wasm", "cpu"] as const;
export type BackendName = (typeof BACKENDS)[number];

export interface BackendChoice {
  name: BackendName;
  /** Backends tried before it and why they were passed over. */
  skipped: string[];
}

/** Checks the backend really computes (a WebGL context can exist and still fail on first use). */
async function works(): Promise<boolean> {
  const probe = tf.tidy(() => tf.add(tf.tensor1d([1, 2]), 1));
  const values = await probe.data();
  probe.dispose();
  return values[0] === 2 && values[1] === 3;
}

/** The WebGL renderer's name when it is a software one, else undefined. */
function softwareWebgl(): string | undefined {
  const gl = document.createElement("canvas").getContext("webgl2") ?? document.createElement("canvas").getContext("webgl");
  if (!gl) return undefined;
  const info = gl.getExtension("WEBGL_debug_renderer_info");
  const renderer = String(info ? gl.getParameter(info.UNMASKED_RENDERER_WEBGL) : gl.getParameter(gl.RENDERER));
  gl.getExtension("WEBGL_lose_context")?.loseContext();
  return /swiftshader|llvmpipe|softpipe|software/i.test(renderer) ? renderer : undefined;
}

export async function chooseBackend(forced: string | null): Promise<BackendChoice> {
  if (forced !== null && !(BACKENDS as readonly string[]).includes(forced)) throw new Error(`?backend=${forced}: not one of ${BACKENDS.join(", ")}`);
  // The folder the page was served from; the .wasm files are there.
  setWasmPaths(new URL("./", document.baseURI).href);
  const order = forced ? [forced as BackendName] : [...BACKENDS];
  const skipped: string[] = [];
  for (const name of order) {
    const software = name === "webgl" && !forced ? softwareWebgl() : undefined;
    if (software) {
      skipped.push(`webgl: software-rendered (${software}), slower than wasm`);
      continue;
    }
    try {
      if ((await tf.setBackend(name)) && (await works())) return { name, skipped };
      skipped.push(`${name}: did not initialise`);
    } catch (error) {
      skipped.push(`${name}: ${(error as Error).message}`);
    }
  }
  throw new Error(`no tfjs backend works in this browser (${skipped.join("; ")})`);
}
