// Long run: many fit/transform cycles of tiny models keep tf.memory().numTensors exactly flat and the
// process's resident memory flat within a tolerance.
import * as tf from '@tensorflow/tfjs-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { getDefaultRegistry, MLPClassifier, StackedAutoencoder } from '../../index.js';

const CYCLES = 200;
const WARMUP = 20;
/** RSS may grow this much over the measured cycles (allocator noise, JIT), far below a real leak. */
const RSS_TOLERANCE = 48 * 2 ** 20;

const X = Array.from({ length: 16 }, (_, i) => [
  (i % 4) / 4,
  ((i * 3) % 5) / 5,
  ((i * 7) % 3) / 3,
  (i % 2) * 0.5,
]);
const labels = X.map((_, i) => (i % 3 === 0 ? 'a' : 'b'));
let Xt: tf.Tensor2D;
beforeAll(async () => {
  await getDefaultRegistry().activateBackend('cpu');
  Xt = tf.tensor2d(X);
});
afterAll(() => Xt.dispose());

const rss = () => {
  (globalThis as { gc?: () => void }).gc?.();
  return process.memoryUsage().rss;
};

describe('reliability: long run', () => {
  it(`${CYCLES} fit/transform cycles of a stacked autoencoder keep numTensors and RSS flat`, async () => {
    const ae = new StackedAutoencoder({
      hiddenLayerSizes: [3, 2],
      epochs: 1,
      fineTuneEpochs: 1,
      batchSize: 8,
      backend: 'cpu',
      randomState: 0,
    });
    let tensors = 0;
    let memory = 0;
    for (let i = 0; i < CYCLES; i++) {
      if (i === WARMUP) {
        tensors = tf.memory().numTensors;
        memory = rss();
      }
      await ae.fit(i % 2 ? X : Xt);
      const codes = await ae.transform(i % 3 ? X : Xt);
      if (codes instanceof tf.Tensor) codes.dispose();
      await ae.reconstruct(X);
      await ae.score(X);
      if (i > WARMUP) expect(tf.memory().numTensors, `cycle ${i}`).toBe(tensors);
    }
    const growth = rss() - memory;
    expect(growth, `RSS grew by ${(growth / 2 ** 20).toFixed(1)} MiB`).toBeLessThan(RSS_TOLERANCE);
  });

  it(`${CYCLES} fit/predict cycles of a classifier (with validation and early stopping) keep numTensors and RSS flat`, async () => {
    const clf = new MLPClassifier({
      hiddenLayerSizes: [4],
      epochs: 2,
      batchSize: 8,
      earlyStopping: true,
      patience: 1,
      backend: 'cpu',
      randomState: 0,
    });
    let tensors = 0;
    let memory = 0;
    for (let i = 0; i < CYCLES; i++) {
      if (i === WARMUP) {
        tensors = tf.memory().numTensors;
        memory = rss();
      }
      await clf.fit(X, labels);
      await clf.predict(X);
      const proba = await clf.predictProba(Xt);
      (proba as tf.Tensor).dispose();
      await clf.score(X, labels);
      if (i > WARMUP) expect(tf.memory().numTensors, `cycle ${i}`).toBe(tensors);
    }
    const growth = rss() - memory;
    expect(growth, `RSS grew by ${(growth / 2 ** 20).toFixed(1)} MiB`).toBeLessThan(RSS_TOLERANCE);
  });
});
