/**
 * Times forward and training steps of the backbones (not a unit test).
 * usage: node --import tsx test/models/measure-backbones.ts [size=224] [batch=16] [repeats=3]
 * The training step is forward + softmax cross-entropy on a 2-way head + gradients + SGD update.
 */
import * as tf from "@tensorflow/tfjs";
import { initBackend } from "../../lib/runtime/backend";
import { buildModel } from "../../lib/models/registry";

async function main(): Promise<void> {
  const [size, batch, repeats] = [Number(process.argv[2] ?? 224), Number(process.argv[3] ?? 16), Number(process.argv[4] ?? 3)];
  console.log((await initBackend()).line);
  for (const name of ["densenet121-notop", "mobilenetv2-notop", "pneumonia-teacher-model2", "pneumonia-student-model2"]) {
    const model = await buildModel(name, { inputSize: size, seed: 1 });
    const x = tf.randomUniform([batch, size, size, 3], 0, 1, "float32", 1);
    const labels = tf.oneHot(tf.tensor1d(Array.from({ length: batch }, (_, i) => i % 2), "int32"), 2);
    const optimizer = tf.train.momentum(1e-4, 0.8);
    const forward = (): void => tf.tidy(() => { (model.apply(x, { training: false }) as tf.Tensor).dataSync(); });
    const step = (): void => {
      const loss = optimizer.minimize(() => {
        const out = model.apply(x, { training: true }) as tf.Tensor;
        return out.rank === 2 ? tf.losses.softmaxCrossEntropy(labels, out) : out.square().mean();
      }, true) as tf.Scalar;
      loss.dataSync();
      loss.dispose();
    };
    const time = (f: () => void): number => {
      f(); // warm-up: kernel selection and allocation
      const t0 = performance.now();
      for (let i = 0; i < repeats; i++) f();
      return (performance.now() - t0) / repeats;
    };
    const fwd = time(forward);
    const train = time(step);
    console.log(`${name.padEnd(26)} ${size}×${size} batch ${batch}: forward ${(fwd / batch).toFixed(1)} ms/image (${(fwd / 1000).toFixed(2)} s/batch), train step ${(train / batch).toFixed(1)} ms/image (${(train / 1000).toFixed(2)} s/batch)`);
    tf.dispose([x, labels]);
    optimizer.dispose();
    model.dispose();
  }
}

main().catch((error) => {
  console.error(error);
  process.exit(1);
});
