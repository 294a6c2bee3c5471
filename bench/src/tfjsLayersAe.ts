/**
 * The step benchmark's autoencoder layer as a tfjs-layers model, trained by `model.fit`: only tfjs-core and
 * tfjs-layers, so the browser page bundles it too.
 */
import * as tf from '@tensorflow/tfjs-core';
import * as tfl from '@tensorflow/tfjs-layers';
import type { Matrix } from './data.js';
import { STEP } from './spec.js';

/** The same layer as a tfjs-layers model, trained by `model.fit` (shuffled, batch 100, one epoch). */
export async function layersAeEpoch(x: Matrix, hidden: number, seed: number): Promise<number> {
  const [n, cols] = x.shape;
  const X = tf.tensor2d(x.data, [n, cols]);
  const model = tfl.sequential({
    layers: [
      tfl.layers.dense({
        units: hidden,
        activation: 'relu',
        inputShape: [cols],
        kernelInitializer: tfl.initializers.glorotUniform({ seed }),
      }),
      tfl.layers.dense({
        units: cols,
        kernelInitializer: tfl.initializers.glorotUniform({ seed: seed + 1 }),
      }),
    ],
  });
  model.compile({ optimizer: tf.train.adam(STEP.learningRate), loss: 'meanSquaredError' });
  const h = await model.fit(X, X, { epochs: 1, batchSize: STEP.batchSize, shuffle: true, verbose: 0 });
  X.dispose();
  model.optimizer.dispose();
  model.dispose();
  const l = h.history.loss?.[0];
  return typeof l === 'number' ? l : Number(l);
}
