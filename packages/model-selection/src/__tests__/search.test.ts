import { availableParallelism } from 'node:os';
import { StackedAutoencoder } from '@layerwise/autoencoder';
import { cpuBackend } from '@layerwise/backend-cpu';
import { NotFittedError, Registry, ValidationError } from '@layerwise/core';
import { loadMnist } from '@layerwise/datasets';
import { MLPClassifier, MLPRegressor } from '@layerwise/nn';
import * as tf from '@tensorflow/tfjs-core';
import { afterEach, beforeAll, describe, expect, it, vi } from 'vitest';
import {
  crossValidate,
  crossValScore,
  GridSearchCV,
  KFold,
  logUniform,
  RandomizedSearchCV,
  StratifiedKFold,
  trainTestSplit,
} from '../index.js';
import { workerCount } from '../pool.js';

const registry = new Registry().use(cpuBackend());
let X: { data: Float32Array; shape: [number, number] };
let y: Int32Array;
const mlp = (p: object = {}) =>
  new MLPClassifier(
    { hiddenLayerSizes: [16], epochs: 4, batchSize: 50, learningRate: 1e-2, randomState: 0, ...p },
    { registry },
  );

beforeAll(async () => {
  await registry.activateBackend('cpu');
  const d = await loadMnist({ limit: 300 });
  X = d.X;
  y = d.y;
});

afterEach(() => {
  vi.restoreAllMocks();
});

describe('crossValidate / crossValScore on 300 MNIST digits', () => {
  it('scores every fold, times it, and repeats exactly with the same seeds', async () => {
    const r = await crossValidate(mlp(), X, y, { cv: 3, scoring: 'accuracy', returnTrainScore: true });
    expect(r.testScore).toHaveLength(3);
    for (const s of r.testScore) expect(s).toBeGreaterThan(0.5);
    for (const [i, s] of r.trainScore!.entries()) expect(s).toBeGreaterThanOrEqual(r.testScore[i]! - 0.05);
    for (const t of [...r.fitTime, ...r.scoreTime]) expect(t).toBeGreaterThan(0);
    expect(await crossValScore(mlp(), X, y, { cv: 3, scoring: 'accuracy' })).toEqual(r.testScore);
    // Without scoring the estimator's own score (accuracy); an integer cv stratifies for classifiers.
    expect(await crossValScore(mlp(), X, y, { cv: new StratifiedKFold({ nSplits: 3 }) })).toEqual(
      r.testScore,
    );
  });

  it('takes a table (a columns object of named pixels): the same scores as on { data, shape }; trainTestSplit keeps the names', async () => {
    const [n, d] = X.shape;
    const names = Array.from({ length: d }, (_, j) => `px${j}`);
    const table = Object.fromEntries(
      names.map((name, j) => [name, Float32Array.from({ length: n }, (_, r) => X.data[r * d + j]!)]),
    );
    const a = await crossValidate(mlp(), X, y, { cv: 2, returnEstimator: true });
    const b = await crossValidate(mlp(), table, y, { cv: 2, returnEstimator: true });
    expect(b.testScore).toEqual(a.testScore);
    expect((b.estimator![0] as unknown as { featureNamesIn: string[] }).featureNamesIn).toEqual(names);
    const [tr, te, ytr] = trainTestSplit(table, y, { testSize: 0.25, randomState: 0 });
    const [xtr] = trainTestSplit(X, y, { testSize: 0.25, randomState: 0 });
    expect(Object.keys(tr as object)).toEqual(names);
    expect((ytr as Int32Array).length).toBe(225);
    expect(((te as Record<string, Float32Array>).px400 as Float32Array).length).toBe(75);
    expect(Array.from((tr as Record<string, Float32Array>).px400!.subarray(0, 20))).toEqual(
      Array.from({ length: 20 }, (_, r) => (xtr as { data: Float32Array }).data[r * d + 400]),
    );
  });

  it('returnEstimator gives the fitted fold models; tensor inputs leak nothing', async () => {
    const Xt = tf.tensor2d(X.data, X.shape);
    const yt = tf.tensor1d(Array.from(y));
    const before = tf.memory().numTensors;
    const r = await crossValidate(mlp(), Xt, yt, { cv: 2, returnEstimator: true });
    expect(r.estimator).toHaveLength(2);
    for (const e of r.estimator!) expect(e.isFitted).toBe(true);
    const fitted = r.estimator!.reduce((n, e) => n + e.layers.length * 2, 0);
    expect(tf.memory().numTensors).toBe(before + fitted);
    // From workers the fitted models come back through the safe model format (a temporary directory).
    const w = await crossValidate(mlp(), X, y, { cv: 2, returnEstimator: true, nJobs: 2 });
    expect(w.testScore).toEqual(r.testScore);
    for (const [i, e] of w.estimator!.entries()) {
      expect(e).toBeInstanceOf(MLPClassifier);
      expect(Array.from((await e.predict(X)) as Int32Array)).toEqual(await r.estimator![i]!.predict(X));
    }
    Xt.dispose();
    yt.dispose();
  });

  it('fold rows: each kept estimator keeps its own (returnEstimator); otherwise a search reuses a few buffers', async () => {
    /** 1-nearest-neighbour on the rows it was fitted on: it keeps X itself, as kNN models do. */
    class Memorizer {
      X: { data: Float32Array; shape: [number, number] } | null = null;
      y: Int32Array | null = null;
      seen: Float32Array[] = [];
      getParams() {
        return {};
      }
      setParams() {
        return this;
      }
      clone() {
        const c = new Memorizer();
        c.seen = this.seen; // shared by the clones: which buffers the fits got
        return c;
      }
      async fit(X: { data: Float32Array; shape: [number, number] }, y: Int32Array) {
        this.X = X;
        this.y = y;
        this.seen.push(X.data);
        return this;
      }
      async predict(Q: { data: Float32Array; shape: [number, number] }) {
        const [n, d] = Q.shape;
        const { data, shape } = this.X!;
        return Int32Array.from({ length: n }, (_, i) => {
          let best = 0;
          let bestD = Number.POSITIVE_INFINITY;
          for (let r = 0; r < shape[0]; r++) {
            let s = 0;
            for (let j = 0; j < d; j++) s += (data[r * d + j]! - Q.data[i * d + j]!) ** 2;
            if (s < bestD) [best, bestD] = [r, s];
          }
          return this.y![best]!;
        });
      }
    }
    const m = new Memorizer();
    const kept = await crossValidate(m, X, y, { cv: 3, returnEstimator: true, scoring: 'accuracy' });
    const n = X.shape[0];
    for (const [k, e] of (kept.estimator as unknown as Memorizer[]).entries()) {
      // KFold without shuffling: fold k tests rows [k·n/3, (k+1)·n/3); its first training row is row 0 or n/3.
      const first = k === 0 ? n / 3 : 0;
      expect(Array.from(e.X!.data.subarray(0, 784))).toEqual(
        Array.from(X.data.subarray(first * 784, (first + 1) * 784)),
      );
    }
    expect(new Set(m.seen).size).toBe(3);
    // Not kept: the folds' rows go through the same two buffers (train, test sizes), and score the same.
    m.seen = [];
    const scored = await crossValidate(m, X, y, { cv: 3, scoring: 'accuracy' });
    expect(scored.testScore).toEqual(kept.testScore);
    expect(new Set(m.seen).size).toBe(1);
    expect(kept.testScore[0]).toBeGreaterThan(0.7);
  });

  it('nJobs -1 means every core (capped by the task count)', () => {
    expect(workerCount(-1, 100)).toBe(availableParallelism());
    expect(workerCount(-1, 1)).toBe(1);
    expect(workerCount(2, 100)).toBe(2);
  });
});

describe('GridSearchCV', () => {
  const grid = { hiddenLayerSizes: [[8], [24]], learningRate: [3e-3, 1e-2] };
  let one: GridSearchCV<MLPClassifier>;
  let two: GridSearchCV<MLPClassifier>;
  let warned: number;

  beforeAll(async () => {
    const opts = { cv: 2, scoring: 'accuracy', returnTrainScore: true } as const;
    one = await new GridSearchCV(mlp(), grid, { ...opts, nJobs: 1 }).fit(X, y);
    const warn = vi.spyOn(console, 'warn');
    two = await new GridSearchCV(mlp(), grid, { ...opts, nJobs: 2 }).fit(X, y);
    warned = warn.mock.calls.length;
  });

  it('nJobs 2 (worker threads) gives cvResults scores identical to nJobs 1', () => {
    expect(warned).toBe(0);
    for (const col of [
      'split0TestScore',
      'split1TestScore',
      'meanTestScore',
      'stdTestScore',
      'rankTestScore',
      'split0TrainScore',
    ]) {
      expect(two.cvResults[col]).toEqual(one.cvResults[col]);
    }
    expect(two.bestParams).toEqual(one.bestParams);
    expect(two.bestScore).toBe(one.bestScore);
    expect(one.cvResults.meanTestScore.every((s) => s > 0.3)).toBe(true);
    expect(one.bestScore).toBeGreaterThan(0.6);
  });

  it("cvResults has scikit-learn's columns in ParameterGrid order; best* and delegation work", async () => {
    const s = one;
    const r = s.cvResults;
    expect(r.params).toEqual([
      { hiddenLayerSizes: [8], learningRate: 3e-3 },
      { hiddenLayerSizes: [8], learningRate: 1e-2 },
      { hiddenLayerSizes: [24], learningRate: 3e-3 },
      { hiddenLayerSizes: [24], learningRate: 1e-2 },
    ]);
    expect(r.paramHiddenLayerSizes).toEqual([[8], [8], [24], [24]]);
    expect(r.paramLearningRate).toEqual([3e-3, 1e-2, 3e-3, 1e-2]);
    for (const c of [
      'meanFitTime',
      'stdFitTime',
      'meanScoreTime',
      'stdScoreTime',
      'split0TrainScore',
      'meanTrainScore',
    ])
      expect(r[c]).toHaveLength(4);
    const m = r.meanTestScore;
    expect(m[s.bestIndex]).toBe(Math.max(...m));
    expect(r.rankTestScore[s.bestIndex]).toBe(1);
    expect(s.bestScore).toBe(Math.max(...m));
    expect(s.bestParams).toEqual(r.params[s.bestIndex]);
    expect(s.bestEstimator.getParams().hiddenLayerSizes).toEqual(s.bestParams.hiddenLayerSizes);
    const test = await loadMnist({ subset: 'test', limit: 200 });
    const acc = await s.score(test.X, test.y);
    expect(acc).toBe(await s.bestEstimator.score(test.X, test.y));
    expect(acc).toBeGreaterThan(0.5);
    expect(await s.predict(test.X)).toEqual(await s.bestEstimator.predict(test.X));
  });

  it('a custom forward cannot go to a worker: one warning, then the same results in this thread', async () => {
    const forward = (
      x: tf.Tensor2D,
      layers: readonly { apply(h: tf.Tensor2D): tf.Tensor2D; affine(h: tf.Tensor2D): tf.Tensor2D }[],
    ) => layers[1]!.affine(layers[0]!.apply(x));
    const est = () => mlp({ forward });
    const g = { learningRate: [1e-2] };
    const warn = vi.spyOn(console, 'warn').mockImplementation(() => {});
    const two = await new GridSearchCV(est(), g, { cv: 2, nJobs: 2, refit: false }).fit(X, y);
    expect(warn).toHaveBeenCalledTimes(1);
    expect(String(warn.mock.calls[0]![0])).toMatch(/param forward holds a function/);
    const one = await new GridSearchCV(est(), g, { cv: 2, refit: false }).fit(X, y);
    expect(two.cvResults.meanTestScore).toEqual(one.cvResults.meanTestScore);
  });

  it('refit: false keeps no bestEstimator; before fit → NotFittedError', async () => {
    const s = new GridSearchCV(mlp(), { learningRate: [1e-3] }, { cv: 2, refit: false });
    expect(() => s.bestParams).toThrow(NotFittedError);
    await s.fit(X, y);
    expect(s.bestParams).toEqual({ learningRate: 1e-3 });
    expect(() => s.bestEstimator).toThrow(/refit: false/);
  });
});

describe('a pretrained classifier (MLPClassifier.fromEncoder)', () => {
  it('cross-validates from the encoder weights: nJobs 2 = nJobs 1 = a plain fit of the same classifier', async () => {
    const ae = new StackedAutoencoder({ hiddenLayerSizes: [16], epochs: 1, randomState: 0 }, { registry });
    await ae.fit(X);
    const clf = () => MLPClassifier.fromEncoder(ae, { epochs: 2, learningRate: 1e-2, randomState: 0 });
    const cv = new KFold({ nSplits: 2, shuffle: true, randomState: 1 });
    const one = await crossValidate(clf(), X, y, { cv, scoring: 'accuracy' });
    const two = await crossValidate(clf(), X, y, { cv, scoring: 'accuracy', nJobs: 2 });
    expect(two.testScore).toEqual(one.testScore);
    const [[train, test]] = [...cv.split(X)] as [[Int32Array, Int32Array]];
    const rows = (idx: Int32Array) => ({
      data: Float32Array.from(
        Array.from(idx).flatMap((i) => Array.from(X.data.subarray(i * 784, (i + 1) * 784))),
      ),
      shape: [idx.length, 784] as [number, number],
    });
    const plain = clf();
    await plain.fit(
      rows(train),
      Int32Array.from(train, (i) => y[i]!),
    );
    expect(
      await plain.score(
        rows(test),
        Int32Array.from(test, (i) => y[i]!),
      ),
    ).toBe(one.testScore[0]);
    // The encoder matters: the same network from a random start scores differently.
    const scratch = await crossValScore(
      new MLPClassifier(
        { hiddenLayerSizes: [16], epochs: 2, learningRate: 1e-2, randomState: 0 },
        { registry },
      ),
      X,
      y,
      { cv, scoring: 'accuracy' },
    );
    expect(scratch).not.toEqual(one.testScore);
  });
});

describe('RandomizedSearchCV', () => {
  it('samples nIter candidates from distributions with a seed; nJobs 2 equals nJobs 1', async () => {
    const dist = { learningRate: logUniform(1e-4, 3e-2), hiddenLayerSizes: [[8], [16]] };
    const make = (nJobs: number) =>
      new RandomizedSearchCV(mlp({ epochs: 2 }), dist, { nIter: 2, cv: 2, randomState: 5, nJobs }).fit(X, y);
    const one = await make(1);
    const two = await make(2);
    expect(one.cvResults.params).toHaveLength(2);
    expect(two.cvResults.params).toEqual(one.cvResults.params);
    expect(two.cvResults.split0TestScore).toEqual(one.cvResults.split0TestScore);
    expect(two.cvResults.split1TestScore).toEqual(one.cvResults.split1TestScore);
    for (const p of one.cvResults.params) {
      expect(p.learningRate as number).toBeGreaterThanOrEqual(1e-4);
      expect(p.learningRate as number).toBeLessThan(3e-2);
    }
  });
});

describe('regression: KFold, neg_mean_squared_error', () => {
  it('grid search over an MLPRegressor on y = 2x² − 1 in workers equals the main thread', async () => {
    const Xr = Array.from({ length: 120 }, (_, i) => [i / 60 - 1]);
    const yr = Xr.map(([x]) => 2 * x! * x! - 1);
    const reg = new MLPRegressor({ hiddenLayerSizes: [8], epochs: 20, randomState: 0 }, { registry });
    const opts = {
      cv: new KFold({ nSplits: 3, shuffle: true, randomState: 0 }),
      scoring: 'neg_mean_squared_error',
    };
    const one = await new GridSearchCV(reg, { learningRate: [1e-2, 3e-2] }, opts).fit(Xr, yr);
    const two = await new GridSearchCV(reg, { learningRate: [1e-2, 3e-2] }, { ...opts, nJobs: 2 }).fit(
      Xr,
      yr,
    );
    expect(two.cvResults.meanTestScore).toEqual(one.cvResults.meanTestScore);
    expect(one.bestScore).toBeLessThan(0);
  });
});

describe('bad input: named errors before anything is fitted, no leaked tensor', () => {
  const few = Int32Array.from({ length: 300 }, (_, i) => (i < 2 ? 1 : 0));
  it.each([
    ['an unknown param name', () => new GridSearchCV(mlp(), { hiddenSizes: [[8]] }).fit(X, y), /hiddenSizes/],
    [
      'a grid value that is not an array',
      () => new GridSearchCV(mlp(), { epochs: 3 as never }),
      /non-empty array/,
    ],
    ['a bad param value', () => new GridSearchCV(mlp(), { epochs: [0] }).fit(X, y), /epochs/],
    [
      'cv above the smallest class count',
      () => new GridSearchCV(mlp(), { epochs: [1] }, { cv: 3 }).fit(X, few),
      /least populated class \(2\)/,
    ],
    [
      'an unknown scoring',
      () => new GridSearchCV(mlp(), { epochs: [1] }, { scoring: 'acurracy' }),
      /did you mean 'accuracy'/,
    ],
    ['nJobs 0', () => crossValidate(mlp(), X, y, { nJobs: 0 }), /nJobs/],
    ['y of another length', () => crossValScore(mlp(), X, [1, 2, 3]), /300 samples but y has 3/],
    [
      'an unknown option',
      () => crossValidate(mlp(), X, y, { n_jobs: 2 } as never),
      /unknown option 'n_jobs'/,
    ],
    ['not an estimator', () => crossValScore({} as never, X, y), /getParams/],
  ])('%s', async (_n, call, msg) => {
    const before = tf.memory().numTensors;
    const run = async () => call();
    await expect(run()).rejects.toThrow(ValidationError);
    await expect(run()).rejects.toThrow(msg);
    expect(tf.memory().numTensors).toBe(before);
  });

  it('an error inside a worker comes back as the same named error', async () => {
    const bad = { data: X.data.slice(), shape: X.shape };
    bad.data[5] = Number.NaN;
    await expect(
      new GridSearchCV(mlp(), { epochs: [1, 2] }, { cv: 2, nJobs: 2 }).fit(bad, y),
    ).rejects.toThrow(ValidationError);
  });
});
