/**
 * Decodes one sample, whatever its format, to resized uint8 pixels (HWC):
 * JPEG/PNG and DICOM to one grayscale channel, CIFAR-10 records to RGB,
 * MedMNIST records as stored (gray or RGB).
 */
import sharp from "sharp";
import { CIFAR_SIZE, readCifarRecord } from "./cifar10";
import { ImageDecodeOptions, decodeGrayImage } from "./chest-xray";
import { decodeDicomImage } from "./dicom";
import { decodeMedmnistRecord } from "./medmnist";
import { Sample } from "./sample";

export interface DecodedImage {
  pixels: Uint8Array;
  channels: 1 | 3;
}

export function decodedChannels(sample: Sample): 1 | 3 {
  return sample.channels ?? (sample.format === "cifar10" ? 3 : 1);
}

export async function decodeSample(sample: Sample, options: Required<ImageDecodeOptions>): Promise<DecodedImage> {
  switch (sample.format) {
    case "image":
      return { pixels: await decodeGrayImage(sample.file, options), channels: 1 };
    case "dicom":
      return { pixels: await decodeDicomImage(sample.file, options), channels: 1 };
    case "medmnist":
      return { pixels: await decodeMedmnistRecord(sample, options), channels: decodedChannels(sample) };
    case "cifar10": {
      const { pixels } = await readCifarRecord(sample.file, sample.record ?? 0);
      if (options.size === CIFAR_SIZE) return { pixels, channels: 3 };
      const resized = await sharp(Buffer.from(pixels.buffer), { raw: { width: CIFAR_SIZE, height: CIFAR_SIZE, channels: 3 } })
        .resize(options.size, options.size, { fit: options.fit })
        .raw()
        .toBuffer();
      return { pixels: new Uint8Array(resized.buffer, resized.byteOffset, resized.length), channels: 3 };
    }
  }
}
