/**
 * Per-image affine warps of a batch, bilinear, out-of-image samples taken
 * from the nearest edge. `affine` rows are [a, b, c, d, e, f]: output point
 * (x, y) in normalised [-1, 1] coordinates samples the source at
 * (a·x + b·y + c, d·x + e·y + f). On native TensorFlow this runs TF's own
 * ImageProjectiveTransformV3 kernel (tfjs-node registers no Transform
 * kernel, but its backend executes any TF op); elsewhere, gathers.
 */
import * as tf from "@tensorflow/tfjs";

interface OpAttr {
  name: string;
  type: number;
  value: number | string;
}

/** The part of tfjs-node's backend used here (its `executeSingleOutput` runs any TensorFlow op). */
interface NativeBackend {
  binding: { TF_ATTR_TYPE: number; TF_ATTR_STRING: number; TF_FLOAT: number };
  executeSingleOutput(name: string, attrs: OpAttr[], inputs: tf.Tensor[]): tf.Tensor;
}

function nativeBackend(): NativeBackend | undefined {
  if (tf.getBackend() !== "tensorflow") return undefined;
  const backend = tf.backend() as unknown as Partial<NativeBackend>;
  return typeof backend.executeSingleOutput === "function" && backend.binding ? (backend as NativeBackend) : undefined;
}

/** Normalised-coordinate affine rows → TF's pixel-coordinate projective transforms [a0 a1 a2 b0 b1 b2 0 0]. */
export function toPixelTransforms(affine: number[][], height: number, width: number): number[][] {
  const sx = (width - 1) / 2;
  const sy = (height - 1) / 2;
  const ratioXY = height > 1 ? (width - 1) / (height - 1) : 1;
  const ratioYX = width > 1 ? (height - 1) / (width - 1) : 1;
  return affine.map(([a, b, c, d, e, f]) => [a, b * ratioXY, sx * (c + 1 - a - b), d * ratioYX, e, sy * (f + 1 - d - e), 0, 0]);
}

function affineWarpNative(backend: NativeBackend, images: tf.Tensor4D, affine: number[][]): tf.Tensor4D {
  const [batch, height, width] = images.shape;
  const transforms = tf.tensor2d(toPixelTransforms(affine, height, width), [batch, 8], "float32");
  const outputShape = tf.tensor1d([height, width], "int32");
  const fillValue = tf.scalar(0, "float32");
  try {
    const attrs: OpAttr[] = [
      { name: "dtype", type: backend.binding.TF_ATTR_TYPE, value: backend.binding.TF_FLOAT },
      { name: "interpolation", type: backend.binding.TF_ATTR_STRING, value: "BILINEAR" },
      { name: "fill_mode", type: backend.binding.TF_ATTR_STRING, value: "NEAREST" },
    ];
    return backend.executeSingleOutput("ImageProjectiveTransformV3", attrs, [images, transforms, outputShape, fillValue]) as tf.Tensor4D;
  } finally {
    tf.dispose([transforms, outputShape, fillValue]);
  }
}

export function affineWarp(images: tf.Tensor4D, affine: number[][]): tf.Tensor4D {
  const backend = nativeBackend();
  if (backend && images.dtype === "float32") return affineWarpNative(backend, images, affine);
  return affineWarpByGather(images, affine);
}

/** The portable version: bilinear sampling written as four gathers (works on every backend). */
export function affineWarpByGather(images: tf.Tensor4D, affine: number[][]): tf.Tensor4D {
  const [batch, height, width, channels] = images.shape;
  return tf.tidy(() => {
    const gridX = tf.linspace(-1, 1, width).reshape([1, width]).tile([height, 1]).reshape([1, height * width]);
    const gridY = tf.linspace(-1, 1, height).reshape([height, 1]).tile([1, width]).reshape([1, height * width]);
    const m = tf.tensor2d(affine, [batch, 6]);
    const col = (k: number): tf.Tensor2D => m.slice([0, k], [batch, 1]);
    const srcX = col(0).mul(gridX).add(col(1).mul(gridY)).add(col(2));
    const srcY = col(3).mul(gridX).add(col(4).mul(gridY)).add(col(5));
    const px = srcX.add(1).mul((width - 1) / 2).clipByValue(0, width - 1);
    const py = srcY.add(1).mul((height - 1) / 2).clipByValue(0, height - 1);
    const x0 = px.floor();
    const y0 = py.floor();
    const wx = px.sub(x0).reshape([-1, 1]);
    const wy = py.sub(y0).reshape([-1, 1]);
    const x1 = x0.add(1).minimum(width - 1);
    const y1 = y0.add(1).minimum(height - 1);
    const base = tf.range(0, batch).mul(height * width).reshape([batch, 1]);
    const flat = images.reshape([batch * height * width, channels]);
    const at = (yy: tf.Tensor, xx: tf.Tensor): tf.Tensor2D => tf.gather(flat, yy.mul(width).add(xx).add(base).reshape([-1]).toInt()) as tf.Tensor2D;
    const top = at(y0, x0).mul(tf.sub(1, wx)).add(at(y0, x1).mul(wx));
    const bottom = at(y1, x0).mul(tf.sub(1, wx)).add(at(y1, x1).mul(wx));
    return top.mul(tf.sub(1, wy)).add(bottom.mul(wy)).reshape([batch, height, width, channels]) as tf.Tensor4D;
  });
}

