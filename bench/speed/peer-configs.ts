/**
 * The configurations each Python peer runs in: first at its own defaults,
 * then at kdlab's oneDNN setting when that setting changes anything for it.
 *
 * kdlab picks its oneDNN environment for its own TensorFlow (lib/runtime/onednn.ts);
 * on some VMs that is a cap at AVX, which makes Keras about 3× slower than at
 * its own defaults. Giving a peer only kdlab's choice would report kdlab's
 * constraint as the peer's speed, so each peer first runs with the oneDNN
 * variables it reads removed (keras: TensorFlow's; torch: its bundled
 * oneDNN's ISA cap), and again as "<peer> (kdlab's oneDNN)" with the
 * environment unchanged only when that environment sets one of them. Where
 * kdlab routes the crashing convolutions as MatMul (KDLAB_ONEDNN_ROUTE=1, on
 * the VMs that crash at the full ISA) a peer cannot do the same, so its safe
 * setting is the AVX cap instead: "<peer> (oneDNN capped at AVX)". The other
 * KDLAB_ONEDNN* variables are kdlab's own labels: no peer reads them.
 * Where the bench times kdlab in bf16 too (common/variants.ts), each peer runs a
 * third time in its own bf16 mixed precision, "<peer> (bf16)": Keras with
 * TensorFlow's oneDNN bf16 rewrite (the one KDLAB_BF16 turns on, oneDNN on),
 * PyTorch under torch.autocast. Pure functions of an environment object.
 */
import { BF16_SUFFIX, Framework } from "../common/framework";
import { PEER_FRAMEWORKS, PeerFramework } from "./schema";

/** The oneDNN variables each peer's framework reads. */
export const PEER_ONEDNN_VARIABLES: Readonly<Record<PeerFramework, readonly string[]>> = {
  keras: ["TF_ENABLE_ONEDNN_OPTS", "ONEDNN_MAX_CPU_ISA", "DNNL_MAX_CPU_ISA"],
  torch: ["ONEDNN_MAX_CPU_ISA", "DNNL_MAX_CPU_ISA"],
};

/** kdlab's own variables (lib/runtime/onednn.ts: the setting's label, the machine, routing); meaningless to a peer. */
const KDLAB_ONEDNN_PREFIX = "KDLAB_ONEDNN";

const KDLAB_SETTING_SUFFIX = " (kdlab's oneDNN)";
const CAPPED_SUFFIX = " (oneDNN capped at AVX)";

/** The cap a peer gets where kdlab routes instead (lib/runtime/onednn.ts, the third setting). */
const PEER_CAP: Readonly<Record<PeerFramework, Record<string, string>>> = {
  keras: { TF_ENABLE_ONEDNN_OPTS: "1", ONEDNN_MAX_CPU_ISA: "AVX" },
  torch: { ONEDNN_MAX_CPU_ISA: "AVX" },
};

export interface PeerConfig {
  peer: PeerFramework;
  /** The name in result rows: "keras", "keras (kdlab's oneDNN)" or "keras (oneDNN capped at AVX)". */
  framework: Framework;
  /** The peer's whole environment. */
  env: NodeJS.ProcessEnv;
  /** Each of the peer's oneDNN variables as this configuration sets it (undefined: removed, the framework decides). */
  oneDnn: Record<string, string | undefined>;
  /** What the peer computes in (peer-protocol.ts's request field). */
  precision: "float32" | "bf16";
}

/** What a bf16 configuration needs on top of the peer's own defaults: TensorFlow's rewrite is oneDNN's. */
const PEER_BF16_ENV: Readonly<Record<PeerFramework, Record<string, string>>> = {
  keras: { TF_ENABLE_ONEDNN_OPTS: "1" },
  torch: {},
};

/** kdlab's setting for `peer`: the peer's oneDNN variables that `env` sets. */
function kdlabSetting(peer: PeerFramework, env: NodeJS.ProcessEnv): Record<string, string> {
  const set: Record<string, string> = {};
  for (const name of PEER_ONEDNN_VARIABLES[peer]) {
    const value = env[name];
    if (value !== undefined) set[name] = value;
  }
  return set;
}

/** Whether kdlab routes the convolutions that crash here (lib/runtime/onednn.ts), which no peer can do. */
export function kdlabRoutes(env: NodeJS.ProcessEnv): boolean {
  return env.KDLAB_ONEDNN_ROUTE === "1";
}

export interface PeerConfigOptions {
  /** Add the peer's bf16 configuration (the bench times kdlab in bf16 too). */
  bf16?: boolean;
}

/** Own defaults first; second, the AVX cap where kdlab routes, else kdlab's setting where it sets one of the peer's variables; last, bf16 where asked. */
export function peerConfigs(peer: PeerFramework, env: NodeJS.ProcessEnv, options: PeerConfigOptions = {}): PeerConfig[] {
  const variables = PEER_ONEDNN_VARIABLES[peer];
  const ownEnv = Object.fromEntries(Object.entries(env).filter(([name]) => !variables.includes(name) && !name.startsWith(KDLAB_ONEDNN_PREFIX)));
  const oneDnn = (set: Record<string, string>): Record<string, string | undefined> => Object.fromEntries(variables.map((name) => [name, set[name]]));
  const configs: PeerConfig[] = [{ peer, framework: peer, env: ownEnv, oneDnn: oneDnn({}), precision: "float32" }];
  const kdlab = kdlabSetting(peer, env);
  if (kdlabRoutes(env)) {
    const cap = PEER_CAP[peer];
    configs.push({ peer, framework: `${peer}${CAPPED_SUFFIX}`, env: { ...ownEnv, ...cap }, oneDnn: oneDnn(cap), precision: "float32" });
  } else if (Object.keys(kdlab).length > 0) {
    configs.push({ peer, framework: `${peer}${KDLAB_SETTING_SUFFIX}`, env: { ...env }, oneDnn: oneDnn(kdlab), precision: "float32" });
  }
  if (options.bf16) {
    const bf16 = PEER_BF16_ENV[peer];
    configs.push({ peer, framework: `${peer}${BF16_SUFFIX}`, env: { ...ownEnv, ...bf16 }, oneDnn: oneDnn(bf16), precision: "bf16" });
  }
  return configs;
}

/** The peer a result row's framework belongs to ("keras (kdlab's oneDNN)", "keras (bf16)" → keras); undefined for kdlab's variants and others. */
export function peerOf(framework: Framework): PeerFramework | undefined {
  return PEER_FRAMEWORKS.find((peer) => [peer, `${peer}${KDLAB_SETTING_SUFFIX}`, `${peer}${CAPPED_SUFFIX}`, `${peer}${BF16_SUFFIX}`].includes(framework));
}
