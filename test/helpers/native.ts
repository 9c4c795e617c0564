/** Test helper: every test that touches tensors runs on native TensorFlow (the test command sets KDLAB_REQUIRE_NATIVE=1). */
import { BackendInfo, initBackend } from "../../lib/runtime/backend";

export async function useNativeBackend(): Promise<BackendInfo> {
  const info = await initBackend();
  if (info.kind === "js") throw new Error(`tests need native TensorFlow, got ${info.line}`);
  return info;
}
