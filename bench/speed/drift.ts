/** Whether the machine's speed moved during a speed run: the spread of the matmul timed before and after each framework's models. */
import type { MatmulRow } from "./schema";

/** How far apart the fastest and slowest matmul of one framework's window may be before the report says the machine's speed moved. */
export const SPEED_DRIFT_LIMIT = 1.25;

/**
 * The matmul runs before and after each framework's models time the same
 * work, so their spread shows the machine changing speed under that
 * framework (a noisy neighbour on a VM: the Zen 4 EPYC's rate went 194 → 106
 * GFLOP/s between two minutes); undefined when every window held steady.
 */
export function speedDriftNote(matmul: readonly MatmulRow[]): string | undefined {
  const moved = matmul.filter((m) => m.slowestGflops !== undefined && m.bestGflops / m.slowestGflops > SPEED_DRIFT_LIMIT);
  if (moved.length === 0) return undefined;
  const ranges = moved.map((m) => `${m.framework} ${(m.slowestGflops ?? 0).toFixed(0)}–${m.bestGflops.toFixed(0)}`).join(", ");
  return `The machine's speed moved during this run: the ${moved[0].n}² matmul, timed before and after each framework's models, ranged ${ranges} GFLOP/s (more than ${Math.round((SPEED_DRIFT_LIMIT - 1) * 100)} % apart); rows timed in those windows may be slow by as much, so read them beside a rerun.`;
}
