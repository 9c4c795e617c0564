/**
 * The study's stages as named, typed experiment configs, overrides by key
 * path, and `runExperiment`, which trains and tests them and writes the run
 * folder. Notebooks and `kdlab train` call only what this file exports.
 */
export type { AugmentationChoice, DatasetChoice, DistillationChoice, ExperimentConfig, ExperimentName, ModelChoice, OptimizerChoice, Profile } from "./experiments/config";
export { EXPERIMENT_NAMES, PROFILES } from "./experiments/config";
export type { ExperimentSummary, SeedStudy } from "./experiments/catalog";
export { getExperiment, isExperimentName, isProfile, listExperiments, PROFILE_SEEDS, profileSeeds, SEED_STUDIES, unknownExperimentMessage } from "./experiments/catalog";
export { applyOverrides, ConfigError, OVERRIDE_KEYS, parseOverrideValue, validateExperiment } from "./experiments/overrides";
export type { ExperimentData, ExperimentDataOptions, SplitName } from "./experiments/data";
export { buildExperimentData } from "./experiments/data";
export type { CurveRow, ExperimentResult, MetricRow, ModelRun, Role, TestReport, ValidationMetrics } from "./experiments/results";
export { curveRows, formatMetricsTable, metricRows, scalarMetrics, testedValidation } from "./experiments/results";
export type { RunOptions, TrainedModels } from "./experiments/run";
export { defaultRunsRoot, latestExperimentRun, runExperiment, runExperimentWithModels } from "./experiments/run";
export type { MetricSummary, SeedRun, SeedStudyOptions, SeedStudySummary } from "./experiments/seed-study";
export { runSeedStudy, seedConfigs, seedResultRows, summariseSeedStudy } from "./experiments/seed-study";
export type { MethodRun, MethodStudyOptions, MethodStudyTask, MethodSummary } from "./experiments/method-study";
export { METHOD_STUDY_TASKS, methodResultRows, methodStudyConfig, profileMethodTasks, runMethodStudy, summariseMethodStudy } from "./experiments/method-study";
export type { PairedDifference } from "./stats/paired";
export type { Spread } from "./stats/summary";
export { formatPairedPoints, formatPairedValue, minimumDetectableEffect, pairedDifference } from "./stats/paired";
export { formatPercentSpread, spreadOf } from "./stats/summary";
export { studentTCdf, studentTQuantile } from "./stats/student-t";
