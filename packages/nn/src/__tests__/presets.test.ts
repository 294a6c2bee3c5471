// semiSupervisedFineTuning: the classifier side of the recipe that makes pretraining pay (issue 16).
import { Registry, ValidationError } from '@layerwise/core';
import * as tf from '@tensorflow/tfjs-core';
import { beforeAll, describe, expect, it } from 'vitest';
import { MLPClassifier, semiSupervisedFineTuning } from '../index.js';
import { loadMnist, type Mnist, useWasm } from './helpers.js';

const registry = new Registry();
let train: Mnist;
let test: Mnist;

beforeAll(async () => {
  await useWasm();
  train = await loadMnist('train', 500);
  test = await loadMnist('test', 500);
});

describe('semiSupervisedFineTuning', () => {
  it('gives lr 2e-3, batch 32, dropout 0.2, the encoder frozen for a quarter of the epochs and a cosine schedule; trains MNIST above chance', async () => {
    const { freezeEncoder, ...p } = semiSupervisedFineTuning(4);
    expect({ ...p, freezeEncoder, callbacks: p.callbacks.length }).toEqual({
      epochs: 4,
      learningRate: 2e-3,
      batchSize: 32,
      dropout: 0.2,
      freezeEncoder: 1,
      callbacks: 1,
    });
    expect([200, 20, 10, 3].map((e) => semiSupervisedFineTuning(e).freezeEncoder)).toEqual([50, 5, 3, 1]);
    // freezeEncoder needs an encoder: without one (random init) it is a named error, so leave it out.
    await expect(
      (async () =>
        new MLPClassifier({ hiddenLayerSizes: [32], ...semiSupervisedFineTuning(4) }).fit(
          train.X,
          train.y,
        ))(),
    ).rejects.toThrow(/freezeEncoder needs a pretrained encoder/);
    expect(semiSupervisedFineTuning(4).callbacks[0]).not.toBe(p.callbacks[0]); // fresh callbacks per call
    const before = tf.memory().numTensors;
    const clf = new MLPClassifier({ hiddenLayerSizes: [32], ...p, randomState: 0 }, { registry });
    await clf.fit(train.X, train.y);
    const lr = clf.history!.epochs.map((e) => e.lr!);
    expect(lr[0]).toBeCloseTo(2e-3, 10);
    expect(lr[2]).toBeCloseTo(2e-3 * 0.5 * (1 + Math.cos(Math.PI / 2)), 10);
    expect(lr[1]! > lr[2]! && lr[2]! > lr[3]!).toBe(true);
    expect(await clf.score(test.X, test.y)).toBeGreaterThan(0.6);
    clf.dispose();
    expect(tf.memory().numTensors).toBe(before);
  });

  it('refuses a bad epoch count with a named error', () => {
    for (const bad of [0, 2.5, -1, Number.NaN])
      expect(() => semiSupervisedFineTuning(bad)).toThrow(ValidationError);
  });
});
