/**
 * The model a profiling script (profile-step.ts, profile-predictor.ts) times:
 * built from its registry name, at [inputSize] for the 224-px nets (CIFAR
 * nets take 32×32), its convolutions probed and routed where they crash here
 * before anything runs it (building a model probes nothing).
 */
import * as tf from "@tensorflow/tfjs";
import { buildModel, modelEntry } from "../../lib/models/registry";
import { prepareModelConvolutions } from "../../lib/runtime/conv-routing";

export async function profiledModel(name: string, sizeArg: string | undefined): Promise<{ model: tf.LayersModel; cifar: boolean }> {
  const cifar = modelEntry(name).task === "cifar10";
  const model = await buildModel(name, cifar ? {} : { inputSize: Number(sizeArg ?? 224) });
  prepareModelConvolutions(model, `model ${name}`);
  return { model, cifar };
}
