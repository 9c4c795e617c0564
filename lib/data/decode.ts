/**
 * Decodes one sample, whatever its format, to resized uint8 pixels (HWC):
 * the sample's format entry (lib/data/formats/) does the work.
 */
import { DecodedImage, DecodeOptions, formatEntry } from "./formats/index";
import { Sample } from "./sample";

export type { DecodedImage };

/** Channels of the sample once decoded: its own, else its format's. */
export function decodedChannels(sample: Sample): 1 | 3 {
  return sample.channels ?? formatEntry(sample.format).channels;
}

export async function decodeSample(sample: Sample, options: DecodeOptions): Promise<DecodedImage> {
  return formatEntry(sample.format).decode(sample, options);
}

/** The input side a pipeline of these samples resizes to when none is given: the first sample's format's (224 when there is none). */
export function defaultInputSize(samples: readonly Sample[]): number {
  return samples.length > 0 ? formatEntry(samples[0].format).defaultSize : 224;
}
