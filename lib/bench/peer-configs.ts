/**
 * The configurations each Python peer runs in: first at its own defaults,
 * then at kdlab's oneDNN setting when that setting changes anything for it.
 *
 * kdlab picks its oneDNN environment for its own TensorFlow (lib/onednn.ts);
 * on some VMs that is a cap at AVX, which makes Keras about 3× slower than at
 * its own defaults. Giving a peer only kdlab's choice would report kdlab's
 * constraint as the peer's speed, so each peer first runs with the oneDNN
 * variables it reads removed (keras: TensorFlow's; torch: its bundled
 * oneDNN's ISA cap), and again as "<peer> (kdlab's oneDNN)" with the
 * environment unchanged only when that environment sets one of them. Where
 * kdlab routes the crashing convolutions as MatMul (KDLAB_ONEDNN_ROUTE=1, on
 * the VMs that crash at the full ISA) a peer cannot do the same, so its safe
 * setting is the AVX cap instead: "<peer> (oneDNN capped at AVX)". The other
 * KDLAB_ONEDNN* variables are kdlab's own labels: no peer reads them. Pure
 * functions of an environment object.
 */
import { Framework, PEER_FRAMEWORKS, PeerFramework } from "./schema";

/** The oneDNN variables each peer's framework reads. */
export const PEER_ONEDNN_VARIABLES: Readonly<Record<PeerFramework, readonly string[]>> = {
  keras: ["TF_ENABLE_ONEDNN_OPTS", "ONEDNN_MAX_CPU_ISA", "DNNL_MAX_CPU_ISA"],
  torch: ["ONEDNN_MAX_CPU_ISA", "DNNL_MAX_CPU_ISA"],
};

/** kdlab's own variables (lib/onednn.ts: the setting's label, the machine, routing); meaningless to a peer. */
const KDLAB_ONEDNN_PREFIX = "KDLAB_ONEDNN";

const KDLAB_SETTING_SUFFIX = " (kdlab's oneDNN)";
const CAPPED_SUFFIX = " (oneDNN capped at AVX)";

/** The cap a peer gets where kdlab routes instead (lib/onednn.ts, the third setting). */
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
}

/** kdlab's setting for `peer`: the peer's oneDNN variables that `env` sets. */
function kdlabSetting(peer: PeerFramework, env: NodeJS.ProcessEnv): Record<string, string> {
  const set: Record<string, string> = {};
  for (const name of PEER_ONEDNN_VARIABLES[peer]) {
    const value = env[name];
    if (value !== undefined) set[name] = value;
  }
  return set;
}

/** Whether kdlab routes the convolutions that crash here (lib/onednn.ts), which no peer can do. */
export function kdlabRoutes(env: NodeJS.ProcessEnv): boolean {
  return env.KDLAB_ONEDNN_ROUTE === "1";
}

/** Own defaults first; second, the AVX cap where kdlab routes, else kdlab's setting where it sets one of the peer's variables. */
export function peerConfigs(peer: PeerFramework, env: NodeJS.ProcessEnv): PeerConfig[] {
  const variables = PEER_ONEDNN_VARIABLES[peer];
  const ownEnv = Object.fromEntries(Object.entries(env).filter(([name]) => !variables.includes(name) && !name.startsWith(KDLAB_ONEDNN_PREFIX)));
  const own: PeerConfig = { peer, framework: peer, env: ownEnv, oneDnn: Object.fromEntries(variables.map((name) => [name, undefined])) };
  if (kdlabRoutes(env)) {
    const cap = PEER_CAP[peer];
    return [own, { peer, framework: `${peer}${CAPPED_SUFFIX}`, env: { ...ownEnv, ...cap }, oneDnn: Object.fromEntries(variables.map((name) => [name, cap[name]])) }];
  }
  const kdlab = kdlabSetting(peer, env);
  if (Object.keys(kdlab).length === 0) return [own];
  return [own, { peer, framework: `${peer}${KDLAB_SETTING_SUFFIX}`, env: { ...env }, oneDnn: Object.fromEntries(variables.map((name) => [name, kdlab[name]])) }];
}

/** The peer a result row's framework belongs to ("keras (kdlab's oneDNN)" → keras); undefined for kdlab's variants and others. */
export function peerOf(framework: Framework): PeerFramework | undefined {
  return PEER_FRAMEWORKS.find((peer) => framework === peer || framework === `${peer}${KDLAB_SETTING_SUFFIX}` || framework === `${peer}${CAPPED_SUFFIX}`);
}
