import { NotFittedError, Registry, ValidationError } from '@layerwise/core';
import * as tf from '@tensorflow/tfjs-core';
import { beforeAll, describe, expect, it } from 'vitest';
import { MLPRegressor } from '../index.js';
import { parabola } from './data.js';
import { useWasm } from './helpers.js';

const registry = new Registry();
beforeAll(useWasm);

describe('MLPRegressor', () => {
  it("fits the seed's regression y = 2x² − 1 with a 1-1024-1 net: R² ≥ 0.95 on held-out points", async () => {
    const train = parabola(1000, 2);
    const test = parabola(300, 3);
    const reg = new MLPRegressor(
      {
        hiddenLayerSizes: [1024],
        activation: 'relu',
        epochs: 40,
        batchSize: 50,
        learningRate: 0.005,
        randomState: 0,
      },
      { registry },
    );
    const before = tf.memory().numTensors;
    await reg.fit(train.X, train.y);
    const r2 = await reg.score(test.X, test.y);
    console.log(`MLPRegressor 1-1024-1 on y = 2x² − 1: test R² ${r2.toFixed(4)}`);
    expect(r2).toBeGreaterThanOrEqual(0.95);
    expect(tf.memory().numTensors).toBe(before + 4);
    const pred = (await reg.predict(test.X)) as number[];
    expect(Array.isArray(pred) && typeof pred[0] === 'number').toBe(true);
    expect(pred).toHaveLength(300);
    expect(tf.memory().numTensors).toBe(before + 4);
  });

  it('gives 1-D or 2-D predictions in the kind of the input', async () => {
    const { X, y } = parabola(100);
    const small = { hiddenLayerSizes: [8], epochs: 3, randomState: 0 };
    const reg = await new MLPRegressor(small, { registry }).fit(X, Float32Array.from(y));
    const xt = tf.tensor2d(X);
    const n = tf.memory().numTensors;
    const pt = (await reg.predict(xt)) as tf.Tensor1D;
    expect(pt.rank).toBe(1);
    expect(tf.memory().numTensors).toBe(n + 1);
    pt.dispose();
    xt.dispose();
    const typed = (await reg.predict({ data: Float32Array.from(X.flat()), shape: [100, 1] })) as Float32Array;
    expect(typed).toBeInstanceOf(Float32Array);
    const y2 = y.map((v) => [v, -v]);
    const reg2 = await new MLPRegressor(small, { registry }).fit(X, y2);
    const p2 = (await reg2.predict(X)) as number[][];
    expect(p2[0]).toHaveLength(2);
    expect(typeof (await reg2.score(X, y2))).toBe('number');
    await expect(reg2.fit(X, y2, { validationData: [X, y] })).rejects.toThrow(ValidationError);
    await expect(new MLPRegressor(small, { registry }).predict(X)).rejects.toThrow(NotFittedError);
    await expect(new MLPRegressor(small, { registry }).fit(X, y.slice(2))).rejects.toThrow(/100 samples/);
    await expect(new MLPRegressor(small, { registry }).fit(X, ['a'] as never)).rejects.toThrow(
      ValidationError,
    );
    expect(() => reg.toExportable().layers.at(-1)!.activation).not.toThrow();
    expect(reg.toExportable().layers.at(-1)!.activation).toBe('linear');
  });
});
