import { ModelFormatError, type NamedTensor } from '@layerwise/core';
import * as tf from '@tensorflow/tfjs-core';
import { beforeAll, describe, expect, it } from 'vitest';
import { progressFromData, progressToData } from '../checkpoint.js';
import '@tensorflow/tfjs-backend-cpu';

beforeAll(async () => {
  await tf.setBackend('cpu');
});

/** A stage's progress with the given callback states, as JSON and named tensors. */
async function written(callbacks: Parameters<typeof progressToData>[0]['callbacks']) {
  const optimizer = tf.train.sgd(0.1);
  const out = await progressToData({
    records: [],
    best: null,
    wait: 0,
    snapshot: null,
    optimizer,
    learningRate: 0.1,
    ...(callbacks ? { callbacks } : {}),
  });
  optimizer.dispose();
  return { json: out.json, tensors: new Map(out.tensors.map((t) => [t.name, t] as [string, NamedTensor])) };
}

describe('callback states in a checkpoint', () => {
  it('round-trip: kinds, values and float32 arrays (stored as tensors callback.i.k)', async () => {
    const arrays = [Float32Array.of(1.5, -2, 3.25), Float32Array.of(0.1)];
    const { json, tensors } = await written([
      { kind: 'reduceLROnPlateau', values: { best: 0.25, wait: 1, cooling: 0 } },
      { kind: 'earlyStopping', values: { best: null, bestEpoch: null, wait: 2 }, arrays },
    ]);
    expect([...tensors.keys()].filter((k) => k.startsWith('callback.'))).toEqual([
      'callback.1.0',
      'callback.1.1',
    ]);
    const back = progressFromData('MLPClassifier', JSON.parse(JSON.stringify(json)), tensors, [[2, 2]]);
    expect(back.callbacks).toEqual([
      { kind: 'reduceLROnPlateau', values: { best: 0.25, wait: 1, cooling: 0 } },
      { kind: 'earlyStopping', values: { best: null, bestEpoch: null, wait: 2 }, arrays },
    ]);
  });

  it('a checkpoint without callback states has none (checkpoints written before)', async () => {
    const { json, tensors } = await written(undefined);
    expect(json.callbacks).toBeUndefined();
    expect(progressFromData('MLPClassifier', json, tensors, [[2, 2]]).callbacks).toBeUndefined();
  });

  it('malformed states are a ModelFormatError naming what is wrong', async () => {
    const { json, tensors } = await written([{ kind: 'k', values: { a: 1 }, arrays: [Float32Array.of(1)] }]);
    const read =
      (callbacks: unknown, t = tensors) =>
      () =>
        progressFromData('MLPClassifier', { ...json, callbacks }, t, [[2, 2]]);
    expect(read('nope')).toThrow(ModelFormatError);
    expect(read('nope')).toThrow(/progress.callbacks must be a list/);
    expect(read([{ values: {} }])).toThrow(/progress.callbacks\[0\] must be \{ kind, values, arrays \}/);
    expect(read([{ kind: 'k', values: { a: Number.NaN } }])).toThrow(/values.a must be a finite number/);
    expect(read([{ kind: 'k', values: { a: { nested: 1 } } }])).toThrow(/values.a must be a finite number/);
    expect(read([{ kind: 'k', values: {}, arrays: -1 }])).toThrow(/arrays must be a count/);
    expect(read([{ kind: 'k', values: {}, arrays: 2 }])).toThrow(/tensor "callback.0.1" is missing/);
  });
});
