/**
 * The study's stages as named, typed experiment configs, overrides by key
 * path, and `runExperiment`, which trains and tests them and writes the run
 * folder. Notebooks and `kdlab train` call only what this file exports.
 */
export type { AugmentationChoice, DatasetChoice, DistillationChoice, ExperimentConfig, ExperimentName, ModelChoice, OptimizerChoice, Profile } from "./config";
export { EXPERIMENT_NAMES, PROFILES } from "./config";
export type { ExperimentSummary, SeedStudy } from "./catalog";
export { getExperiment, isExperimentName, isProfile, listExperiments, PROFILE_SEEDS, profileSeeds, SEED_STUDIES, unknownExperimentMessage } from "./catalog";
export { applyOverrides, ConfigError, OVERRIDE_KEYS, overridesOf, parseOverrideValue, validateExperiment } from "./overrides";
export type { StudyTrainer, TrainAll, TrainOne } from "./study-trainer";
export { trainStudyRuns } from "./study-trainer";
export type { ExperimentData, ExperimentDataOptions, SplitName } from "./data";
export { buildExperimentData } from "./data";
export type { CurveRow, ExperimentResult, MetricRow, ModelRun, Role, TestReport, ValidationMetrics } from "./results";
export { curveRows, formatMetricsTable, metricRows, scalarMetrics, testedValidation } from "./results";
export type { RunOptions, TrainedModels } from "./run";
export { defaultRunsRoot, latestExperimentRun, runExperiment, runExperimentWithModels } from "./run";
export type { MetricSummary, SeedRun, SeedStudyOptions, SeedStudySummary } from "./seed-study";
export { runSeedStudy, seedConfigs, seedResultRows, summariseSeedStudy } from "./seed-study";
export type { MethodRun, MethodStudyOptions, MethodStudyTask, MethodSummary } from "./method-study";
export { METHOD_STUDY_TASKS, methodResultRows, methodStudyConfig, profileMethodTasks, runMethodStudy, summariseMethodStudy } from "./method-study";
export type { PairedDifference } from "../stats/paired";
export type { Spread } from "../stats/summary";
export { formatPairedPoints, formatPairedValue, minimumDetectableEffect, pairedDifference } from "../stats/paired";
export { formatPercentSpread, spreadOf } from "../stats/summary";
export { studentTCdf, studentTQuantile } from "../stats/student-t";
