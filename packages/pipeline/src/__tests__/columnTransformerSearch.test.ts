// A Pipeline(ColumnTransformer, MLPClassifier) in GridSearchCV with nJobs 2: the ColumnTransformer is
// rebuilt in the worker threads (its estimator kind encodes its entries) and nested 'prep__num__withMean'
// params reach its StandardScaler; the scores equal nJobs 1's (issue 26).
import { createRequire } from 'node:module';
import { dirname, join } from 'node:path';
import { wasmBackend } from '@layerwise/backend-wasm';
import { Registry } from '@layerwise/core';
import { loadCsvTable } from '@layerwise/datasets';
import { GridSearchCV } from '@layerwise/model-selection';
import { MLPClassifier } from '@layerwise/nn';
import { OneHotEncoder, StandardScaler } from '@layerwise/preprocessing';
import { afterEach, beforeAll, describe, expect, it, vi } from 'vitest';
import { ColumnTransformer, Pipeline } from '../index.js';
import { useWasm } from './helpers.js';

const require = createRequire(import.meta.url);
const CSV = join(dirname(require.resolve('vega-datasets')), '..', 'data', 'weather.csv');
const registry = new Registry().use(wasmBackend());
let X: number[][];
let y: string[];

beforeAll(async () => {
  await useWasm();
  const { table, y: labels } = await loadCsvTable(CSV, { labelColumn: 'weather' });
  // 600 days as a plain number[][]: the four numbers, then the city as a code (0 Seattle, 1 New York).
  const rows = Array.from({ length: 600 }, (_, k) => 4 * k);
  const num = ['precipitation', 'temp_max', 'temp_min', 'wind'].map((n) => table[n] as Float64Array);
  const loc = table.location as string[];
  X = rows.map((r) => [...num.map((c) => c[r]!), loc[r] === 'Seattle' ? 0 : 1]);
  y = rows.map((r) => (labels as string[])[r]!);
});
afterEach(() => {
  vi.restoreAllMocks();
});

const pipe = () =>
  new Pipeline([
    [
      'prep',
      new ColumnTransformer([
        ['num', new StandardScaler(), [0, 1, 2, 3]],
        ['loc', new OneHotEncoder(), [4]],
      ]),
    ],
    [
      'clf',
      new MLPClassifier(
        { hiddenLayerSizes: [16], epochs: 5, batchSize: 50, learningRate: 1e-2, randomState: 0 },
        { registry },
      ),
    ],
  ]);

describe('GridSearchCV over Pipeline(ColumnTransformer, MLPClassifier)', () => {
  it('nJobs 2 rebuilds the ColumnTransformer in workers and scores as nJobs 1', async () => {
    const grid = { prep__num__withMean: [true, false] };
    const opts = { cv: 2, scoring: 'accuracy' };
    const one = await new GridSearchCV(pipe(), grid, { ...opts, nJobs: 1 }).fit(X, y);
    const warn = vi.spyOn(console, 'warn');
    const two = await new GridSearchCV(pipe(), grid, { ...opts, nJobs: 2 }).fit(X, y);
    expect(warn).not.toHaveBeenCalled();
    expect(two.cvResults.meanTestScore).toEqual(one.cvResults.meanTestScore);
    for (const s of one.cvResults.meanTestScore) expect(s).toBeGreaterThan(0.5);
    const best = one.bestEstimator as Pipeline;
    expect((best.namedSteps.prep as ColumnTransformer).getFeatureNamesOut()).toEqual([
      'num__x0',
      'num__x1',
      'num__x2',
      'num__x3',
      'loc__x4_0',
      'loc__x4_1',
    ]);
  });
});
