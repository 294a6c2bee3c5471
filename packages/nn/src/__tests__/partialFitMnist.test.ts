// partialFit at scale: the full MNIST training set in 10 chunks, one pass each, 3 rounds, against fit with
// 3 epochs, on the 10 000 test digits. (The issue asks for 10 chunks of 10 000 digits; MNIST has 60 000
// training digits, so the chunks are 6 000 each — every training digit, once per round.)
import { Registry } from '@layerwise/core';
import * as tf from '@tensorflow/tfjs-core';
import { beforeAll, describe, expect, it } from 'vitest';
import { MLPClassifier, type MLPClassifierParams } from '../index.js';
import { loadMnist, type Mnist, useWasm } from './helpers.js';

const registry = new Registry();
let train: Mnist;
let test: Mnist;
const base: Partial<MLPClassifierParams> = {
  hiddenLayerSizes: [32],
  batchSize: 100,
  learningRate: 0.002,
  randomState: 0,
};
const CHUNKS = 10;
const SIZE = 6000;

beforeAll(async () => {
  await useWasm();
  train = await loadMnist('train', 60_000);
  test = await loadMnist('test', 10_000);
});

describe('partialFit on the full MNIST training set', () => {
  it('10 chunks × 3 rounds of partialFit (one pass each) reach within 1 point of fit with 3 epochs', async () => {
    const full = await new MLPClassifier({ ...base, epochs: 3 }, { registry }).fit(train.X, train.y);
    const clf = new MLPClassifier(base, { registry });
    const n = tf.memory().numTensors;
    for (let round = 0; round < 3; round++) {
      for (let i = 0; i < CHUNKS; i++) {
        const X = {
          data: train.X.data.subarray(i * SIZE * 784, (i + 1) * SIZE * 784),
          shape: [SIZE, 784] as [number, number],
        };
        const y = train.y.subarray(i * SIZE, (i + 1) * SIZE);
        await clf.partialFit(
          X,
          y,
          round === 0 && i === 0 ? { classes: Array.from({ length: 10 }, (_, k) => k) } : {},
        );
      }
    }
    expect(tf.memory().numTensors).toBe(n + 4);
    expect(clf.nIter).toBe(30);
    const [a, b] = [await full.score(test.X, test.y), await clf.score(test.X, test.y)];
    console.log(
      `test accuracy (10 000 digits): fit 3 epochs ${a.toFixed(4)}, 10 chunks × 3 rounds of partialFit ${b.toFixed(4)}`,
    );
    expect(b).toBeGreaterThan(a - 0.01);
    full.dispose();
    clf.dispose();
  }, 60_000);
});
