/**
 * The bench's timing protocol, the same on every side (bench/peers/common.py
 * mirrors it): untimed warm-up calls first (the first builds kernels, traces
 * graphs, allocates), then timed calls, each one waiting for its result.
 */

/** Untimed calls first (the first builds kernels, traces graphs), then timed ones. */
export interface StepPlan {
  warmup: number;
  timed: number;
}

export interface Timing {
  warmupSeconds: number[];
  seconds: number[];
}

export async function timeCalls(call: () => Promise<unknown>, plan: StepPlan): Promise<Timing> {
  if (!(plan.timed >= 1)) throw new Error(`timeCalls: at least one timed call is needed, got ${plan.timed}`);
  const once = async (): Promise<number> => {
    const started = performance.now();
    await call();
    return (performance.now() - started) / 1000;
  };
  const warmupSeconds: number[] = [];
  for (let i = 0; i < plan.warmup; i++) warmupSeconds.push(await once());
  const seconds: number[] = [];
  for (let i = 0; i < plan.timed; i++) seconds.push(await once());
  return { warmupSeconds, seconds };
}
