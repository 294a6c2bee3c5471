// Files written by 0.1.0 (fixtures/make-0.1.0.ts, run with the 0.1.0 code) must keep loading and resuming.
import { cp, mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import * as tf from '@tensorflow/tfjs-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { MLPClassifier, type MLPParams, MLPRegressor } from '../index.js';
import { blobs, parabola } from './data.js';
import expected from './fixtures/0.1.0/expected.json' with { type: 'json' };
import '@tensorflow/tfjs-backend-cpu';

const fixtures = fileURLToPath(new URL('./fixtures/0.1.0/', import.meta.url));
const weights = (est: MLPClassifier) =>
  est.layers.flatMap((l) => {
    const w = l.read();
    return [...w.kernel, ...w.bias];
  });
const params = expected.clfParams as Partial<MLPParams>;
const { X, y } = blobs(120);
let root: string;
beforeAll(async () => {
  await tf.setBackend('cpu');
  root = await mkdtemp(join(tmpdir(), 'lw-nn-fix-'));
});
afterAll(async () => {
  await rm(root, { recursive: true, force: true });
});

describe('0.1.0 files', () => {
  it('0.1.0 classifier and regressor model files load and predict as they did', async () => {
    const clf = await MLPClassifier.load(join(fixtures, 'clf-model'));
    expect(await clf.predictProba(X.slice(0, 10))).toEqual(expected.clfProba);
    expect(weights(clf)).toEqual(expected.clfWeights);
    const reg = await MLPRegressor.load(join(fixtures, 'reg-model'));
    expect(await reg.predict(parabola(60).X.slice(0, 10))).toEqual(expected.regPredictions);
    clf.dispose();
    reg.dispose();
  });

  it('a 0.1.0 checkpoint written mid-fit resumes to the uninterrupted fit', async () => {
    const dir = join(root, 'ckpt');
    await cp(join(fixtures, 'clf-checkpoint'), dir, { recursive: true });
    const before = tf.memory().numTensors;
    const clf = await new MLPClassifier(params).fit(X, y, { resume: dir });
    expect(tf.memory().numTensors).toBe(before + 4);
    expect(clf.history!.epochs.map((e) => e.loss)).toEqual(expected.clfLosses);
    expect(weights(clf)).toEqual(expected.clfWeights);
    clf.dispose();
  });
});

describe('0.1.0 finished checkpoint', () => {
  it('resuming it with a larger epochs trains the remaining epochs', async () => {
    const dir = join(root, 'done');
    await cp(join(fixtures, 'clf-checkpoint-done'), dir, { recursive: true });
    const first = await new MLPClassifier({ ...params, epochs: 3 }).fit(X, y, { resume: dir });
    expect(first.nIter).toBe(3);
    const n = tf.memory().numTensors;
    const more = await new MLPClassifier(params).fit(X, y, { resume: dir });
    expect(tf.memory().numTensors).toBe(n + 4);
    expect(more.history!.epochs.map((e) => e.epoch)).toEqual([1, 2, 3, 4, 5, 6]);
    expect(more.lossCurve.slice(0, 3)).toEqual(first.lossCurve);
    expect(more.lossCurve[5]!).toBeLessThan(more.lossCurve[2]!);
    first.dispose();
    more.dispose();
  });
});
