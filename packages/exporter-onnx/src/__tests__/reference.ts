// Test helpers shared by this package's tests: a seeded random ExportableModel and a reference forward
// pass computed with tfjs-core ops from the same ExportableModel.
import type { ActivationName, DenseLayerSpec, ExportableModel } from '@layerwise/core';
import * as tf from '@tensorflow/tfjs-core';

/** Seeded uniform [0, 1) (mulberry32). */
export function rng(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

/** A model of dense layers `sizes[0] → sizes[1] → …`, activation per layer, weights seeded. */
export function randomModel(
  sizes: number[],
  activations: ActivationName[],
  seed = 1,
  part = 'model',
): ExportableModel {
  const r = rng(seed);
  const layers: DenseLayerSpec[] = activations.map((activation, i) => {
    const inputSize = sizes[i]!;
    const units = sizes[i + 1]!;
    const scale = 2 / Math.sqrt(inputSize);
    return {
      name: `dense_${i}`,
      inputSize,
      units,
      kernel: Float32Array.from({ length: inputSize * units }, () => (r() - 0.5) * 2 * scale),
      bias: Float32Array.from({ length: units }, () => (r() - 0.5) * 0.5),
      activation,
    };
  });
  return { estimator: 'MLPRegressor', part, inputSize: sizes[0]!, layers, metadata: { note: 'test' } };
}

/** Seeded inputs `[rows, cols]` in [-2, 2). */
export function randomInput(rows: number, cols: number, seed = 7): Float32Array {
  const r = rng(seed);
  return Float32Array.from({ length: rows * cols }, () => (r() - 0.5) * 4);
}

function activate(x: tf.Tensor2D, a: ActivationName, alpha: number): tf.Tensor2D {
  switch (a) {
    case 'relu':
      return tf.relu(x);
    case 'sigmoid':
      return tf.sigmoid(x);
    case 'tanh':
      return tf.tanh(x);
    case 'linear':
      return x;
    case 'softmax':
      return tf.softmax(x);
    case 'elu':
      return tf.elu(x);
    case 'softplus':
      return tf.softplus(x);
    case 'leakyRelu':
      return tf.leakyRelu(x, alpha);
  }
}

/** `activation(x · kernel + bias)` layer after layer, with tfjs-core ops. No tensor is left behind. */
export function referenceForward(
  model: ExportableModel,
  x: Float32Array,
  rows: number,
  alpha = 0.2,
): Float32Array {
  const out = tf.tidy(() => {
    let h = tf.tensor2d(x, [rows, model.inputSize]);
    for (const l of model.layers) {
      const z = tf.add(
        tf.matMul(h, tf.tensor2d(l.kernel, [l.inputSize, l.units])),
        tf.tensor1d(l.bias),
      ) as tf.Tensor2D;
      h = activate(z, l.activation, alpha);
    }
    return h;
  });
  const data = out.dataSync() as Float32Array;
  out.dispose();
  return data;
}

/** Largest absolute difference. */
export function maxAbsDiff(a: ArrayLike<number>, b: ArrayLike<number>): number {
  if (a.length !== b.length) throw new Error(`length ${a.length} ≠ ${b.length}`);
  let m = 0;
  for (let i = 0; i < a.length; i++) m = Math.max(m, Math.abs(a[i]! - b[i]!));
  return m;
}
