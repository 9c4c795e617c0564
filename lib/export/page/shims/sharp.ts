/**
 * `sharp` in the page bundle: lib/data/dicom.ts imports it for resizing in
 * Node, which the page does with a canvas instead; calling it is an error.
 */
export default function sharp(): never {
  throw new Error("sharp is not available in the browser");
}
