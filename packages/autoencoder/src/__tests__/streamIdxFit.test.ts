// Full MNIST training set streamed from its IDX files (streamIdx) into a StackedAutoencoder: the
// reconstruction MSE on the test digits is within 5 % of the in-memory fit with the same seed and epochs
// (shuffled: fully in memory, within a 10 000-row buffer when streamed).
import { join } from 'node:path';
import { Registry } from '@layerwise/core';
import { loadMnist, mnistDataDir, streamIdx } from '@layerwise/datasets';
import * as tf from '@tensorflow/tfjs-core';
import { beforeAll, describe, expect, it } from 'vitest';
import { StackedAutoencoder, type StackedAutoencoderParams } from '../index.js';
import { useWasm } from './helpers.js';

const registry = new Registry();
beforeAll(useWasm);

describe('StackedAutoencoder.fit(streamIdx(...)) on the full MNIST training set', () => {
  it('reconstruction MSE within 5 % of the in-memory fit (same seed and epochs); no leak', async () => {
    const p: Partial<StackedAutoencoderParams> = {
      hiddenLayerSizes: [64, 32],
      epochs: 1,
      fineTuneEpochs: 1,
      batchSize: 200,
      learningRate: 0.003,
      shuffleBuffer: 10_000,
      randomState: 3,
    };
    const images = join(mnistDataDir(), 'train-images-idx3-ubyte');
    const test = await loadMnist({ subset: 'test' });
    const n = tf.memory().numTensors;
    const streamed = await new StackedAutoencoder(p, { registry }).fit(
      streamIdx(images, { batchSize: 1000 }),
    );
    const mseStreamed = -(await streamed.score(test.X));
    streamed.dispose();
    const train = await loadMnist({ subset: 'train' });
    const mem = await new StackedAutoencoder(p, { registry }).fit(train.X);
    const mseMem = -(await mem.score(test.X));
    mem.dispose();
    console.log(
      `test reconstruction MSE: in memory ${mseMem.toFixed(5)}, streamed from IDX ${mseStreamed.toFixed(5)} (${(((mseStreamed - mseMem) / mseMem) * 100).toFixed(2)} %)`,
    );
    expect(Math.abs(mseStreamed - mseMem) / mseMem).toBeLessThan(0.05);
    expect(tf.memory().numTensors).toBe(n);
  }, 60_000);
});
