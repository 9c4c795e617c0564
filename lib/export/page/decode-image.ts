/// <reference lib="dom" />
/**
 * A dropped file to what the model sees, the page's half of lib/data's
 * decoding: one grayscale channel at size×size, uint8. JPEG/PNG are decoded
 * by the browser; DICOM by lib/data/dicom.ts itself (bundled, reading the
 * bytes through the fs shim), rounded to uint8 as decodeDicomImage does.
 * An image already at size×size is used pixel for pixel; any other is
 * stretched to the square ("fill", kdlab's default fit) with the canvas's
 * high-quality smoothing, where Node uses sharp — close, not identical.
 * Colour images go to gray by Rec. 709 luminance in linear light, as
 * libvips' B_W colourspace (sharp's grayscale) does.
 */
import { readDicomImage } from "../../data/dicom";
import { putFile, removeFile } from "./shims/fs";

export interface DecodedInput {
  /** size·size gray values, row-major: the model's input before /255. */
  gray: Uint8Array;
  /** The image at its own resolution, for display. */
  picture: HTMLCanvasElement;
  /** "PNG", "JPEG", "DICOM MONOCHROME2 16-bit", … */
  kind: string;
  width: number;
  height: number;
}

function canvas(width: number, height: number): HTMLCanvasElement {
  const made = document.createElement("canvas");
  made.width = width;
  made.height = height;
  return made;
}

function context(target: HTMLCanvasElement): CanvasRenderingContext2D {
  const ctx = target.getContext("2d", { willReadFrequently: true });
  if (!ctx) throw new Error("this browser gives no 2D canvas");
  return ctx;
}

export function isDicom(name: string, bytes: Uint8Array): boolean {
  const magic = bytes.length >= 132 && String.fromCharCode(bytes[128], bytes[129], bytes[130], bytes[131]) === "DICM";
  return magic || /\.(dcm|dicom)$/i.test(name);
}

const toLinear = (v: number): number => {
  const c = v / 255;
  return c <= 0.04045 ? c / 12.92 : ((c + 0.055) / 1.055) ** 2.4;
};
const fromLinear = (y: number): number => 255 * (y <= 0.0031308 ? 12.92 * y : 1.055 * y ** (1 / 2.4) - 0.055);

/** Gray values of RGBA pixels: the red channel where the pixel is gray, Rec. 709 luminance otherwise. */
export function grayOf(rgba: Uint8ClampedArray): Uint8Array {
  const out = new Uint8Array(rgba.length / 4);
  for (let i = 0; i < out.length; i++) {
    const r = rgba[4 * i];
    const g = rgba[4 * i + 1];
    const b = rgba[4 * i + 2];
    out[i] = r === g && g === b ? r : Math.round(Math.min(255, Math.max(0, fromLinear(0.2126 * toLinear(r) + 0.7152 * toLinear(g) + 0.0722 * toLinear(b)))));
  }
  return out;
}

/** The picture stretched to size×size (or copied, when it is that size already), as gray bytes. */
function resizedGray(picture: HTMLCanvasElement, size: number): Uint8Array {
  const square = canvas(size, size);
  const ctx = context(square);
  ctx.imageSmoothingEnabled = true;
  ctx.imageSmoothingQuality = "high";
  ctx.drawImage(picture, 0, 0, size, size);
  return grayOf(ctx.getImageData(0, 0, size, size).data);
}

function dicomPicture(name: string, bytes: Uint8Array): { picture: HTMLCanvasElement; kind: string } {
  const key = `dropped/${name}`;
  putFile(key, bytes);
  try {
    const image = readDicomImage(key);
    const picture = canvas(image.width, image.height);
    const ctx = context(picture);
    const data = ctx.createImageData(image.width, image.height);
    for (let i = 0; i < image.pixels.length; i++) {
      const v = Math.round(image.pixels[i] * 255);
      data.data.set([v, v, v, 255], 4 * i);
    }
    ctx.putImageData(data, 0, 0);
    return { picture, kind: `DICOM ${image.photometric} ${image.bitsAllocated}-bit` };
  } catch (error) {
    throw new Error(String((error as Error).message).replace(key, name));
  } finally {
    removeFile(key);
  }
}

async function bitmapPicture(file: Blob, name: string): Promise<{ picture: HTMLCanvasElement; kind: string }> {
  let bitmap: ImageBitmap;
  try {
    bitmap = await createImageBitmap(file, { colorSpaceConversion: "none", premultiplyAlpha: "none" });
  } catch {
    throw new Error(`${name}: not an image this browser can decode (PNG, JPEG) nor a DICOM file`);
  }
  const picture = canvas(bitmap.width, bitmap.height);
  const ctx = context(picture);
  // A radiograph is opaque; any transparent pixel shows as black.
  ctx.fillStyle = "#000";
  ctx.fillRect(0, 0, bitmap.width, bitmap.height);
  ctx.drawImage(bitmap, 0, 0);
  bitmap.close();
  const kind = file.type === "image/png" ? "PNG" : file.type === "image/jpeg" ? "JPEG" : file.type || "image";
  return { picture, kind };
}

export async function decodeInput(file: File, size: number): Promise<DecodedInput> {
  const bytes = new Uint8Array(await file.arrayBuffer());
  if (bytes.length === 0) throw new Error(`${file.name}: the file is empty`);
  const { picture, kind } = isDicom(file.name, bytes) ? dicomPicture(file.name, bytes) : await bitmapPicture(file, file.name);
  return { gray: resizedGray(picture, size), picture, kind, width: picture.width, height: picture.height };
}
