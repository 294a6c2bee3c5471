/**
 * Per-epoch kernel times of a StackedAutoencoder fit [500, 250]: every wasm kernel wrapped with a timer,
 * summed per epoch of the second layer — shows which kernels get slower epoch after epoch (it found the
 * optimizer's Multiply/RealDiv on subnormal Adam moments). Times are wall-clock: compare within one run.
 *
 *   node --import tsx --conditions=source bench/src/epochKernels.ts [threads] [rows] [epochs]
 */

import { StackedAutoencoder } from '@layerwise/autoencoder';
import * as tf from '@tensorflow/tfjs-core';
import { loadDigits } from './data.js';
import { layerwiseRegistry } from './layerwiseBackends.js';

const E = Number(process.argv[4] ?? 12);
const registry = await layerwiseRegistry('wasm', Number(process.argv[2] ?? 1));
const x = await loadDigits('train', Number(process.argv[3] ?? 10000));
let bucket: Map<string, number> = new Map();
const buckets: Map<string, number>[] = [];
for (const k of tf.getKernelsForBackend('wasm')) {
  const f = k.kernelFunc;
  tf.unregisterKernel(k.kernelName, 'wasm');
  tf.registerKernel({
    ...k,
    kernelFunc: (a: Parameters<tf.KernelFunc>[0]) => {
      const t = performance.now();
      const r = f(a);
      const key = k.kernelName;
      bucket.set(key, (bucket.get(key) ?? 0) + performance.now() - t);
      return r;
    },
  });
}
const ae = new StackedAutoencoder(
  {
    hiddenLayerSizes: [500, 250],
    epochs: E,
    fineTuneEpochs: 0,
    batchSize: 100,
    randomState: 0,
    backend: 'wasm',
    verbose: false,
  },
  { registry },
);
await ae.fit(
  { data: x.data, shape: x.shape },
  {
    callbacks: [
      {
        onEpochBegin() {
          bucket = new Map();
          buckets.push(bucket);
        },
      },
    ],
  },
);
const eps = ae.history!.epochs;
const names = new Set(buckets.flatMap((b) => [...b.keys()]));
const l2 = buckets.slice(E);
console.log(
  'epoch s:',
  eps
    .slice(E)
    .map((e) => e.seconds.toFixed(2))
    .join(' '),
);
console.log(
  'kernels:',
  l2.map((b) => ([...b.values()].reduce((a, c) => a + c, 0) / 1000).toFixed(2)).join(' '),
);
for (const n of [...names].sort((a, b) => (l2.at(-1)!.get(b) ?? 0) - (l2.at(-1)!.get(a) ?? 0)).slice(0, 14))
  console.log(n, l2.map((b) => (b.get(n) ?? 0).toFixed(0)).join(' '));
