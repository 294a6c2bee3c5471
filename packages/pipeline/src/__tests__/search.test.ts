// Model selection over a Pipeline: GridSearchCV clones it, sets 'step__param' names, and with nJobs 2
// rebuilds it in worker threads through Pipeline.workerKind and the transformers' workerKind.
import { wasmBackend } from '@layerwise/backend-wasm';
import { Registry } from '@layerwise/core';
import { GridSearchCV } from '@layerwise/model-selection';
import { MLPClassifier } from '@layerwise/nn';
import { StandardScaler } from '@layerwise/preprocessing';
import { afterEach, beforeAll, describe, expect, it, vi } from 'vitest';
import { Pipeline } from '../index.js';
import { loadMnist, type Mnist, useWasm } from './helpers.js';

const registry = new Registry().use(wasmBackend());
let data: Mnist;
const pipe = () =>
  new Pipeline([
    ['scale', new StandardScaler()],
    [
      'clf',
      new MLPClassifier(
        { hiddenLayerSizes: [16], epochs: 4, batchSize: 50, learningRate: 1e-2, randomState: 0 },
        { registry },
      ),
    ],
  ]);

beforeAll(async () => {
  await useWasm();
  data = await loadMnist('train', 400);
});
afterEach(() => {
  vi.restoreAllMocks();
});

describe('GridSearchCV over Pipeline(StandardScaler, MLPClassifier) on 400 MNIST digits', () => {
  it('nested params in the grid; nJobs 2 (workers) gives the scores of nJobs 1', async () => {
    const grid = { clf__hiddenLayerSizes: [[8], [16]], scale__withStd: [true, false] };
    const opts = { cv: 2, scoring: 'accuracy' };
    const one = await new GridSearchCV(pipe(), grid, { ...opts, nJobs: 1 }).fit(data.X, data.y);
    const warn = vi.spyOn(console, 'warn');
    const two = await new GridSearchCV(pipe(), grid, { ...opts, nJobs: 2 }).fit(data.X, data.y);
    // No "runs in the main thread" warning: the pipeline was rebuilt in the workers.
    expect(warn).not.toHaveBeenCalled();
    expect(two.cvResults.meanTestScore).toEqual(one.cvResults.meanTestScore);
    expect(two.bestParams).toEqual(one.bestParams);
    console.log(
      `GridSearchCV over a pipeline: meanTestScore ${one.cvResults.meanTestScore.map((s: number) => s.toFixed(3)).join(', ')}; best ${JSON.stringify(one.bestParams)}`,
    );
    for (const s of one.cvResults.meanTestScore) expect(s).toBeGreaterThan(0.5);
    const best = one.bestEstimator as Pipeline;
    expect(best).toBeInstanceOf(Pipeline);
    expect(best.isFitted).toBe(true);
    expect(best.getParams().clf__hiddenLayerSizes).toEqual(one.bestParams.clf__hiddenLayerSizes);
  });
});
