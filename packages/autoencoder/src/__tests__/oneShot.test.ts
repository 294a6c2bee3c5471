// A one-shot iterable (a generator object) feeds a StackedAutoencoder fit of exactly one pass.
import { Registry, ValidationError } from '@layerwise/core';
import type { DataBatch } from '@layerwise/nn';
import * as tf from '@tensorflow/tfjs-core';
import { beforeAll, describe, expect, it } from 'vitest';
import { StackedAutoencoder } from '../index.js';
import { loadMnist, type Mnist, useWasm } from './helpers.js';

const registry = new Registry();
let train: Mnist;

function* batches(d: Mnist, size: number): Generator<DataBatch> {
  const n = d.y.length;
  for (let s = 0; s < n; s += size) {
    const e = Math.min(n, s + size);
    yield { x: { data: d.X.data.subarray(s * 784, e * 784), shape: [e - s, 784] } };
  }
}

beforeAll(async () => {
  await useWasm();
  train = await loadMnist('train', 2000);
});

describe('StackedAutoencoder.fit(one-shot iterable)', () => {
  it('one layer, epochs 1, no fine-tuning: trains as it reads, the same model as a re-readable source', async () => {
    const p = { hiddenLayerSizes: [64], epochs: 1, fineTuneEpochs: 0, batchSize: 100, randomState: 2 };
    const ref = await new StackedAutoencoder(p, { registry }).fit(() => batches(train, 300));
    const n = tf.memory().numTensors;
    const ae = await new StackedAutoencoder(p, { registry }).fit(batches(train, 300));
    const held = tf.memory().numTensors - n;
    expect(held).toBeGreaterThan(0);
    expect(ae.lossCurve).toEqual(ref.lossCurve);
    const z = (await ae.transform(train.X)) as { data: Float32Array; shape: number[] };
    const zr = (await ref.transform(train.X)) as { data: Float32Array };
    expect(z.shape).toEqual([2000, 64]);
    expect(Array.from(z.data)).toEqual(Array.from(zr.data));
    // Fine-tuning alone (epochs 0, fineTuneEpochs 1) is one pass too.
    const ft = await new StackedAutoencoder(
      { hiddenLayerSizes: [64, 16], epochs: 0, fineTuneEpochs: 1, batchSize: 100, randomState: 2 },
      { registry },
    ).fit(batches(train, 300));
    expect(ft.history!.stages.map((s) => s.stage)).toEqual(['finetune']);
  });

  it('a fit of more than one pass refuses it before reading anything, nothing fitted, no leak', async () => {
    const n = tf.memory().numTensors;
    const ae = new StackedAutoencoder(
      { hiddenLayerSizes: [64, 16], epochs: 1, fineTuneEpochs: 0 },
      { registry },
    );
    const once = batches(train, 300);
    await expect(ae.fit(once)).rejects.toThrow(ValidationError);
    await expect(ae.fit(once)).rejects.toThrow(/can feed one pass only, but this fit reads it 2 times/);
    expect(once.next().done).toBe(false);
    expect(ae.isFitted).toBe(false);
    expect(tf.memory().numTensors).toBe(n);
  });
});
