// Test-only helpers: MNIST through @layerwise/datasets, the WASM backend.
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

/** ROC AUC of scores (higher = positive) against 0/1 labels, ties averaged (Mann–Whitney U). */
export function auc(positive: ArrayLike<boolean>, scores: ArrayLike<number>): number {
  const n = scores.length;
  const idx = Array.from({ length: n }, (_, i) => i).sort((a, b) => scores[a]! - scores[b]!);
  let sumPos = 0;
  let nPos = 0;
  for (let i = 0; i < n; ) {
    let j = i;
    while (j < n && scores[idx[j]!] === scores[idx[i]!]) j++;
    const rank = (i + j + 1) / 2;
    for (let k = i; k < j; k++) {
      if (positive[idx[k]!]) {
        sumPos += rank;
        nPos++;
      }
    }
    i = j;
  }
  return (sumPos - (nPos * (nPos + 1)) / 2) / (nPos * (n - nPos));
}

/** Use the WASM backend (~10× the pure-JS CPU backend) to keep the tests fast. */
export async function useWasm(): Promise<void> {
  await tf.setBackend('wasm');
  await tf.ready();
}
