/**
 * `key.path=value` overrides of an experiment config, type-checked against a
 * table of every settable key, then the whole config validated, so a typo or
 * a bad value fails before any training starts, with the valid keys listed.
 */
import { createSchedule } from "../distill/index";
import { isModelName, MODEL_NAMES } from "../models/index";
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
  [`${role}.model`, { kind: "enum", values: MODEL_NAMES }],
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
  ["distillation.temperature", positive()],
  ["distillation.alpha", number(0, 1)],
  ["distillation.cacheTeacherLogits", { kind: "boolean" }],
  ["earlyStoppingPatience", integer(0, true)],
  ["batchNormMomentum", number(0, 0.9999, true)],
  ["checkpoints", { kind: "boolean" }],
  ["trainStep", { kind: "enum", values: ["auto", "compiled", "eager"] }],
]);

export const OVERRIDE_KEYS: readonly string[] = [...FIELDS.keys()];

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

/** Parses one override value to its key's type; throws ConfigError naming the key and what it expects. */
export function parseOverrideValue(key: string, raw: string): number | boolean | string | null {
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

/** A copy of `config` with `key=value` overrides applied in order, then validated. */
export function applyOverrides(config: ExperimentConfig, overrides: readonly string[]): ExperimentConfig {
  const next = structuredClone(config);
  for (const override of overrides) {
    const eq = override.indexOf("=");
    if (eq <= 0) throw new ConfigError(`override "${override}" must look like key.path=value (e.g. optimizer.lr=0.001)`);
    const key = override.slice(0, eq).trim();
    const value = parseOverrideValue(key, override.slice(eq + 1));
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
    if (choice && !isModelName(choice.model)) fail(`${role}.model "${choice.model}" is not a model; known: ${MODEL_NAMES.join(", ")}`);
  }
  const cifarModel = (name: string): boolean => name.startsWith("cifar-");
  for (const choice of [config.teacher, config.student]) {
    if (!choice) continue;
    if (cifarModel(choice.model) !== (config.dataset.kind === "cifar10")) fail(`${choice.model} does not fit the ${config.dataset.kind} dataset`);
    if (choice.backboneWeights !== null && cifarModel(choice.model)) fail(`${choice.model} has no separate backbone to load weights into`);
  }
  if (!config.teacher && config.distillation.alpha !== 1) fail(`there is no teacher, so distillation.alpha must be 1 (the student alone), got ${config.distillation.alpha}`);
  if (config.schedule.kind === "plateau" && config.schedule.monitor.startsWith("val_") && config.dataset.valFraction <= 0) fail("the plateau schedule monitors a validation metric but there is no validation split");
  try {
    createSchedule(config.schedule, config.optimizer.lr);
  } catch (error) {
    fail((error as Error).message);
  }
}
