/**
 * Vega-Lite specs for kdlab's charts, built as plain data from typed inputs.
 * Colours come from the Okabe–Ito palette (or viridis for the heatmap),
 * which stay distinguishable with colour-blindness. One chart per file under
 * charts/; this module is the one place notebooks import them from.
 */
export { SCHEMA, OKABE_ITO, REFERENCE_GREY } from "./charts/base";
export type { Row, ChartTitleOptions } from "./charts/base";
export { lineChart } from "./charts/line";
export type { LineChartOptions } from "./charts/line";
export { trainingCurves, teacherVsStudent, studentAloneVsDistilled, compareRuns, historyRows, trainingRowsOf } from "./charts/training";
export type { TrainingRow, TrainingInput, TrainingCurvesOptions, Split } from "./charts/training";
export { confusionMatrixChart } from "./charts/confusion";
export type { ConfusionMatrixOptions } from "./charts/confusion";
export { rocChart, rocLegendLabel } from "./charts/roc";
export type { RocCurveInput, RocChartOptions } from "./charts/roc";
export { calibrationChart, reliabilityBins, calibrationErrorOf } from "./charts/calibration";
export type { CalibrationBin, CalibrationInput, CalibrationChartOptions } from "./charts/calibration";
export { sampleGrid, imageDataUrl } from "./charts/sample-grid";
export type { SampleImage, SampleGridOptions } from "./charts/sample-grid";
export { classBalance } from "./charts/class-balance";
export { seedResultsChart } from "./charts/seeds";
export { gradCamPanel, agreementChart, heatmapOverlay, viridis, type GradCamPanelRow, type GradCamPanelOptions, type AgreementRow, type AgreementChartOptions } from "./charts/gradcam";
export { inferenceCostChart, type InferenceCostRow } from "./charts/inference-speed";
export { distillationChart, figureBar, FIGURE_MODELS, type DistillationFigure, type FigureBar, type FigureModel } from "./charts/distillation";
export { sweepValueChart, sweepHeatmap, type SweepPointRow, type SweepGridRow, type SweepValueChartOptions, type SweepHeatmapOptions } from "./charts/sweep";
export type { SeedResultRow } from "./charts/seeds";
export type { ClassBalanceRow, ClassBalanceOptions } from "./charts/class-balance";
