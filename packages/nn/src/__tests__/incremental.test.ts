// partialFit and warmStart (scikit-learn's partial_fit / warm_start) on MNIST digits, built on the one run.
import { Registry, ValidationError } from '@layerwise/core';
import * as tf from '@tensorflow/tfjs-core';
import { beforeAll, describe, expect, it } from 'vitest';
import { MLPClassifier, type MLPClassifierParams, MLPRegressor } from '../index.js';
import { parabola } from './data.js';
import { loadMnist, type Mnist, useWasm } from './helpers.js';

const registry = new Registry();
let train: Mnist;
let test: Mnist;
const base: Partial<MLPClassifierParams> = {
  hiddenLayerSizes: [64],
  batchSize: 100,
  learningRate: 0.002,
  randomState: 0,
};
const digits = Array.from({ length: 10 }, (_, i) => i);
const weights = (c: MLPClassifier) => c.layers.map((l) => l.read());
const chunk = (d: Mnist, i: number, size: number): Mnist => ({
  X: { data: d.X.data.subarray(i * size * 784, (i + 1) * size * 784), shape: [size, 784] },
  y: d.y.subarray(i * size, (i + 1) * size),
});

beforeAll(async () => {
  await useWasm();
  train = await loadMnist('train', 3000);
  test = await loadMnist('test', 1000);
});

describe('warmStart', () => {
  it('fit with warmStart continues weights, optimizer and generator: 2 + 2 epochs equal one 4-epoch fit, bit for bit', async () => {
    const ref = await new MLPClassifier({ ...base, epochs: 4, dropout: 0.1 }, { registry }).fit(
      train.X,
      train.y,
    );
    const warm = new MLPClassifier({ ...base, epochs: 2, dropout: 0.1, warmStart: true }, { registry });
    await warm.fit(train.X, train.y);
    const n = tf.memory().numTensors;
    await warm.fit(train.X, train.y);
    expect(tf.memory().numTensors).toBe(n);
    expect(weights(warm)).toEqual(weights(ref));
    expect(warm.lossCurve).toEqual(ref.lossCurve);
    expect(warm.nIter).toBe(4);
    // Without warmStart a second fit starts over.
    const cold = new MLPClassifier({ ...base, epochs: 2, dropout: 0.1 }, { registry });
    await cold.fit(train.X, train.y);
    const first = weights(cold);
    await cold.fit(train.X, train.y);
    expect(weights(cold)).toEqual(first);
    // Other features or classes are refused before anything changes.
    await expect(
      warm.fit(
        [
          [1, 2],
          [3, 4],
        ],
        [0, 1],
      ),
    ).rejects.toThrow(/X has 2 features but the fitted model takes 784/);
    const fewer = chunk(train, 0, 500);
    const ys = Array.from(fewer.y, (c) => (c === 9 ? 8 : c));
    await expect(warm.fit(fewer.X, ys)).rejects.toThrow(/warmStart needs the same targets/);
    expect(weights(warm)).toEqual(weights(ref));
    for (const c of [ref, warm, cold]) c.dispose();
  });
});

describe('partialFit', () => {
  it('5 chunks × 3 rounds of partialFit come within 2 points of fit with 3 epochs', async () => {
    const full = await new MLPClassifier({ ...base, epochs: 3 }, { registry }).fit(train.X, train.y);
    // epochs is for fit; each partialFit call is one pass.
    const clf = new MLPClassifier({ ...base, epochs: 3 }, { registry });
    const n = tf.memory().numTensors;
    for (let round = 0; round < 3; round++) {
      for (let i = 0; i < 5; i++) {
        const c = chunk(train, i, 600);
        await clf.partialFit(c.X, c.y, round === 0 && i === 0 ? { classes: digits } : {});
      }
    }
    expect(tf.memory().numTensors).toBe(n + 4);
    const [a, b] = [await full.score(test.X, test.y), await clf.score(test.X, test.y)];
    console.log(
      `test accuracy: fit 3 epochs ${a.toFixed(4)}, 15 partialFit passes over 600-digit chunks ${b.toFixed(4)}`,
    );
    expect(b).toBeGreaterThan(a - 0.02);
    expect(clf.nIter).toBe(15);
    expect(clf.history!.epochs.map((e) => e.epoch)).toEqual(Array.from({ length: 15 }, (_, i) => i + 1));
    expect(clf.classes).toEqual(digits);
    // fit after partialFit starts over.
    const again = await new MLPClassifier({ ...base, epochs: 3 }, { registry }).fit(train.X, train.y);
    await clf.fit(train.X, train.y);
    expect(clf.nIter).toBe(3);
    expect(weights(clf)).toEqual(weights(again));
    for (const c of [full, clf, again]) c.dispose();
  });

  it('classes: required first, fixed later; bad calls change nothing', async () => {
    const c0 = chunk(train, 0, 300);
    const clf = new MLPClassifier(base, { registry });
    await expect(clf.partialFit(c0.X, c0.y)).rejects.toThrow(/the first call needs every class label/);
    await expect(clf.partialFit(c0.X, c0.y, { classes: [0, 1, 2] })).rejects.toThrow(
      /MLPClassifier.partialFit: y\[\d+\] is \d, not one of the classes/,
    );
    await expect(clf.partialFit(c0.X, c0.y, { classes: [1, 1] })).rejects.toThrow(ValidationError);
    expect(clf.isFitted).toBe(false);
    await clf.partialFit(c0.X, c0.y, { classes: [...digits].reverse() });
    expect(clf.classes).toEqual(digits);
    const w = weights(clf);
    const n = tf.memory().numTensors;
    await expect(
      clf.partialFit(
        c0.X,
        Array.from(c0.y, (c) => (c === 3 ? 11 : c)),
      ),
    ).rejects.toThrow(/cannot add classes/);
    await expect(clf.partialFit(c0.X, c0.y, { classes: [0, 1] })).rejects.toThrow(
      /differ from the fitted ones/,
    );
    await expect(clf.partialFit(c0.X, c0.y, { validationData: [] } as never)).rejects.toThrow(
      /unknown option/,
    );
    expect(tf.memory().numTensors).toBe(n);
    expect(weights(clf)).toEqual(w);
    await clf.partialFit(c0.X, c0.y, { classes: digits });
    expect(clf.nIter).toBe(2);
    clf.dispose();
  });

  it('MLPRegressor.partialFit continues learning y = 2x² − 1', async () => {
    const { X, y } = parabola(400);
    const reg = new MLPRegressor(
      { hiddenLayerSizes: [32], activation: 'tanh', batchSize: 40, learningRate: 0.01, randomState: 1 },
      { registry },
    );
    for (let i = 0; i < 30; i++) await reg.partialFit(X, y);
    expect(reg.nIter).toBe(30);
    expect(reg.lossCurve[29]!).toBeLessThan(reg.lossCurve[0]! / 3);
    expect(await reg.score(X, y)).toBeGreaterThan(0.8);
    await expect(reg.partialFit(X, y, { classes: [0, 1] } as never)).rejects.toThrow(
      /unknown option "classes"/,
    );
    reg.dispose();
  });
});
