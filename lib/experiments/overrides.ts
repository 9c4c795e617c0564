/**
 * `key.path=value` overrides of an experiment config, type-checked against a
 * table of every settable key, then the whole config validated, so a typo or
 * a bad value fails before any training starts, with the valid keys listed.
 *
 * `distillation.params.<name>` keys belong to the distillation method and are
 * checked against its parameter table (lib/distill/methods). Setting
 * `distillation.method` replaces the params with the new method's defaults,
 * and is applied before every params override of the same call, whatever the
 * order they were given in. A method may be several joined by "+" (kd+at,
 * parameters `distillation.params.<method>.<name>`); the trainer's
 * `distillation.hardLabelWeight` (null: the method's own) survives a method change.
 *
 * `overridesOf` goes the other way: the overrides that turn a profile's
 * config into a given one, so a config can be handed to `kdlab train --set`
 * in a child process (lib/sweep/side-by-side.ts).
 */
import { isDeepStrictEqual } from "node:util";
import { createSchedule, getMethod, methodNames, resolveParams, checkParam, MethodParamError } from "../distill/index";
import { isModelName, modelEntry, modelNames } from "../models/index";
import { getExperiment } from "./catalog";
import { ExperimentConfig } from "./config";

/** A bad override or an inconsistent config. */
export class ConfigError extends Error {}

type FieldType =
  | { kind: "number"; min?: number; max?: number; integer?: boolean; nullable?: boolean; positive?: boolean }
  | { kind: "boolean" }
  | { kind: "string"; nullable?: boolean }
  | { kind: "enum"; values: readonly string[] };

const integer = (min: number, nullable = false): FieldType => ({ kind: "number", integer: true, min, nullable });
const number = (min?: number, max?: number, nullable = false): FieldType => ({ kind: "number", min, max, nullable });
/** Real and > 0 (learning rates, temperature, decay factors). */
const positive = (max?: number): FieldType => ({ kind: "number", min: 0, max, positive: true });
const modelFields = (role: string): [string, FieldType][] => [
  // Read when an override is parsed, so models registered at run time (registerModel) are valid too.
  [`${role}.model`, { kind: "enum", get values() { return modelNames(); } }],
  [`${role}.dropout`, number(0, 0.99, true)],
  [`${role}.backboneWeights`, { kind: "string", nullable: true }],
];

/** Every settable key path and its type. Schedule keys cover all schedule kinds. */
const FIELDS = new Map<string, FieldType>([
  ["seed", integer(0)],
  ["teacherSeed", integer(0, true)],
  ["epochs", integer(1)],
  ["batchSize", integer(1)],
  ["dataset.inputSize", integer(8)],
  ["dataset.trainLimit", integer(1, true)],
  ["dataset.validationLimit", integer(1, true)],
  ["dataset.testLimit", integer(1, true)],
  ["dataset.valFraction", number(0.001, 0.9)],
  ["dataset.classWeights", { kind: "enum", values: ["none", "balanced"] }],
  ...modelFields("teacher"),
  ...modelFields("student"),
  ["optimizer.kind", { kind: "enum", values: ["sgd", "adam"] }],
  ["optimizer.lr", positive()],
  ["optimizer.momentum", number(0, 0.999)],
  ["schedule.kind", { kind: "enum", values: ["constant", "step", "cosine", "plateau"] }],
  ["schedule.everyEpochs", integer(1)],
  ["schedule.gamma", positive()],
  ["schedule.epochs", integer(1)],
  ["schedule.minLr", number(0)],
  ["schedule.warmupEpochs", integer(0)],
  ["schedule.monitor", { kind: "string" }],
  ["schedule.mode", { kind: "enum", values: ["min", "max"] }],
  ["schedule.factor", positive(1)],
  ["schedule.patience", integer(0)],
  ["schedule.minDelta", number(0)],
  ["schedule.cooldown", integer(0)],
  ["regularisation.weightDecay", number(0)],
  ["augmentation.enabled", { kind: "boolean" }],
  ["augmentation.flipProbability", number(0, 1)],
  ["augmentation.maxRotationDegrees", number(0, 180)],
  ["augmentation.cropAreaMin", number(0.01, 1)],
  ["augmentation.brightness", number(0, 1)],
  ["augmentation.contrast", number(0, 1)],
  ["distillation.method", { kind: "enum", values: ["none", ...methodNames()] }],
  ["distillation.hardLabelWeight", number(0, undefined, true)],
  ["distillation.cacheTeacherOutputs", { kind: "boolean" }],
  ["earlyStoppingPatience", integer(0, true)],
  ["batchNormMomentum", number(0, 0.9999, true)],
  ["checkpoints", { kind: "boolean" }],
  ["trainStep", { kind: "enum", values: ["auto", "compiled", "eager"] }],
]);

export const OVERRIDE_KEYS: readonly string[] = [...FIELDS.keys(), "distillation.params.<name>"];

const PARAMS_PREFIX = "distillation.params.";

function describe(type: FieldType): string {
  const orNull = "nullable" in type && type.nullable ? " or null" : "";
  switch (type.kind) {
    case "number": {
      const range = type.min !== undefined || type.max !== undefined ? ` in ${type.positive ? "(" : "["}${type.min ?? "-∞"}, ${type.max ?? "∞"}]` : "";
      return `${type.integer ? "an integer" : "a number"}${range}${orNull}`;
    }
    case "boolean":
      return "true or false";
    case "string":
      return `a string${orNull}`;
    case "enum":
      return `one of ${type.values.join(", ")}`;
  }
}

/** "none", a registered method (registerMethod ones too) or several joined by "+", as the method's own name. */
function parseMethodName(raw: string): string {
  const text = raw.trim();
  if (text === "none") return text;
  try {
    return getMethod(text).name;
  } catch (error) {
    if (!(error instanceof MethodParamError)) throw error;
    throw new ConfigError(`distillation.method must be one of none, ${methodNames().join(", ")}, or methods joined by + (e.g. kd+at), got "${raw}" (${error.message})`);
  }
}

/** Parses one override value to its key's type; throws ConfigError naming the key and what it expects. */
export function parseOverrideValue(key: string, raw: string): number | boolean | string | null {
  if (key === "distillation.method") return parseMethodName(raw);
  const type = FIELDS.get(key);
  if (!type) throw new ConfigError(`unknown config key "${key}"; valid keys: ${OVERRIDE_KEYS.join(", ")}`);
  const bad = (): ConfigError => new ConfigError(`${key} must be ${describe(type)}, got "${raw}"`);
  const text = raw.trim();
  if ((type.kind === "number" || type.kind === "string") && type.nullable && (text === "null" || text === "none")) return null;
  switch (type.kind) {
    case "number": {
      const value = Number(text);
      if (text === "" || !Number.isFinite(value)) throw bad();
      if (type.integer && !Number.isInteger(value)) throw bad();
      if (type.min !== undefined && (value < type.min || (type.positive && value <= type.min))) throw bad();
      if (type.max !== undefined && value > type.max) throw bad();
      return value;
    }
    case "boolean":
      if (text === "true" || text === "false") return text === "true";
      throw bad();
    case "string":
      if (text === "") throw bad();
      return text;
    case "enum":
      if (!type.values.includes(text)) throw bad();
      return text;
  }
}

function splitOverride(override: string): { key: string; raw: string } {
  const eq = override.indexOf("=");
  if (eq <= 0) throw new ConfigError(`override "${override}" must look like key.path=value (e.g. optimizer.lr=0.001)`);
  return { key: override.slice(0, eq).trim(), raw: override.slice(eq + 1) };
}

/** One distillation.params.<name> override, checked against the config's method. */
function setMethodParam(config: ExperimentConfig, name: string, raw: string): void {
  const method = config.distillation.method;
  if (method === "none") throw new ConfigError(`${config.name}: distillation.params.${name}: there is no teacher, so no distillation method (distillation.method is "none")`);
  try {
    config.distillation.params[name] = checkParam(getMethod(method), name, raw);
  } catch (error) {
    throw error instanceof MethodParamError ? new ConfigError(error.message) : error;
  }
}

/** A copy of `config` with `key=value` overrides applied in order (a method change first), then validated. */
export function applyOverrides(config: ExperimentConfig, overrides: readonly string[]): ExperimentConfig {
  const next = structuredClone(config);
  const parsed = overrides.map(splitOverride);
  const ordered = [...parsed.filter((o) => o.key === "distillation.method"), ...parsed.filter((o) => o.key !== "distillation.method")];
  for (const { key, raw } of ordered) {
    if (key.startsWith(PARAMS_PREFIX)) {
      setMethodParam(next, key.slice(PARAMS_PREFIX.length), raw);
      continue;
    }
    const value = parseOverrideValue(key, raw);
    if (key === "distillation.method" && value !== next.distillation.method) {
      next.distillation.method = value as string;
      next.distillation.params = value === "none" ? {} : resolveParams(getMethod(value as string));
      continue;
    }
    const parts = key.split(".");
    let target = next as unknown as Record<string, unknown>;
    for (const part of parts.slice(0, -1)) {
      const child = target[part];
      if (child === null || typeof child !== "object") throw new ConfigError(`${key}: ${config.name} has no ${part} (it is ${JSON.stringify(child)})`);
      target = child as Record<string, unknown>;
    }
    target[parts[parts.length - 1]] = value;
  }
  validateExperiment(next);
  return next;
}

/** Cross-field checks the per-key types cannot make; throws ConfigError. */
export function validateExperiment(config: ExperimentConfig): void {
  const fail = (message: string): never => {
    throw new ConfigError(`${config.name}: ${message}`);
  };
  for (const role of ["teacher", "student"] as const) {
    const choice = config[role];
    if (choice && !isModelName(choice.model)) fail(`${role}.model "${choice.model}" is not a model; known: ${modelNames().join(", ")}`);
  }
  // The model entry says which task it is built for and whether it has a backbone apart from its head.
  for (const choice of [config.teacher, config.student]) {
    if (!choice) continue;
    const entry = modelEntry(choice.model);
    if (entry.task !== config.dataset.kind) fail(`${choice.model} does not fit the ${config.dataset.kind} dataset`);
    if (choice.backboneWeights !== null && !entry.head) fail(`${choice.model} has no separate backbone to load weights into`);
  }
  const method = config.distillation.method;
  if (!config.teacher && method !== "none") fail(`there is no teacher, so distillation.method must be "none" (the student alone), got "${method}"`);
  if (config.teacher && method === "none") fail(`distillation.method "none" leaves the teacher unused; pick a method (${methodNames().join(", ")}) or use an experiment without a teacher`);
  const weight = config.distillation.hardLabelWeight;
  if (weight !== undefined && weight !== null) {
    if (method === "none") fail(`distillation.hardLabelWeight: there is no teacher, so no distillation objective to weigh (distillation.method is "none")`);
    if (typeof weight !== "number" || !Number.isFinite(weight) || weight < 0) fail(`distillation.hardLabelWeight must be a finite number ≥ 0 or null, got ${weight}`);
  }
  if (method !== "none") {
    try {
      resolveParams(getMethod(method), config.distillation.params);
    } catch (error) {
      fail((error as Error).message);
    }
  }
  if (config.schedule.kind === "plateau" && config.schedule.monitor.startsWith("val_") && config.dataset.valFraction <= 0) fail("the plateau schedule monitors a validation metric but there is no validation split");
  try {
    createSchedule(config.schedule, config.optimizer.lr);
  } catch (error) {
    fail((error as Error).message);
  }
}

function valueAt(config: ExperimentConfig, key: string): unknown {
  return key.split(".").reduce<unknown>((node, part) => (node !== null && typeof node === "object" ? (node as Record<string, unknown>)[part] : undefined), config);
}

function overrideText(value: unknown): string {
  return value === null ? "null" : String(value);
}

/**
 * The `key=value` overrides that turn `config`'s profile config (getExperiment
 * of its name and profile) into `config`: a changed method first, then every
 * other settable key that differs, then the method's parameters. Checked by
 * applying them: a config that differs where no override reaches (its
 * description, say) throws ConfigError naming what differs.
 */
export function overridesOf(config: ExperimentConfig): string[] {
  const base = getExperiment(config.name, config.profile);
  const overrides: string[] = [];
  if (config.distillation.method !== base.distillation.method) overrides.push(`distillation.method=${config.distillation.method}`);
  for (const key of FIELDS.keys()) {
    if (key === "distillation.method") continue;
    const value = valueAt(config, key);
    if (value !== undefined && !isDeepStrictEqual(value, valueAt(base, key))) overrides.push(`${key}=${overrideText(value)}`);
  }
  const withMethod = applyOverrides(base, overrides.filter((o) => o.startsWith("distillation.method=")));
  for (const [name, value] of Object.entries(config.distillation.params)) {
    if (!isDeepStrictEqual(value, withMethod.distillation.params[name])) overrides.push(`${PARAMS_PREFIX}${name}=${overrideText(value)}`);
  }
  const rebuilt = applyOverrides(base, overrides);
  if (!isDeepStrictEqual(rebuilt, config)) {
    const differing = [...new Set([...Object.keys(config), ...Object.keys(rebuilt)])].filter((key) => !isDeepStrictEqual((config as unknown as Record<string, unknown>)[key], (rebuilt as unknown as Record<string, unknown>)[key]));
    throw new ConfigError(`${config.name}: this config differs from its ${config.profile} profile where no override reaches (${differing.join(", ")}), so it cannot be given to kdlab train as --set overrides`);
  }
  return overrides;
}
