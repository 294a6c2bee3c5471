// Host data (number[][], typed matrices) stay on the host during fit: one batch at a time is uploaded, so
// the backend never holds the whole data set; results are the same as with the data passed as a tensor.
import { HostMatrix, Registry } from '@layerwise/core';
import * as tf from '@tensorflow/tfjs-core';
import { beforeAll, describe, expect, it } from 'vitest';
import { MLPClassifier, MLPRegressor } from '../index.js';
import { loadMnist, type Mnist, useWasm } from './helpers.js';

const registry = new Registry();
let train: Mnist;
const weights = (c: { layers: readonly { read(): unknown }[] }) => c.layers.map((l) => l.read());

beforeAll(async () => {
  await useWasm();
  train = await loadMnist('train', 2000);
});

/** A callback that records the bytes the backend holds after every batch. */
function bytesProbe() {
  const seen: number[] = [];
  return { seen, callback: { onBatchEnd: () => void seen.push(tf.memory().numBytes) } };
}

describe('fit on host data', () => {
  it('HostMatrix batches on wasm: one scratch buffer, each tensor keeps its own rows', () => {
    const m = new HostMatrix(
      Float32Array.from({ length: 12 }, (_, i) => i),
      2,
    );
    const a = m.take(Int32Array.from([5, 0]));
    const b = m.take(Int32Array.from([1, 3]));
    expect(Array.from(a.dataSync())).toEqual([10, 11, 0, 1]);
    expect(Array.from(b.dataSync())).toEqual([2, 3, 6, 7]);
    a.dispose();
    b.dispose();
  });

  it('MLPClassifier: the backend never holds the data set, and the result equals a tensor fit bit for bit', async () => {
    const dataBytes = train.X.data.byteLength; // 2000 × 784 float32 = 6.3 MB
    const params = {
      hiddenLayerSizes: [32],
      epochs: 2,
      batchSize: 100,
      randomState: 3,
      validationFraction: 0.1,
    };
    const probe = bytesProbe();
    const before = tf.memory().numTensors;
    const host = await new MLPClassifier({ ...params, callbacks: [probe.callback] }, { registry }).fit(
      train.X,
      train.y,
    );
    expect(tf.memory().numTensors).toBe(before + host.layers.length * 2);
    expect(probe.seen.length).toBe(2 * 18);
    // Model, optimizer state, one batch and the uploaded 10 % validation part: well under the data itself.
    expect(Math.max(...probe.seen)).toBeLessThan(dataBytes / 2);

    const xt = tf.tensor2d(train.X.data, train.X.shape);
    const probeT = bytesProbe();
    const dev = await new MLPClassifier({ ...params, callbacks: [probeT.callback] }, { registry }).fit(
      xt,
      Array.from(train.y),
    );
    expect(Math.max(...probeT.seen)).toBeGreaterThan(dataBytes);
    xt.dispose();
    expect(weights(host)).toEqual(weights(dev));
    expect(host.lossCurve).toEqual(dev.lossCurve);
    expect(host.validationScores).toEqual(dev.validationScores);
    expect(host.lossCurve.at(-1)!).toBeLessThan(host.lossCurve[0]!);
  });

  it('MLPRegressor on number[][] learns, with the same result as on a typed matrix', async () => {
    const rows = 400;
    const X = Array.from({ length: rows }, (_, i) => [i / rows, ((i * 7) % rows) / rows]);
    const y = X.map(([a, b]) => a! * 2 - b!);
    const p = { hiddenLayerSizes: [16], epochs: 30, batchSize: 32, randomState: 1, learningRate: 0.01 };
    const a = await new MLPRegressor(p, { registry }).fit(X, y);
    const b = await new MLPRegressor(p, { registry }).fit(
      { data: Float32Array.from(X.flat()), shape: [rows, 2] },
      Float32Array.from(y),
    );
    expect(weights(a)).toEqual(weights(b));
    expect(await a.score(X, y)).toBeGreaterThan(0.9);
  });
});
