// SEMI_SUPERVISED_PRETRAINING with nn's semiSupervisedFineTuning: the recipe of issue 16 end to end, small.
import { Registry } from '@layerwise/core';
import { MLPClassifier, semiSupervisedFineTuning } from '@layerwise/nn';
import * as tf from '@tensorflow/tfjs-core';
import { beforeAll, describe, expect, it } from 'vitest';
import { SEMI_SUPERVISED_PRETRAINING, StackedAutoencoder } from '../index.js';
import { loadMnist, type Mnist, useWasm } from './helpers.js';

const registry = new Registry();
let train: Mnist;
let test: Mnist;

beforeAll(async () => {
  await useWasm();
  train = await loadMnist('train', 1000);
  test = await loadMnist('test', 500);
});

describe('SEMI_SUPERVISED_PRETRAINING', () => {
  it('is masking 0.5, 10 epochs per layer and 4 of whole-stack fine-tuning (frozen); the recipe trains and scores', async () => {
    expect(SEMI_SUPERVISED_PRETRAINING).toEqual({
      noise: 0.5,
      epochs: 10,
      fineTuneEpochs: 4,
      batchSize: 100,
      learningRate: 1e-3,
    });
    expect(Object.isFrozen(SEMI_SUPERVISED_PRETRAINING)).toBe(true);
    const before = tf.memory().numTensors;
    const ae = new StackedAutoencoder(
      { hiddenLayerSizes: [64, 32], ...SEMI_SUPERVISED_PRETRAINING, randomState: 0 },
      { registry },
    );
    await ae.fit(train.X);
    expect(ae.history!.epochs.length).toBe(2 * 10 + 4);
    // 200 labelled digits (the first 200), the rest of the 1 000 unlabelled
    const few = { data: train.X.data.subarray(0, 200 * 784), shape: [200, 784] as [number, number] };
    const ft = semiSupervisedFineTuning(15);
    expect(ft.freezeEncoder).toBe(4);
    // The first encoder layer stays as pretrained for 4 epochs, then trains.
    const first: number[] = [];
    const probe = {
      onEpochEnd: (c: { readWeights(): Float32Array[] }) =>
        void first.push(c.readWeights()[0]!.reduce((a, v) => a + v, 0)),
    };
    const clf = MLPClassifier.fromEncoder(ae, { ...ft, callbacks: [...ft.callbacks, probe], randomState: 0 });
    await clf.fit(few, train.y.subarray(0, 200));
    expect(first).toHaveLength(15);
    expect(new Set(first.slice(0, 4)).size).toBe(1);
    expect(first[4]).not.toBe(first[0]);
    expect(await clf.score(test.X, test.y)).toBeGreaterThan(0.3); // chance is 0.1 (tiny net, 200 labels)
    clf.dispose();
    ae.dispose();
    expect(tf.memory().numTensors).toBe(before);
  });
});
