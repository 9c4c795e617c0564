/**
 * The backbones' input preprocessing by name, so an exported model can say
 * which one it takes (model-card.json) and the page can run it. The
 * functions are lib/models/preprocessing.ts's own — the file training uses,
 * bundled into the page by esbuild — not copies. Imported by Node (export)
 * and by the browser bundle alike, so it imports nothing but tfjs.
 */
import { densenetPreprocess, identityPreprocess, mobilenetV2Preprocess, Preprocess } from "../models/preprocessing";

export const PREPROCESSORS = {
  /** DenseNet ("torch" mode): per-channel (x − ImageNet mean) / std. */
  densenet: densenetPreprocess,
  /** MobileNetV2 ("tf" mode): [0, 1] scaled to [−1, 1]. */
  mobilenetv2: mobilenetV2Preprocess,
  /** The CIFAR networks: [0, 1] as decoded. */
  identity: identityPreprocess,
} as const satisfies Record<string, Preprocess>;

export type PreprocessorName = keyof typeof PREPROCESSORS;

/** The name of a registry entry's preprocess function (they are these very functions). */
export function preprocessorName(preprocess: Preprocess, who: string): PreprocessorName {
  const found = (Object.keys(PREPROCESSORS) as PreprocessorName[]).find((name) => PREPROCESSORS[name] === preprocess);
  if (!found) throw new Error(`${who}: its preprocessing is not one of ${Object.keys(PREPROCESSORS).join(", ")} (lib/export/preprocessors.ts lists what an export can bundle)`);
  return found;
}

export function preprocessorByName(name: string): Preprocess {
  if (!(name in PREPROCESSORS)) throw new Error(`unknown preprocessing "${name}"; known: ${Object.keys(PREPROCESSORS).join(", ")}`);
  return PREPROCESSORS[name as PreprocessorName];
}
