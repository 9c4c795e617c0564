/**
 * Test-only: KDLAB_ROUTE_FAULT plants one known mistake in the routed
 * MatMul (eager kernels and compiled graph alike), so the routing test can
 * show that its comparison with an unrouted run catches each kind of wrong
 * route, not only that a right one passes:
 * - `transpose`: the kernel read as [C_out, C_in] and transposed (shapes fit, values do not);
 * - `reshape`: the input flattened in H/W-swapped order (a spatially transposed output);
 * - `bias`: the layer's bias left out (compiled graph only: in the eager
 *   kernels tfjs-node adds the bias outside the convolution op routing sees);
 * - `gradient-scale`: both gradients of the routed product scaled by 1.05, the forward pass exact.
 * Unset (always, outside that test) routes correctly. Read once per process
 * (the test sets it per child process): the eager check sits on every routed
 * convolution call.
 */
export const ROUTE_FAULT_VARIABLE = "KDLAB_ROUTE_FAULT";
export const ROUTE_FAULTS = ["transpose", "reshape", "bias", "gradient-scale"] as const;
export type RouteFault = (typeof ROUTE_FAULTS)[number];

let planted: { fault: RouteFault | undefined } | undefined;

/** The planted fault, or undefined; an unknown value is an error naming the accepted ones. */
export function plantedRouteFault(): RouteFault | undefined {
  if (planted) return planted.fault;
  const value = process.env[ROUTE_FAULT_VARIABLE];
  if (value === undefined || value === "") return (planted = { fault: undefined }).fault;
  if (!(ROUTE_FAULTS as readonly string[]).includes(value)) throw new Error(`${ROUTE_FAULT_VARIABLE}=${value}: use one of ${ROUTE_FAULTS.join(", ")} (a test-only fault), or leave it unset`);
  return (planted = { fault: value as RouteFault }).fault;
}

/** The factor the planted gradient-scale fault multiplies gradients by. */
export const FAULT_GRADIENT_SCALE = 1.05;
