/**
 * Seeded weight initialisation: one base seed gives every layer its own seed,
 * in construction order, so the same seed builds the same initial weights.
 */
import * as tf from "@tensorflow/tfjs";

/** The seed a builder uses when its caller names none: initial weights are reproducible by default. */
export const DEFAULT_SEED = 0;

type Initializer = ReturnType<typeof tf.initializers.glorotUniform>;
type Regularizer = ReturnType<typeof tf.regularizers.l2>;

export class LayerSeeds {
  private counter = 0;

  constructor(readonly seed: number = DEFAULT_SEED) {
    if (!Number.isInteger(seed)) throw new Error(`seed must be an integer, got ${seed}`);
  }

  /** The next layer's seed: a 32-bit mix of the base seed and the layer's position. */
  next(): number {
    this.counter += 1;
    let h = (Math.imul(this.seed ^ 0x9e3779b9, 0x85ebca6b) + Math.imul(this.counter, 0xc2b2ae35)) | 0;
    h = Math.imul(h ^ (h >>> 16), 0x7feb352d);
    h = Math.imul(h ^ (h >>> 15), 0x846ca68b);
    return (h ^ (h >>> 16)) >>> 0;
  }

  /** Keras's default kernel initialiser for Conv2D, DepthwiseConv2D and Dense. */
  glorotUniform(): Initializer {
    return tf.initializers.glorotUniform({ seed: this.next() });
  }

  /** He-normal (truncated), suited to ReLU stacks trained from scratch. */
  heNormal(): Initializer {
    return tf.initializers.heNormal({ seed: this.next() });
  }
}

/**
 * L2 penalty for a PyTorch-style weight decay `wd` (SGD adds wd·w to the
 * gradient): the loss term is (wd/2)·Σw², so l2 = wd/2. Undefined for wd = 0.
 */
export function weightDecayRegularizer(weightDecay: number | undefined): Regularizer | undefined {
  if (weightDecay === undefined || weightDecay === 0) return undefined;
  if (!(weightDecay > 0)) throw new Error(`weight decay must be ≥ 0, got ${weightDecay}`);
  return tf.regularizers.l2({ l2: weightDecay / 2 });
}

/** Sum of the model's regularisation losses (L2 terms), a scalar 0 when it has none; call inside the training step's loss. */
export function regularizationLoss(model: tf.LayersModel): tf.Scalar {
  const losses = model.calculateLosses();
  return losses.length === 0 ? tf.scalar(0) : (tf.addN(losses) as tf.Scalar);
}
