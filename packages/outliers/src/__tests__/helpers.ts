// Test-only helpers: MNIST (testkit's fixture), rows of one digit, ROC AUC, the WASM backend.
import { rocAucScore } from '@layerwise/metrics';
import type { MnistSample as Mnist } from '@layerwise/testkit';
import * as tf from '@tensorflow/tfjs-core';
import '@tensorflow/tfjs-backend-cpu';
import '@tensorflow/tfjs-backend-wasm';

/** The first `limit` MNIST digits of a subset (pixels in [0, 1]): testkit's shared fixture. */
export { type MnistSample as Mnist, mnistSample as loadMnist } from '@layerwise/testkit';

/** The rows of `m` whose label is `digit`. */
export function rowsOf(m: Mnist, digit: number): { data: Float32Array; shape: [number, number] } {
  const idx: number[] = [];
  for (let i = 0; i < m.y.length; i++) if (m.y[i] === digit) idx.push(i);
  const data = new Float32Array(idx.length * 784);
  idx.forEach((r, k) => {
    data.set(m.X.data.subarray(r * 784, (r + 1) * 784), k * 784);
  });
  return { data, shape: [idx.length, 784] };
}

/** ROC AUC of scores (higher = positive) against boolean labels: `@layerwise/metrics`' `rocAucScore`. */
export function auc(positive: ArrayLike<boolean>, scores: ArrayLike<number>): number {
  return rocAucScore(Array.from(positive, Number), Array.from(scores));
}

/** Use the WASM backend (~10× the pure-JS CPU backend) to keep the tests fast. */
export async function useWasm(): Promise<void> {
  await tf.setBackend('wasm');
  await tf.ready();
}
