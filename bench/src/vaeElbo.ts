// VAE test ELBO on binarised MNIST (pixels > 0.5), 784-400-20, 20 epochs, Adam 1e-3, batch 100: layerwise's
// VariationalAutoencoder. The PyTorch reference with the same architecture: bench/src/vae_elbo_torch.py.
// Usage: node --import tsx --conditions=source bench/src/vaeElbo.ts [seed=0] [epochs=20] [trainRows=60000] [iwaeSamples=0]
import { loadMnist } from '@layerwise/datasets';
import { VariationalAutoencoder } from '@layerwise/outliers';
import * as tf from '@tensorflow/tfjs-core';
import '@tensorflow/tfjs-backend-wasm';

const seed = Number(process.argv[2] ?? 0);
const epochs = Number(process.argv[3] ?? 20);
const rows = Number(process.argv[4] ?? 60000);
const iwaeSamples = Number(process.argv[5] ?? 0);
await tf.setBackend('wasm');
await tf.ready();
const binarise = (d: Float32Array) => d.map((v) => (v > 0.5 ? 1 : 0));
const train = await loadMnist({ subset: 'train', limit: rows });
const test = await loadMnist({ subset: 'test' });
const X = { data: binarise(train.X.data), shape: [train.X.shape[0], 784] as [number, number] };
const Xt = { data: binarise(test.X.data), shape: [test.X.shape[0], 784] as [number, number] };
const t0 = Date.now();
const vae = new VariationalAutoencoder({
  hiddenLayerSizes: [400],
  latentDim: 20,
  epochs,
  batchSize: 100,
  learningRate: 1e-3,
  randomState: seed,
});
await vae.fit(X);
const seconds = (Date.now() - t0) / 1000;
const elbo = await vae.score(Xt, undefined, { samples: 10, randomState: 0 });
const iwae =
  iwaeSamples > 0
    ? await vae.score(Xt, undefined, { samples: iwaeSamples, method: 'iwae', randomState: 0 })
    : null;
console.log(
  JSON.stringify({
    impl: 'layerwise',
    seed,
    epochs,
    trainRows: rows,
    testElbo: elbo,
    iwaeSamples,
    testIwae: iwae,
    trainLossCurve: vae.lossCurve,
    seconds,
    backend: tf.getBackend(),
  }),
);
