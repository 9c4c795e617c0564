/** Deploying a trained model to the browser: `kdlab export` (export.ts) and `kdlab serve` (serve.ts). */
export type { ExportOptions, ExportResult } from "./export";
export { defaultExportDir, exportRun, GRADCAM_MIN_SIZE, loadFinishedModel } from "./export";
export type { CardMetrics, Estimate, ExportEvaluation, ModelCard } from "./model-card";
export { aucInterval, modelCard, modelCardMarkdown, wilsonInterval } from "./model-card";
export { PREPROCESSORS, preprocessorByName, preprocessorName } from "./preprocessors";
export type { PreprocessorName } from "./preprocessors";
export { finishedModelDir, latestRun, readModelRun, readRunFolder } from "./run-folder";
export type { RunFolder } from "./run-folder";
export type { ServeOptions, StaticServer } from "./serve";
export { serveStatic } from "./serve";
export type { Quantization, WebModelFiles } from "./web-model";
export { QUANTIZATIONS, quantizeUint8, toFloat16Bits, webModelFromDisk, writeWebModel } from "./web-model";
