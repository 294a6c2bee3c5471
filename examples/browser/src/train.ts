// Stand-in trainer (until @layerwise/autoencoder lands): a 784→h→784 autoencoder written with raw tfjs-core,
// trained with optimizer.minimize (which proves core registers tfjs's gradients in a browser bundle), on
// the WASM backend (the @layerwise/backend-wasm plugin in a core Registry), sending core's events to its loggers.
import { wasmBackend } from '@layerwise/backend-wasm';
import type { Registry, TrainingEvent } from '@layerwise/core';
import * as tf from '@tensorflow/tfjs-core';
import type { Digits } from './data.js';

export interface TrainOptions {
  hiddenLayerSizes: number[];
  epochs: number;
  batchSize: number;
  randomState: number;
  wasmPaths: string;
}

export interface Trained {
  backend: string;
  reconstruct(data: Float32Array, rows: number): Promise<Float32Array>;
}

export async function trainAutoencoder(
  digits: Digits,
  options: TrainOptions,
  loggers: Registry,
): Promise<Trained> {
  const registry = loggers.child().use(wasmBackend({ wasmPaths: options.wasmPaths }));
  const backend = await registry.activateBackend('wasm');
  const emit = async (e: TrainingEvent) => {
    for (const l of registry.loggers()) await l.handle(e);
  };
  const [rows, cols] = digits.shape;
  const hidden = options.hiddenLayerSizes[options.hiddenLayerSizes.length - 1] ?? 32;
  const seed = options.randomState;
  const w1 = tf.variable(tf.randomNormal([cols, hidden], 0, Math.sqrt(2 / (cols + hidden)), 'float32', seed));
  const b1 = tf.variable(tf.zeros([hidden]));
  const w2 = tf.variable(
    tf.randomNormal([hidden, cols], 0, Math.sqrt(2 / (cols + hidden)), 'float32', seed + 1),
  );
  const b2 = tf.variable(tf.zeros([cols]));
  const forward = (x: tf.Tensor2D) =>
    tf.sigmoid(tf.add(tf.matMul(tf.sigmoid(tf.add(tf.matMul(x, w1), b1)), w2), b2)) as tf.Tensor2D;
  const optimizer = tf.train.adam(0.01);
  const X = tf.tensor2d(digits.data, [rows, cols]);
  const batches = Math.ceil(rows / options.batchSize);
  const t0 = performance.now();
  await emit({
    type: 'fitStart',
    estimator: 'raw-tfjs-autoencoder',
    backend,
    samples: rows,
    features: cols,
    params: { ...options },
    verbose: false,
    time: Date.now(),
  });
  await emit({
    type: 'stageStart',
    stage: 'train',
    epochs: options.epochs,
    batchesPerEpoch: batches,
    samples: rows,
    time: Date.now(),
  });
  for (let epoch = 1; epoch <= options.epochs; epoch++) {
    const te = performance.now();
    let total = 0;
    for (let b = 0; b < batches; b++) {
      const start = b * options.batchSize;
      const size = Math.min(options.batchSize, rows - start);
      const loss = optimizer.minimize(() => {
        const xb = tf.slice(X, [start, 0], [size, cols]) as tf.Tensor2D;
        return tf.losses.meanSquaredError(xb, forward(xb)) as tf.Scalar;
      }, true);
      total += (await loss!.data())[0]! * size;
      loss!.dispose();
    }
    const seconds = (performance.now() - te) / 1000;
    await emit({
      type: 'epochEnd',
      stage: 'train',
      epoch,
      epochs: options.epochs,
      loss: total / rows,
      metrics: {},
      seconds,
      samplesPerSecond: rows / seconds,
      time: Date.now(),
    });
  }
  X.dispose();
  const seconds = (performance.now() - t0) / 1000;
  await emit({
    type: 'stageEnd',
    stage: 'train',
    epochsRun: options.epochs,
    stoppedEarly: false,
    seconds,
    time: Date.now(),
  });
  await emit({ type: 'fitEnd', estimator: 'raw-tfjs-autoencoder', seconds, time: Date.now() });
  return {
    backend: tf.getBackend(),
    async reconstruct(data, n) {
      const out = tf.tidy(() => forward(tf.tensor2d(data, [n, cols])));
      const values = (await out.data()) as Float32Array;
      out.dispose();
      return values;
    },
  };
}
