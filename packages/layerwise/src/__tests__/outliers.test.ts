// Outlier detection composed from the contract: a detector after a scaler in a Pipeline, tuned by
// GridSearchCV with the roc_auc scorer (in worker threads too), saved and loaded back by `load`.
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import * as tf from '@tensorflow/tfjs-core';
import '@tensorflow/tfjs-backend-cpu';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  AutoencoderOutlierDetector,
  GridSearchCV,
  getScorer,
  load,
  MinMaxScaler,
  Pipeline,
  Registry,
  Rng,
  VariationalAutoencoder,
} from '../index.js';

let tmp = '';
beforeAll(async () => {
  await tf.setBackend('cpu');
  tmp = await mkdtemp(join(tmpdir(), 'layerwise-umbrella-outliers-'));
});
afterAll(async () => {
  await rm(tmp, { recursive: true, force: true });
});

// Transactions-like rows on their own scales (amounts in the hundreds, rates near 0.01): inliers on a
// 2-D manifold, 10 % anomalies uniform over the box. Labels: 1 inlier, −1 outlier.
const rng = new Rng(11);
const X: number[][] = [];
const y: number[] = [];
for (let i = 0; i < 220; i++) {
  const outlier = i % 10 === 9;
  const a = rng.next();
  const b = rng.next();
  X.push(
    outlier
      ? [rng.next() * 500, rng.next() * 0.02, rng.next() * 10, rng.next()]
      : [100 + 300 * a, 0.005 + 0.01 * b, 2 + 6 * a * b, 0.5 * (a + b)],
  );
  y.push(outlier ? -1 : 1);
}
const registry = new Registry();
const detector = () =>
  new AutoencoderOutlierDetector(
    {
      hiddenLayerSizes: [6, 2],
      epochs: 2,
      fineTuneEpochs: 20,
      batchSize: 20,
      learningRate: 0.01,
      contamination: 0.1,
      randomState: 0,
      backend: 'cpu',
    },
    { registry },
  );

describe('AutoencoderOutlierDetector in the toolbox', () => {
  it('after a MinMaxScaler in a Pipeline: predict, scoreSamples, decisionFunction, roc_auc; save → load', async () => {
    const pipe = new Pipeline([
      ['scale', new MinMaxScaler()],
      ['detect', detector()],
    ]);
    await pipe.fit(X);
    expect(typeof pipe.predictProba).toBe('undefined');
    const labels = (await pipe.predict(X)) as number[];
    expect(Math.abs(labels.filter((v) => v === -1).length / X.length - 0.1)).toBeLessThanOrEqual(0.01);
    const s = (await pipe.scoreSamples(X)) as number[];
    const d = (await pipe.decisionFunction(X)) as number[];
    const det = pipe.namedSteps.detect as AutoencoderOutlierDetector;
    expect(d[0]).toBeCloseTo(s[0]! - det.offset, 6);
    const aucScore = await getScorer('roc_auc')(pipe as never, X, y);
    expect(aucScore).toBeGreaterThan(0.9);
    const dir = join(tmp, 'pipe');
    await pipe.save(dir);
    const back = (await load(dir, { registry })) as Pipeline;
    expect(await back.decisionFunction(X)).toEqual(d);
    const alone = join(tmp, 'detector');
    await det.save(alone);
    const again = await load(alone, { registry });
    expect(again).toBeInstanceOf(AutoencoderOutlierDetector);
    expect(await (again as AutoencoderOutlierDetector).scoreSamples(X)).toEqual(await det.scoreSamples(X));
  }, 300_000);

  it('GridSearchCV with scoring roc_auc on labelled rows; nJobs 2 (workers) gives the nJobs 1 scores', async () => {
    const pipe = () =>
      new Pipeline([
        ['scale', new MinMaxScaler()],
        ['detect', detector()],
      ]);
    const grid = { detect__hiddenLayerSizes: [[6, 2], [3]] };
    const one = await new GridSearchCV(pipe(), grid, { cv: 2, scoring: 'roc_auc', nJobs: 1 }).fit(X, y);
    const two = await new GridSearchCV(pipe(), grid, { cv: 2, scoring: 'roc_auc', nJobs: 2 }).fit(X, y);
    expect(two.cvResults.meanTestScore).toEqual(one.cvResults.meanTestScore);
    expect(one.bestScore).toBeGreaterThan(0.85);
    expect(one.bestEstimator).toBeInstanceOf(Pipeline);
    // A VAE is loadable by kind too.
    const vae = new VariationalAutoencoder(
      { hiddenLayerSizes: [4], latentDim: 2, likelihood: 'gaussian', epochs: 2, randomState: 0 },
      { registry },
    );
    await vae.fit(X.map((r) => r.map((v) => v / 100)));
    await vae.save(join(tmp, 'vae'));
    expect(await load(join(tmp, 'vae'), { registry })).toBeInstanceOf(VariationalAutoencoder);
  }, 600_000);
});
