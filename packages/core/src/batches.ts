import * as tf from '@tensorflow/tfjs-core';
import { HostMatrix } from './data.js';
import type { Rng } from './rng.js';

/**
 * Index lists for one epoch of minibatches. With an `rng` the order is a fresh permutation (seeded);
 * without, batches are contiguous. The last batch may be smaller.
 */
export function epochBatches(samples: number, batchSize: number, rng?: Rng): Int32Array[] {
  const order = rng ? rng.permutation(samples) : Int32Array.from({ length: samples }, (_, i) => i);
  const out: Int32Array[] = [];
  for (let start = 0; start < samples; start += batchSize) {
    out.push(order.subarray(start, Math.min(samples, start + batchSize)));
  }
  return out;
}

/**
 * Gathers the rows `indices` of `x` into a new tensor (one batch). The data set itself is never copied:
 * contiguous ranges become a `slice`, others a `gather`; rows of a {@link HostMatrix} are copied from the host
 * and uploaded (one batch's worth).
 */
export function takeRows<T extends tf.Tensor>(x: T | HostMatrix, indices: Int32Array): T {
  if (x instanceof HostMatrix) return x.take(indices) as unknown as T;
  const n = indices.length;
  const first = indices[0] ?? 0;
  let contiguous = true;
  for (let i = 1; i < n; i++) {
    if (indices[i] !== first + i) {
      contiguous = false;
      break;
    }
  }
  if (contiguous) {
    const begin = x.shape.map((_, d) => (d === 0 ? first : 0));
    const size = x.shape.map((s, d) => (d === 0 ? n : s));
    return tf.slice(x, begin, size) as T;
  }
  return tf.tidy(() => tf.gather(x, tf.tensor1d(indices, 'int32'))) as T;
}

/** Splits `samples` rows into a training and a validation part (seeded shuffle when `rng` is given). */
export function trainValidationSplit(
  samples: number,
  validationFraction: number,
  rng?: Rng,
): { train: Int32Array; validation: Int32Array } {
  const order = rng ? rng.permutation(samples) : Int32Array.from({ length: samples }, (_, i) => i);
  const nVal = Math.max(1, Math.round(samples * validationFraction));
  const validation = order.slice(0, nVal).sort();
  const train = order.slice(nVal).sort();
  return { train, validation };
}
