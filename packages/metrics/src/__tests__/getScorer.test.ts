import { cpuBackend } from '@layerwise/backend-cpu';
import { Registry, ValidationError } from '@layerwise/core';
import { loadMnist } from '@layerwise/datasets';
import { MLPClassifier, MLPRegressor } from '@layerwise/nn';
import * as tf from '@tensorflow/tfjs-core';
import { beforeAll, describe, expect, it } from 'vitest';
import {
  accuracyScore,
  f1Score,
  getScorer,
  logLoss,
  meanSquaredError,
  r2Score,
  rocAucScore,
  SCORING_NAMES,
} from '../index.js';

const registry = new Registry().use(cpuBackend());
let clf: MLPClassifier;
let Xte: { data: Float32Array; shape: [number, number] };
let yte: Int32Array;

beforeAll(async () => {
  const train = await loadMnist({ limit: 600 });
  const test = await loadMnist({ subset: 'test', limit: 300 });
  Xte = test.X;
  yte = test.y;
  clf = new MLPClassifier({ hiddenLayerSizes: [32], epochs: 4, batchSize: 64, randomState: 0 }, { registry });
  await clf.fit(train.X, train.y);
});

describe('getScorer on a fitted MNIST classifier', () => {
  it("label scorers use predict; 'accuracy' equals the estimator's own score", async () => {
    const pred = (await clf.predict(Xte)) as Int32Array;
    const acc = await getScorer('accuracy')(clf, Xte, yte);
    expect(acc).toBe(await clf.score(Xte, yte));
    expect(acc).toBeGreaterThan(0.6);
    expect(acc).toBe(accuracyScore(yte, pred));
    expect(await getScorer('f1_macro')(clf, Xte, yte)).toBe(f1Score(yte, pred, { average: 'macro' }));
    expect(await getScorer('f1_weighted')(clf, Xte, yte)).toBe(f1Score(yte, pred, { average: 'weighted' }));
  });

  it("'neg_log_loss' and 'roc_auc_ovr' use predictProba with the estimator's classes", async () => {
    const proba = await clf.predictProba(Xte);
    const nll = await getScorer('neg_log_loss')(clf, Xte, yte);
    expect(nll).toBeLessThan(0);
    expect(nll).toBe(-logLoss(yte, proba, { labels: [...clf.classes] }));
    const auc = await getScorer('roc_auc_ovr')(clf, Xte, yte);
    expect(auc).toBeGreaterThan(0.9);
    expect(auc).toBe(rocAucScore(yte, proba, { multiClass: 'ovr', labels: [...clf.classes] }));
  });

  it('tensor inputs: the scorer disposes the predictions it reads', async () => {
    const X = tf.tensor2d(Xte.data, Xte.shape);
    const y = tf.tensor1d(Array.from(yte));
    const before = tf.memory().numTensors;
    const acc = await getScorer('accuracy')(clf, X, y);
    await getScorer('neg_log_loss')(clf, X, y);
    expect(tf.memory().numTensors).toBe(before);
    expect(acc).toBe(await getScorer('accuracy')(clf, Xte, yte));
    X.dispose();
    y.dispose();
  });

  it("binary 'roc_auc' and 'f1' on two digits", async () => {
    const train = await loadMnist({ limit: 600 });
    const keep = (y: Int32Array) => Array.from(y.keys()).filter((i) => y[i] === 3 || y[i] === 8);
    const pick = (X: { data: Float32Array; shape: [number, number] }, idx: number[]) => ({
      data: Float32Array.from(idx.flatMap((i) => Array.from(X.data.subarray(i * 784, (i + 1) * 784)))),
      shape: [idx.length, 784] as [number, number],
    });
    const tr = keep(train.y);
    const te = keep(yte);
    const yb = (y: Int32Array, idx: number[]) => idx.map((i) => (y[i] === 8 ? 1 : 0));
    const bin = new MLPClassifier({ hiddenLayerSizes: [16], epochs: 20, randomState: 1 }, { registry });
    await bin.fit(pick(train.X, tr), yb(train.y, tr));
    const auc = await getScorer('roc_auc')(bin, pick(Xte, te), yb(yte, te));
    expect(auc).toBeGreaterThan(0.9);
    const f1 = await getScorer('f1')(bin, pick(Xte, te), yb(yte, te));
    expect(f1).toBeGreaterThan(0.7);
  });
});

describe('regression scorers', () => {
  it("'r2', 'neg_mean_squared_error' on y = 2x² − 1", async () => {
    const X = Array.from({ length: 200 }, (_, i) => [i / 100 - 1]);
    const y = X.map(([x]) => 2 * x! * x! - 1);
    const reg = new MLPRegressor({ hiddenLayerSizes: [16], epochs: 60, randomState: 0 }, { registry });
    await reg.fit(X, y);
    const pred = (await reg.predict(X)) as number[];
    expect(await getScorer('r2')(reg, X, y)).toBe(r2Score(y, pred));
    expect(await getScorer('neg_mean_squared_error')(reg, X, y)).toBe(-meanSquaredError(y, pred));
    expect(await getScorer('neg_root_mean_squared_error')(reg, X, y)).toBeCloseTo(
      -Math.sqrt(meanSquaredError(y, pred)),
      12,
    );
  });
});

describe('scoring names', () => {
  it("knows scikit-learn's names", () => {
    for (const n of [
      'accuracy',
      'balanced_accuracy',
      'f1',
      'f1_macro',
      'f1_micro',
      'f1_weighted',
      'precision_macro',
      'recall_macro',
      'neg_log_loss',
      'roc_auc',
      'roc_auc_ovr',
      'neg_mean_squared_error',
      'neg_mean_absolute_error',
      'r2',
    ])
      expect(SCORING_NAMES).toContain(n);
    expect(getScorer('r2').scoringName).toBe('r2');
  });

  it('an unknown name is a ValidationError naming the nearest valid ones', () => {
    expect(() => getScorer('f1macro')).toThrow(ValidationError);
    expect(() => getScorer('f1macro')).toThrow(/did you mean 'f1_macro'/);
    expect(() => getScorer('neg_mse')).toThrow(/Valid names: accuracy/);
  });

  it('a function is its own scorer; a predictProba scorer on a regressor is a ValidationError', async () => {
    const f = async () => 1;
    expect(getScorer(f)).toBe(f);
    const reg = new MLPRegressor({ hiddenLayerSizes: [2], epochs: 1, randomState: 0 }, { registry });
    await reg.fit([[0], [1]], [0, 1]);
    await expect(getScorer('neg_log_loss')(reg as never, [[0]], [0])).rejects.toThrow(/needs predictProba/);
  });

  it("'roc_auc' ranks an outlier detector (no predictProba) by decisionFunction; other probability scorers refuse it", async () => {
    const detector = {
      predict: async (X: number[][]) => X.map((r) => (r[0]! > 0 ? 1 : -1)),
      decisionFunction: async (X: number[][]) => X.map((r) => r[0]!),
    };
    const X = [[0.9], [0.5], [-0.2], [0.1], [-0.8]];
    // 1 = inlier, −1 = outlier; in the second labelling the inlier scored −0.2 ranks below the outlier 0.5.
    expect(await getScorer('roc_auc')(detector as never, X, [1, 1, -1, 1, -1])).toBe(1);
    expect(await getScorer('roc_auc')(detector as never, X, [1, -1, 1, 1, -1])).toBeCloseTo(4 / 6, 10);
    await expect(getScorer('neg_log_loss')(detector as never, X, [1, 1, -1, 1, -1])).rejects.toThrow(
      ValidationError,
    );
  });
});
