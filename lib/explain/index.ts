/** What a trained model learned and what it costs to run: Grad-CAM heatmaps, agreement between two maps, inference speed and size. */
export { featureLayers, gradCam, pickFeatureLayer } from "./gradcam";
export type { FeatureLayerInfo, GradCamOptions, GradCamResult } from "./gradcam";
export { logitsFromFeatures } from "./cut-graph";
export { chanceTopIoU, mapAgreement, pearsonCorrelation, topRegion, topRegionIoU } from "./agreement";
export type { HeatmapValues, MapAgreement } from "./agreement";
export { median } from "../stats/summary";
export { measureInference, modelSize } from "./speed";
export type { InferenceSpeed, InferenceSpeedOptions } from "./speed";
export { compareGradCams } from "./compare";
export type { CompareOptions, ComparedMaps } from "./compare";
export { describePairData, openPairData, pairSettings, pickTestSamples, testImages, trainPair } from "./train-pair";
export type { PairData, PairOverrides, PairProfile, PairSettings, TrainedModel, TrainedPair } from "./train-pair";
