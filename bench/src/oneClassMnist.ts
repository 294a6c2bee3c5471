// One-class MNIST (issue 27's protocol): for each digit d, train on the rows of digit d among the first
// 10 000 training digits, score the first 2 000 test digits, outlier = any other digit; ROC AUC of the
// scores (higher = more normal) with "is digit d" as the positive class, averaged over the 10 digits.
// Models: the AutoencoderOutlierDetector with its defaults, and a VariationalAutoencoder's scoreSamples.
// Usage: node --import tsx --conditions=source bench/src/oneClassMnist.ts [detector,vae] [seeds=0,1,2] [digits=0..9]
//          [paramsJson] [scoreOptionsJson]
// paramsJson (e.g. '{"epochs":50}') overrides the models' defaults; scoreOptionsJson is passed to the VAE's
// scoreSamples ('' = the defaults), e.g. the VAE's ELBO: vae 0,1,2 '' '' '{"method":"elbo"}'. Without them,
// each model runs with its defaults (the published table).
// Prints one JSON line per (model, seed) with the per-digit AUCs, their mean, and the detector's
// fraction flagged on its training rows (contamination 0.1). The references: bench/src/oneclass_reference.py.
import { loadMnist } from '@layerwise/datasets';
import { rocAucScore } from '@layerwise/metrics';
import { AutoencoderOutlierDetector, VariationalAutoencoder } from '@layerwise/outliers';
import * as tf from '@tensorflow/tfjs-core';
import '@tensorflow/tfjs-backend-wasm';

const models = (process.argv[2] || 'detector,vae').split(',');
const seeds = (process.argv[3] || '0,1,2').split(',').map(Number);
const digits = (process.argv[4] || '0,1,2,3,4,5,6,7,8,9').split(',').map(Number);
const overrides = JSON.parse(process.argv[5] || '{}') as Record<string, unknown>;
const scoreOptions = JSON.parse(process.argv[6] || '{}') as Record<string, unknown>;
await tf.setBackend('wasm');
await tf.ready();
const train = await loadMnist({ subset: 'train', limit: 10000 });
const test = await loadMnist({ subset: 'test', limit: 2000 });
const Xtest = { data: test.X.data, shape: [2000, 784] as [number, number] };

function rowsOf(d: number): { data: Float32Array; shape: [number, number] } {
  const idx: number[] = [];
  for (let i = 0; i < train.y.length; i++) if (train.y[i] === d) idx.push(i);
  const data = new Float32Array(idx.length * 784);
  idx.forEach((r, k) => {
    data.set(train.X.data.subarray(r * 784, (r + 1) * 784), k * 784);
  });
  return { data, shape: [idx.length, 784] };
}

for (const model of models) {
  for (const seed of seeds) {
    const aucs: number[] = [];
    const flagged: number[] = [];
    const t0 = Date.now();
    for (const d of digits) {
      const X = rowsOf(d);
      const yTrue = Array.from(test.y, (v) => (v === d ? 1 : 0));
      let scores: Float32Array;
      if (model === 'detector') {
        const det = new AutoencoderOutlierDetector({ ...overrides, randomState: seed });
        const labels = (await det.fitPredict(X)) as Int32Array;
        flagged.push(labels.filter((v) => v === -1).length / labels.length);
        scores = (await det.scoreSamples(Xtest)) as Float32Array;
        det.dispose();
      } else {
        const vae = new VariationalAutoencoder({ ...overrides, randomState: seed });
        await vae.fit(X);
        scores = (await vae.scoreSamples(Xtest, scoreOptions)) as Float32Array;
        vae.dispose();
      }
      aucs.push(rocAucScore(yTrue, Array.from(scores)));
    }
    const mean = aucs.reduce((a, b) => a + b, 0) / aucs.length;
    console.log(
      JSON.stringify({
        model,
        seed,
        ...(Object.keys(overrides).length ? { params: overrides } : {}),
        ...(model === 'vae' && Object.keys(scoreOptions).length ? { scoreOptions } : {}),
        meanAuc: mean,
        aucs,
        ...(flagged.length ? { flaggedOnTrain: flagged } : {}),
        seconds: (Date.now() - t0) / 1000,
      }),
    );
  }
}
