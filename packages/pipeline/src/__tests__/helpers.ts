// Test-only helpers: MNIST through @layerwise/datasets, the WASM backend for speed.
import { loadMnist as load } from '@layerwise/datasets';
import * as tf from '@tensorflow/tfjs-core';
import '@tensorflow/tfjs-backend-cpu';
import '@tensorflow/tfjs-backend-wasm';

export interface Mnist {
  X: { data: Float32Array; shape: [number, number] };
  y: Int32Array;
}

/** The first `limit` MNIST digits of a subset (pixels in [0, 1]). */
export async function loadMnist(subset: 'train' | 'test', limit: number): Promise<Mnist> {
  const d = await load({ subset, limit });
  return { X: { data: d.X.data, shape: [d.X.shape[0], d.X.shape[1]] }, y: d.y };
}

/** Use the WASM backend (~10× the pure-JS CPU backend) to keep the tests fast. */
export async function useWasm(): Promise<void> {
  await tf.setBackend('wasm');
  await tf.ready();
}
