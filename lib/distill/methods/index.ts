/**
 * The distillation methods, one file each (see method.ts for what a method
 * is). Adding one: write lib/distill/methods/<name>.ts exporting a
 * MethodDefinition and add it to METHODS below (or call registerMethod).
 * Names joined by "+" (kd+at) are the methods combined (combined.ts).
 */
import { at } from "./at";
import { dkd } from "./dkd";
import { fitnets } from "./fitnets";
import { kd } from "./kd";
import { rkd } from "./rkd";
import { COMBINE, combineMethods } from "./combined";
import { DistillationMethod, MethodContext, MethodDefinition, MethodParamError, resolveParams } from "./method";

const METHODS: readonly MethodDefinition[] = [kd, dkd, at, rkd, fitnets];

const registry = new Map<string, MethodDefinition>(METHODS.map((m) => [m.name, m]));

/** Registers a method at run time (tests, a notebook's own method); the name must be new. */
export function registerMethod(method: MethodDefinition): void {
  if (method.name.includes(COMBINE)) throw new Error(`distillation method "${method.name}": "${COMBINE}" joins methods, it cannot be part of a name`);
  if (registry.has(method.name)) throw new Error(`distillation method "${method.name}" is already registered`);
  registry.set(method.name, method);
}

export function methodNames(): string[] {
  return [...registry.keys()];
}

/** The registered method `name`, or the methods of "a+b" combined. */
export function getMethod(name: string): MethodDefinition {
  if (name.includes(COMBINE)) return combineMethods(name.split(COMBINE).map((part) => getMethod(part.trim())));
  const method = registry.get(name);
  if (!method) throw new MethodParamError(`unknown distillation method "${name}"; known: ${methodNames().join(", ")}`);
  return method;
}

/** The method `name` for a teacher/student pair, its parameters checked and completed with its defaults. */
export function createMethod(name: string, params: Readonly<Record<string, unknown>>, context: MethodContext): DistillationMethod {
  const definition = getMethod(name);
  return definition.create(resolveParams(definition, params), context);
}

export type { DistillationMethod, LossInput, LossTerms, MethodContext, MethodDefinition, MethodParams, MethodTaps, ParamSpec, ParamValue } from "./method";
export { checkParam, describeMethod, layerOf, MethodParamError, parseLayerPairs, resolveParams, tapShape } from "./method";
