/**
 * A convolution's shape as oneDNN sees it when it creates the primitive
 * (spatial size, channels, kernel, stride, padding; not the batch, which the
 * compiled graph leaves open), its key in the per-machine probe record, and
 * whether kdlab can compute it without a convolution: a 1×1 stride-1
 * convolution is a MatMul over [N·H·W, C_in] × [C_in, C_out].
 */

export interface ConvShape {
  kind: "conv" | "depthwise";
  height: number;
  width: number;
  inChannels: number;
  /** Output channels (depthwise: inChannels × multiplier). */
  outChannels: number;
  kernel: [number, number];
  strides: [number, number];
  padding: "SAME" | "VALID";
}

/** "conv 1x1/1 SAME 14x14x1024->512": one key per primitive oneDNN would create. */
export function convShapeKey(shape: ConvShape): string {
  const [kh, kw] = shape.kernel;
  const [sh, sw] = shape.strides;
  const stride = sh === sw ? `${sh}` : `${sh}x${sw}`;
  return `${shape.kind} ${kh}x${kw}/${stride} ${shape.padding} ${shape.height}x${shape.width}x${shape.inChannels}->${shape.outChannels}`;
}

/** A 1×1 stride-1 convolution reads no neighbours and pads nothing: exactly a MatMul over the channels. */
export function routableAsMatMul(shape: ConvShape): boolean {
  return shape.kind === "conv" && shape.kernel[0] === 1 && shape.kernel[1] === 1 && shape.strides[0] === 1 && shape.strides[1] === 1;
}

/** Parses a key back (the probe child receives keys); an error names the key. */
export function parseConvShapeKey(key: string): ConvShape {
  const match = /^(conv|depthwise) (\d+)x(\d+)\/(\d+)(?:x(\d+))? (SAME|VALID) (\d+)x(\d+)x(\d+)->(\d+)$/.exec(key);
  if (!match) throw new Error(`not a convolution shape key: ${JSON.stringify(key)}`);
  const n = (i: number): number => Number(match[i]);
  const sh = n(4);
  return {
    kind: match[1] as ConvShape["kind"],
    kernel: [n(2), n(3)],
    strides: [sh, match[5] === undefined ? sh : n(5)],
    padding: match[6] as ConvShape["padding"],
    height: n(7),
    width: n(8),
    inChannels: n(9),
    outChannels: n(10),
  };
}

/** The shape of a convolution of `input` ([batch, H, W, C]) by `kernel` ([kh, kw, C, C_out], depthwise [kh, kw, C, multiplier]). */
export function convShapeOf(kind: ConvShape["kind"], input: readonly number[], kernel: readonly number[], strides: [number, number], padding: ConvShape["padding"]): ConvShape {
  const [, height, width, inChannels] = input;
  const outChannels = kind === "depthwise" ? inChannels * kernel[3] : kernel[3];
  return { kind, height, width, inChannels, outChannels, kernel: [kernel[0], kernel[1]], strides, padding };
}
