import { NotFittedError, ValidationError } from '@layerwise/core';
import * as tf from '@tensorflow/tfjs-core';
import { beforeAll, describe, expect, it } from 'vitest';
import { StackedAutoencoder } from '../index.js';
import { loadMnist, useWasm } from './helpers.js';

beforeAll(useWasm);

describe('StackedAutoencoder.scoreSamples', () => {
  it('is the negative per-row MSE, in the kind of X, averaging to score(X); no leaks', async () => {
    const ae = new StackedAutoencoder({
      hiddenLayerSizes: [6, 3],
      epochs: 3,
      fineTuneEpochs: 2,
      batchSize: 20,
      learningRate: 0.01,
      randomState: 0,
    });
    await expect(ae.scoreSamples([[0, 1]])).rejects.toBeInstanceOf(NotFittedError);
    const X = Array.from({ length: 120 }, (_, i) =>
      Array.from({ length: 10 }, (_, j) => ((i * 7 + j * 3) % 11) / 10),
    );
    await ae.fit(X);
    const before = tf.memory().numTensors;
    const s = (await ae.scoreSamples(X)) as number[];
    expect(Array.isArray(s)).toBe(true);
    expect(s).toHaveLength(120);
    const rec = (await ae.reconstruct(X)) as number[][];
    for (const i of [0, 17, 119]) {
      const mse = rec[i]!.reduce((a, v, j) => a + (v - X[i]![j]!) ** 2, 0) / 10;
      expect(s[i]).toBeCloseTo(-mse, 5);
    }
    const mean = s.reduce((a, v) => a + v, 0) / s.length;
    expect(mean).toBeCloseTo(await ae.score(X), 5);
    const typed = await ae.scoreSamples({ data: new Float32Array(X.flat()), shape: [120, 10] });
    expect(typed).toBeInstanceOf(Float32Array);
    expect(Array.from(typed as Float32Array)).toEqual(s.map((v) => Math.fround(v)));
    const t = tf.tensor2d(X);
    const out = (await ae.scoreSamples(t)) as tf.Tensor1D;
    expect(out.shape).toEqual([120]);
    out.dispose();
    t.dispose();
    expect(tf.memory().numTensors).toBe(before);
    await expect(ae.scoreSamples([[0, 1]])).rejects.toBeInstanceOf(ValidationError);
    await expect(ae.scoreSamples([X[0]!.map((v, j) => (j === 2 ? Number.NaN : v))])).rejects.toBeInstanceOf(
      ValidationError,
    );
    expect(tf.memory().numTensors).toBe(before);
    ae.dispose();
  });

  it('scores one digit class higher than the others after training on it (MNIST subset)', async () => {
    const train = await loadMnist('train', 3000);
    const test = await loadMnist('test', 600);
    const rows: number[] = [];
    for (let i = 0; i < train.y.length; i++) if (train.y[i] === 1) rows.push(i);
    const data = new Float32Array(rows.length * 784);
    rows.forEach((r, k) => {
      data.set(train.X.data.subarray(r * 784, (r + 1) * 784), k * 784);
    });
    const ae = new StackedAutoencoder({
      hiddenLayerSizes: [64, 16],
      epochs: 0,
      fineTuneEpochs: 10,
      randomState: 0,
    });
    await ae.fit({ data, shape: [rows.length, 784] });
    const s = (await ae.scoreSamples(test.X)) as Float32Array;
    let inl = 0;
    let nin = 0;
    let out = 0;
    let nout = 0;
    for (let i = 0; i < test.y.length; i++) {
      if (test.y[i] === 1) {
        inl += s[i]!;
        nin++;
      } else {
        out += s[i]!;
        nout++;
      }
    }
    expect(inl / nin).toBeGreaterThan(out / nout);
    ae.dispose();
  });
});
