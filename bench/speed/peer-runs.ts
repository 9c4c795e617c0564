/**
 * The peers' part of a bench run: each peer in each of its configurations
 * (peer-configs.ts: own defaults, then kdlab's oneDNN setting where it
 * differs, or the AVX cap where kdlab routes; then bf16 where the bench
 * times kdlab in bf16), each in its own child process, with kdlab's models, batch sizes,
 * input sizes, thread counts and parameter counts. Their answers become the
 * result's rows under the configuration's name, their crashes the result's
 * `crashes`, and what they ran with the notes.
 */
import { checkSameNetworks } from "./param-check";
import { kdlabRoutes, PeerConfig, peerConfigs } from "./peer-configs";
import { PeerModelRequest, PeerRequest, PeerResult } from "./peer-protocol";
import { PeerCommand, runPeerConfig } from "./peers";
import { inferenceRow, matmulRow, throughputRow } from "./rows";
import { Framework } from "../common/framework";
import { ParamCount } from "../common/network";
import { BenchPart, BenchResult, PeerFramework } from "./schema";
import { BenchSettings } from "./settings";

export interface PeerBenchOptions {
  settings: BenchSettings;
  parts: readonly BenchPart[];
  /** kdlab's parameter counts per model: each peer must build the same networks. */
  counts: ReadonlyMap<string, ParamCount>;
  peers: readonly PeerFramework[];
  /** The environment kdlab's TensorFlow runs in (its oneDNN setting). */
  env: NodeJS.ProcessEnv;
  /** kdlab's oneDNN setting in words (lib/runtime/onednn.ts's label). */
  kdlabOneDnn: string;
  /** The model whose peak RSS each configuration reports for the memory part. */
  peakModel: string;
  /** Run each peer in bf16 too (kdlab's bf16 variant runs). */
  bf16?: boolean;
  log: (line: string) => void;
  /** Another peer program (tests); default each peer's Python script. */
  command?: (peer: PeerFramework) => PeerCommand;
}

export interface PeerPeak {
  framework: Framework;
  peakRssMiB: number;
}

export function peerRequest(settings: BenchSettings, parts: readonly BenchPart[], counts: ReadonlyMap<string, ParamCount>): PeerRequest {
  const models: PeerModelRequest[] = settings.models.map((spec) => ({
    model: spec.model,
    inputSize: spec.inputSize,
    batch: spec.batch,
    classes: spec.classes,
    seed: settings.seed,
    expectParams: counts.get(spec.model),
    train: parts.includes("train") ? { ...spec.train, ...settings.optimizer } : undefined,
    inference: parts.includes("inference") && settings.inference.peers ? { ...spec.inference, latencyBatch: settings.inference.latencyBatch, throughputBatch: settings.inference.throughputBatch } : undefined,
  }));
  return { threads: settings.threads, models, matmul: parts.includes("matmul") ? settings.matmul : undefined };
}

/** One configuration's answer as the result's rows; returns its peak RSS after `peakModel`, if it trained it. */
function addAnswer(result: BenchResult, settings: BenchSettings, config: PeerConfig, answer: PeerResult, peakModel: string): PeerPeak | undefined {
  const framework = config.framework;
  for (const [key, value] of Object.entries(answer.versions)) result.versions[key === "tensorflow" ? "tensorflow (python)" : key] = value;
  result.threads[framework] = answer.threads;
  let peak: PeerPeak | undefined;
  for (const m of answer.models) {
    const spec = settings.models.find((s) => s.model === m.model);
    if (!spec) throw new Error(`${framework} peer answered for ${m.model}, which was not asked`);
    result.params.push({ model: m.model, framework, ...m.params });
    if (m.train) result.throughput.push(throughputRow(spec, framework, m.train));
    if (m.inference) result.inference.push(inferenceRow(spec, framework, m.inference.latency, m.inference.throughput));
    if (m.model === peakModel && m.train && m.peakRssMiB !== undefined) peak = { framework, peakRssMiB: m.peakRssMiB };
  }
  if (answer.matmul) result.matmul.push(matmulRow(framework, answer.matmul.n, answer.matmul.seconds));
  return peak;
}

/** What each configuration's oneDNN variables were: as the peer reported them (settings), else as they were passed; unset = the framework decides. */
function oneDnnValues(config: PeerConfig, answer: PeerResult | undefined): string {
  return Object.entries(config.oneDnn)
    .map(([name, passed]) => `${name}=${String(answer?.settings[name] ?? passed ?? "unset")}`)
    .join(", ");
}

function settingsNote(runs: readonly { config: PeerConfig; answer?: PeerResult }[], kdlabOneDnn: string, routes: boolean): string {
  const own = runs.filter((r) => r.config.framework === r.config.peer);
  const second = runs.filter((r) => r.config.framework !== r.config.peer && r.config.precision === "float32");
  const ownText = own.map((r) => `${r.config.framework} ${oneDnnValues(r.config, r.answer)}`).join("; ");
  const secondText = second.length > 0 ? second.map((r) => `${r.config.framework}: ${oneDnnValues(r.config, r.answer)}`).join("; ") : "it sets none of the peers' variables, so they ran once";
  const then = routes
    ? `then again at the AVX cap, because kdlab's setting (${kdlabOneDnn}) routes the convolutions that crash here, which a peer cannot`
    : `then again where kdlab's oneDNN setting (${kdlabOneDnn}) sets one of its variables`;
  return `Each peer ran first at its own defaults (${ownText}; unset: the framework decides for this CPU), ${then} (${secondText}).`;
}

/** Runs every configuration of every peer into `result`; returns each configuration's peak RSS after `peakModel`. */
export async function benchPeers(result: BenchResult, options: PeerBenchOptions): Promise<PeerPeak[]> {
  const request = peerRequest(options.settings, options.parts, options.counts);
  const runs: { config: PeerConfig; answer?: PeerResult }[] = [];
  const peaks: PeerPeak[] = [];
  for (const peer of options.peers) {
    for (const config of peerConfigs(peer, options.env, { bf16: options.bf16 })) {
      options.log(`${config.framework}: starting the peer (bench/peers/${peer}_peer.py)`);
      const configRequest: PeerRequest = config.precision === "bf16" ? { ...request, precision: "bf16" } : request;
      const { answer, crashes } = await runPeerConfig(config, configRequest, options.log, options.command?.(peer));
      if (crashes.length > 0) (result.crashes ??= []).push(...crashes);
      runs.push({ config, answer });
      if (!answer) continue;
      // A bf16 row must be bf16: the peer says what it computed in.
      if (config.precision === "bf16" && !String(answer.settings.precision ?? "").startsWith("bf16")) throw new Error(`${config.framework}: asked for bf16, the peer reports precision ${String(answer.settings.precision ?? "unset")}`);
      checkSameNetworks(options.counts, answer.models.map((m) => ({ model: m.model, framework: config.framework, params: m.params })));
      const peak = addAnswer(result, options.settings, config, answer, options.peakModel);
      if (peak) peaks.push(peak);
    }
  }
  const answers = runs.flatMap((r) => (r.answer ? [r.answer] : []));
  const jit = answers.filter((a) => a.framework === "keras").flatMap((a) => a.models.map((m) => m.jitCompile).filter((j) => j !== undefined));
  if (jit.length > 0) result.notes.push(`Keras trains with compile()'s default jit_compile="auto", which resolved to ${[...new Set(jit)].join("/")} here (XLA ${jit.every((j) => !j) ? "off" : "on"}).`);
  if (runs.length > 0) result.notes.push(settingsNote(runs, options.kdlabOneDnn, kdlabRoutes(options.env)));
  const bf16 = runs.filter((r) => r.config.precision === "bf16" && r.answer);
  if (bf16.length > 0) result.notes.push(`bf16 mixed precision, opt-in in kdlab (KDLAB_BF16=1): ${bf16.map((r) => `${r.config.framework} ${String(r.answer?.settings.precision ?? "bf16")}`).join("; ")}; kdlab-compiled (bf16) with the same rewrite. A bf16 variant's ratio is to the best bf16 peer, a float32 variant's to the best float32 peer; bf16 changes the numbers (README, bf16 mixed precision).`);
  const torch = answers.find((a) => a.framework === "torch");
  if (torch) result.notes.push(`PyTorch runs in its default NCHW layout with oneDNN (mkldnn ${torch.settings.mkldnn}); torchvision's model definitions are used without its compiled ops (DESIGN.md).`);
  return peaks;
}
