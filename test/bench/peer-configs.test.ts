/** Which configurations each peer runs in, as a pure function of an environment (bench/speed/peer-configs.ts). */
import assert from "node:assert/strict";
import { describe, test } from "node:test";
import { peerConfigs, peerOf } from "../../bench/speed/peer-configs";
import { isKdlabFramework } from "../../bench/common/framework";

const BASE = { PATH: "/usr/bin", TF_NUM_INTRAOP_THREADS: "2" };
/** lib/runtime/onednn.ts's labels and routing flag: kdlab's own, never a reason for a second configuration. */
const KDLAB_ONLY = { KDLAB_ONEDNN: "oneDNN on", KDLAB_ONEDNN_MACHINE: "abc" };

describe("bench peer configurations", () => {
  test("own defaults: the peer's oneDNN variables and kdlab's own are removed, the rest kept", () => {
    const env = { ...BASE, ...KDLAB_ONLY, TF_ENABLE_ONEDNN_OPTS: "1", ONEDNN_MAX_CPU_ISA: "AVX", DNNL_MAX_CPU_ISA: "AVX" };
    const [keras] = peerConfigs("keras", env);
    assert.equal(keras.framework, "keras");
    assert.deepEqual(keras.env, BASE);
    assert.deepEqual(keras.oneDnn, { TF_ENABLE_ONEDNN_OPTS: undefined, ONEDNN_MAX_CPU_ISA: undefined, DNNL_MAX_CPU_ISA: undefined });
    const [torch] = peerConfigs("torch", env);
    assert.equal(torch.framework, "torch");
    // TensorFlow's switch means nothing to torch: left as it is.
    assert.deepEqual(torch.env, { ...BASE, TF_ENABLE_ONEDNN_OPTS: "1" });
  });

  test("kdlab's setting is a second configuration only where it sets one of the peer's variables", () => {
    const capped = { ...BASE, ...KDLAB_ONLY, TF_ENABLE_ONEDNN_OPTS: "1", ONEDNN_MAX_CPU_ISA: "AVX" };
    assert.deepEqual(
      peerConfigs("keras", capped).map((c) => [c.framework, c.oneDnn]),
      [
        ["keras", { TF_ENABLE_ONEDNN_OPTS: undefined, ONEDNN_MAX_CPU_ISA: undefined, DNNL_MAX_CPU_ISA: undefined }],
        ["keras (kdlab's oneDNN)", { TF_ENABLE_ONEDNN_OPTS: "1", ONEDNN_MAX_CPU_ISA: "AVX", DNNL_MAX_CPU_ISA: undefined }],
      ],
    );
    assert.deepEqual(peerConfigs("keras", capped)[1].env, capped, "kdlab's setting: the environment as it is");
    assert.deepEqual(peerConfigs("torch", capped).map((c) => [c.framework, c.oneDnn]), [
      ["torch", { ONEDNN_MAX_CPU_ISA: undefined, DNNL_MAX_CPU_ISA: undefined }],
      ["torch (kdlab's oneDNN)", { ONEDNN_MAX_CPU_ISA: "AVX", DNNL_MAX_CPU_ISA: undefined }],
    ]);
    // This machine's setting (oneDNN on, no cap): Keras twice, torch once.
    const onOnly = { ...BASE, ...KDLAB_ONLY, TF_ENABLE_ONEDNN_OPTS: "1" };
    assert.deepEqual(peerConfigs("keras", onOnly).map((c) => c.framework), ["keras", "keras (kdlab's oneDNN)"]);
    assert.deepEqual(peerConfigs("torch", onOnly).map((c) => c.framework), ["torch"]);
    assert.deepEqual(peerConfigs("torch", { ...BASE, DNNL_MAX_CPU_ISA: "AVX2" }).map((c) => c.framework), ["torch", "torch (kdlab's oneDNN)"]);
    // Only kdlab's own variables: nothing differs for either peer.
    for (const peer of ["keras", "torch"] as const) assert.deepEqual(peerConfigs(peer, { ...BASE, ...KDLAB_ONLY }).map((c) => c.framework), [peer]);
  });

  test("where kdlab routes the crashing convolutions (which a peer cannot), a peer's safe setting is the AVX cap", () => {
    const routed = { ...BASE, TF_ENABLE_ONEDNN_OPTS: "1", KDLAB_ONEDNN_ROUTE: "1", KDLAB_ONEDNN: "oneDNN on, 1×1 convolutions that crash here run as MatMul" };
    const [kerasOwn, kerasCapped] = peerConfigs("keras", routed);
    assert.equal(kerasOwn.env.TF_ENABLE_ONEDNN_OPTS, undefined);
    assert.equal(kerasCapped.framework, "keras (oneDNN capped at AVX)");
    assert.deepEqual(kerasCapped.oneDnn, { TF_ENABLE_ONEDNN_OPTS: "1", ONEDNN_MAX_CPU_ISA: "AVX", DNNL_MAX_CPU_ISA: undefined });
    assert.equal(kerasCapped.env.KDLAB_ONEDNN_ROUTE, undefined, "kdlab's variables are not passed on");
    assert.deepEqual(peerConfigs("torch", routed).map((c) => [c.framework, c.env.ONEDNN_MAX_CPU_ISA]), [["torch", undefined], ["torch (oneDNN capped at AVX)", "AVX"]]);
    assert.equal(peerOf("torch (oneDNN capped at AVX)"), "torch");
  });

  test("with bf16 asked, each peer runs a last time in its bf16 mixed precision from its own defaults (Keras with oneDNN on, which the rewrite needs)", () => {
    const onOnly = { ...BASE, ...KDLAB_ONLY, TF_ENABLE_ONEDNN_OPTS: "1" };
    const keras = peerConfigs("keras", onOnly, { bf16: true });
    assert.deepEqual(keras.map((c) => [c.framework, c.precision]), [["keras", "float32"], ["keras (kdlab's oneDNN)", "float32"], ["keras (bf16)", "bf16"]]);
    assert.deepEqual(keras[2].env, { ...BASE, TF_ENABLE_ONEDNN_OPTS: "1" }, "no kdlab variables, oneDNN on");
    const torch = peerConfigs("torch", onOnly, { bf16: true });
    assert.deepEqual(torch.map((c) => [c.framework, c.precision]), [["torch", "float32"], ["torch (bf16)", "bf16"]]);
    assert.deepEqual(torch[1].env, { ...BASE, TF_ENABLE_ONEDNN_OPTS: "1" }, "torch's own defaults");
    assert.deepEqual(peerConfigs("keras", onOnly).map((c) => c.framework), ["keras", "keras (kdlab's oneDNN)"], "no bf16 unless asked");
  });

  test("a configuration's name belongs to its peer, never to kdlab", () => {
    for (const name of ["keras", "keras (kdlab's oneDNN)", "torch", "torch (kdlab's oneDNN)", "keras (bf16)", "torch (bf16)"]) {
      assert.equal(peerOf(name), name.split(" ")[0]);
      assert.equal(isKdlabFramework(name), false, name);
    }
    for (const name of ["kdlab", "kdlab-compiled", "kdlab-compiled (bf16)", "jax", "jax (bf16)"]) assert.equal(peerOf(name), undefined, name);
  });
});
