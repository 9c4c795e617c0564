/**
 * Teacher and student Grad-CAM over the same images, for the same class, and
 * how much the two maps agree, in the shape the Grad-CAM charts take. The
 * same class for both (the true one by default), so two maps are compared
 * as answers to one question even where the models predict differently.
 */
import * as tf from "@tensorflow/tfjs";
import { GradCamPanelRow } from "../report/charts/gradcam";
import { mapAgreement, MapAgreement } from "./agreement";
import { FeatureLayerInfo, gradCam } from "./gradcam";
import { TrainedModel } from "./train-pair";
import { prepareModelConvolutions } from "../runtime/conv-routing";

export interface ComparedMaps {
  teacherLayer: FeatureLayerInfo;
  studentLayer: FeatureLayerInfo;
  /** The class each image's maps explain. */
  classIndex: number[];
  agreements: MapAgreement[];
  rows: GradCamPanelRow[];
}

export interface CompareOptions {
  /** Smallest side of each model's Grad-CAM feature map (see pickFeatureLayer). */
  minSize?: number;
  /** "true" (default): each image's label; "predicted": the teacher's prediction. */
  explain?: "true" | "predicted";
  topFraction?: number;
}

/** `images`: [0, 1] NHWC (each model's preprocessing is applied here); `labels`: their classes. */
export async function compareGradCams(teacher: TrainedModel, student: TrainedModel, images: tf.Tensor4D, labels: readonly number[], classNames: readonly string[], options: CompareOptions = {}): Promise<ComparedMaps> {
  if (labels.length !== images.shape[0]) throw new Error(`compareGradCams: ${labels.length} labels for ${images.shape[0]} images`);
  const run = async (model: TrainedModel, classIndex?: readonly number[]) => {
    // Grad-CAM runs the model eagerly: where some convolutions crash oneDNN, probe its shapes first, all at once.
    prepareModelConvolutions(model.model, `Grad-CAM of the ${model.role}`);
    const input = model.preprocess(images);
    try {
      return await gradCam(model.model, input, { minSize: options.minSize, classIndex });
    } finally {
      input.dispose();
    }
  };
  const first = await run(teacher, options.explain === "predicted" ? undefined : labels);
  const second = await run(student, first.classIndex);
  const [teacherMaps, studentMaps, pixels] = await Promise.all([first.heatmaps.data(), second.heatmaps.data(), images.data()]);
  tf.dispose([first.heatmaps, second.heatmaps]);
  const [count, height, width, channels] = images.shape;
  const area = height * width;
  const predicted = (p: number[]): number => p.indexOf(Math.max(...p));
  const agreements: MapAgreement[] = [];
  const rows: GradCamPanelRow[] = [];
  for (let i = 0; i < count; i++) {
    const teacherMap = teacherMaps.subarray(i * area, (i + 1) * area);
    const studentMap = studentMaps.subarray(i * area, (i + 1) * area);
    const agreement = mapAgreement(teacherMap, studentMap, options.topFraction);
    agreements.push(agreement);
    const t = predicted(first.probabilities[i]);
    const s = predicted(second.probabilities[i]);
    rows.push({
      image: pixels.subarray(i * area * channels, (i + 1) * area * channels),
      width,
      height,
      teacher: teacherMap,
      student: studentMap,
      trueLabel: classNames[labels[i]],
      teacherLabel: classNames[t],
      studentLabel: classNames[s],
      teacherProbability: first.probabilities[i][t],
      studentProbability: second.probabilities[i][s],
      agreement,
    });
  }
  return { teacherLayer: first.layer, studentLayer: second.layer, classIndex: first.classIndex, agreements, rows };
}
