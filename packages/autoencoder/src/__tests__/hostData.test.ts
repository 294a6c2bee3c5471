// A StackedAutoencoder fitted on host data keeps the data and every layer's codes on the host (one buffer
// for the codes of all layers in turn), uploading one batch at a time; the result equals a tensor fit.
import { Registry } from '@layerwise/core';
import * as tf from '@tensorflow/tfjs-core';
import { beforeAll, describe, expect, it } from 'vitest';
import { StackedAutoencoder } from '../index.js';
import { loadMnist, type Mnist, useWasm } from './helpers.js';

const registry = new Registry();
let train: Mnist;

beforeAll(async () => {
  await useWasm();
  train = await loadMnist('train', 2000);
});

describe('StackedAutoencoder on host data', () => {
  it('the backend holds neither the data nor the codes; weights and codes equal a tensor fit', async () => {
    const dataBytes = train.X.data.byteLength; // 6.3 MB
    const seen = new Map<string, number>();
    const probe = {
      onBatchEnd: (c: { stage: string; layer?: number }) => {
        const key = `${c.stage}${c.layer ?? ''}`;
        seen.set(key, Math.max(seen.get(key) ?? 0, tf.memory().numBytes));
      },
    };
    // Layer 1 is wider than the input: its codes (2000 × 1000, 8 MB) exceed the data.
    const params = {
      hiddenLayerSizes: [1000, 64, 16],
      epochs: 1,
      fineTuneEpochs: 1,
      batchSize: 200,
      randomState: 5,
    };
    const before = tf.memory().numTensors;
    const host = await new StackedAutoencoder({ ...params, callbacks: [probe] }, { registry }).fit(train.X);
    const held = tf.memory().numTensors;
    expect([...seen.keys()]).toEqual(['pretrain0', 'pretrain1', 'pretrain2', 'finetune']);
    // Model + Adam state (~3 × 12.6 MB for the 784 × 1000 layer pair) + a batch; never data or codes too.
    const modelBytes = tf.memory().numBytes;
    for (const [stage, bytes] of seen) {
      expect(bytes, stage).toBeLessThan(modelBytes * 3 + dataBytes / 4);
    }
    // Layers 2 and 3 train small variables: the model and one batch is all the backend holds (the 2000 × 1000
    // codes of layer 1 alone would be 8 MB more).
    expect(seen.get('pretrain1')!).toBeLessThan(modelBytes + dataBytes / 2);
    expect(seen.get('pretrain2')!).toBeLessThan(modelBytes + dataBytes / 2);

    const xt = tf.tensor2d(train.X.data, train.X.shape);
    const dev = await new StackedAutoencoder(params, { registry }).fit(xt);
    const zHost = (await host.transform(train.X)) as { data: Float32Array };
    const zDev = (await dev.transform(xt)) as tf.Tensor2D;
    expect(Array.from(zHost.data)).toEqual(Array.from(zDev.dataSync()));
    zDev.dispose();
    xt.dispose();
    expect(host.lossCurve).toEqual(dev.lossCurve);
    expect(host.history!.stages.map((s) => s.epochs.at(-1)!.loss)).toEqual(
      dev.history!.stages.map((s) => s.epochs.at(-1)!.loss),
    );
    expect(tf.memory().numTensors).toBe(held + (held - before));
  });
});
