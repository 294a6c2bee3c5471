// Files written by 0.1.0 (fixtures/make-0.1.0.ts, run with the 0.1.0 code) must keep loading and resuming.
import { cp, mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import * as tf from '@tensorflow/tfjs-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { StackedAutoencoder } from '../index.js';
import expected from './fixtures/0.1.0/expected.json' with { type: 'json' };
import { fixtureData } from './fixtures/data.js';
import '@tensorflow/tfjs-backend-cpu';

const fixtures = fileURLToPath(new URL('./fixtures/0.1.0/', import.meta.url));
const weights = (ae: StackedAutoencoder) =>
  ae.toExportable('autoencoder').layers.flatMap((l) => [...l.kernel, ...l.bias]);
let root: string;
beforeAll(async () => {
  await tf.setBackend('cpu');
  root = await mkdtemp(join(tmpdir(), 'lw-ae-fix-'));
});
afterAll(async () => {
  await rm(root, { recursive: true, force: true });
});

describe('0.1.0 files', () => {
  it('a 0.1.0 model file loads and encodes as it did', async () => {
    const ae = await StackedAutoencoder.load(join(fixtures, 'ae-model'));
    expect(await ae.transform(fixtureData().slice(0, 5))).toEqual(expected.codes);
    expect(weights(ae)).toEqual(expected.weights);
    ae.dispose();
  });

  it('a 0.1.0 checkpoint (mid layer-2 pretraining) resumes to the uninterrupted fit', async () => {
    const dir = join(root, 'ckpt');
    await cp(join(fixtures, 'ae-checkpoint'), dir, { recursive: true });
    const before = tf.memory().numTensors;
    const ae = await new StackedAutoencoder(expected.params).fit(fixtureData(), { resume: dir });
    expect(ae.history!.epochs.map((e) => e.loss)).toEqual(expected.losses);
    expect(weights(ae)).toEqual(expected.weights);
    ae.dispose();
    expect(tf.memory().numTensors).toBe(before);
  });
});
