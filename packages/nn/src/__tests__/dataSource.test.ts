// fit(source): streamed batches of MNIST digits, re-batched and shuffled in a buffer, through the one run.
import { Registry, ValidationError } from '@layerwise/core';
import * as tf from '@tensorflow/tfjs-core';
import { beforeAll, describe, expect, it } from 'vitest';
import { type DataBatch, MLPClassifier, type MLPClassifierParams, MLPRegressor } from '../index.js';
import { parabola } from './data.js';
import { loadMnist, type Mnist, useWasm } from './helpers.js';

const registry = new Registry();
let train: Mnist;
let test: Mnist;
const base: Partial<MLPClassifierParams> = {
  hiddenLayerSizes: [64],
  epochs: 3,
  batchSize: 100,
  learningRate: 0.002,
  randomState: 0,
};

/** The training digits as batches of `size` rows (any size: the run re-batches). */
function* batches(d: Mnist, size: number): Generator<DataBatch> {
  const n = d.y.length;
  for (let s = 0; s < n; s += size) {
    const e = Math.min(n, s + size);
    yield { x: { data: d.X.data.subarray(s * 784, e * 784), shape: [e - s, 784] }, y: d.y.subarray(s, e) };
  }
}

beforeAll(async () => {
  await useWasm();
  train = await loadMnist('train', 2000);
  test = await loadMnist('test', 1000);
});

describe('fit(source)', () => {
  it('streamed batches of 37 digits train as well as the in-memory fit; the loss falls; no leak', async () => {
    const mem = await new MLPClassifier(base, { registry }).fit(train.X, train.y);
    let calls = 0;
    const source = async function* () {
      calls++;
      yield* batches(train, 37);
    };
    const n = tf.memory().numTensors;
    const clf = await new MLPClassifier({ ...base, shuffleBuffer: 500 }, { registry }).fit(source);
    expect(tf.memory().numTensors).toBe(n + 4);
    expect(calls).toBe(1 + 3); // one scan, then one pass per epoch
    expect(clf.classes).toEqual([0, 1, 2, 3, 4, 5, 6, 7, 8, 9]);
    expect(clf.lossCurve[2]!).toBeLessThan(clf.lossCurve[0]!);
    const [a, b] = [await mem.score(test.X, test.y), await clf.score(test.X, test.y)];
    console.log(
      `test accuracy: in memory ${a.toFixed(4)}, streamed (batches of 37, buffer 500) ${b.toFixed(4)}`,
    );
    expect(b).toBeGreaterThan(a - 0.03);
    // Validation data and options in second place.
    const v = await new MLPClassifier({ ...base, epochs: 1 }, { registry }).fit(() => batches(train, 500), {
      validationData: [test.X, test.y],
    });
    expect(v.history!.epochs[0]!.metrics.valAcc).toBeGreaterThan(0.7);
    for (const c of [mem, clf, v]) c.dispose();
  });

  it('a regressor streams too', async () => {
    const { X, y } = parabola(400);
    const src = () =>
      Array.from({ length: 8 }, (_, i) => ({
        x: X.slice(i * 50, i * 50 + 50),
        y: y.slice(i * 50, i * 50 + 50),
      }));
    const reg = await new MLPRegressor(
      {
        hiddenLayerSizes: [32],
        activation: 'tanh',
        epochs: 40,
        batchSize: 40,
        learningRate: 0.01,
        randomState: 1,
      },
      { registry },
    ).fit(src);
    expect(await reg.score(X, y)).toBeGreaterThan(0.8);
    expect(Array.isArray(await reg.predict([[0.5]]))).toBe(true);
    reg.dispose();
  });

  it('bad sources are named errors with nothing fitted and no leaked tensor', async () => {
    const clf = new MLPClassifier({ ...base, epochs: 2 }, { registry });
    const n = tf.memory().numTensors;
    const cases: [() => unknown, RegExp][] = [
      [() => 42, /must be a function returning an iterable/],
      [() => [], /the data source is empty/],
      [
        () => [
          { x: [[1, 2]], y: [0] },
          { x: [[1, 2, 3]], y: [1] },
        ],
        /batch 1 x/,
      ],
      [() => [{ x: [[1, 2]] }], /batch 0 of the data source has no y; a classifier needs labels/],
      [() => [{ x: [[1, 2]], y: [0] }, 7], /batch 1 of the data source is not an object/],
      [
        function* () {
          yield { x: [[1, 2]], y: [0] };
          throw new Error('disk gone');
        },
        /failed at batch 1: Error: disk gone/,
      ],
    ];
    for (const [src, msg] of cases) {
      await expect(clf.fit(src as never)).rejects.toThrow(msg);
      await expect(clf.fit(src as never)).rejects.toThrow(ValidationError);
    }
    // A source that throws mid-epoch (after a good scan) rejects, and the estimator stays unfitted.
    let call = 0;
    const flaky = function* () {
      call++;
      yield* batches(train, 500);
      if (call === 3) throw new Error('network down');
    };
    await expect(clf.fit(flaky)).rejects.toThrow(/network down/);
    expect(clf.isFitted).toBe(false);
    await expect(clf.fit(() => batches(train, 500), { resume: 'x' })).rejects.toThrow(ValidationError);
    // A one-shot iterable (a generator object) cannot be re-read: refused before anything is read.
    const once = batches(train, 500);
    await expect(clf.fit(once)).rejects.toThrow(
      /one-shot iterable .* pass a function returning a fresh iterable/,
    );
    expect(once.next().done).toBe(false);
    // Not iterable at all, passed directly: not a source, so checked as X.
    await expect(clf.fit({ x: [[1]] } as never, [0])).rejects.toThrow(ValidationError);
    expect(clf.isFitted).toBe(false);
    expect(tf.memory().numTensors).toBe(n);
  });

  it('a one-shot iterable (generator object) feeds a fit of epochs 1, read as it trains: the same model as a re-readable source', async () => {
    const digits = Array.from({ length: 10 }, (_, i) => i);
    const p = { ...base, epochs: 1 };
    const ref = await new MLPClassifier(p, { registry }).fit(() => batches(train, 500));
    const n = tf.memory().numTensors;
    const clf = new MLPClassifier(p, { registry });
    await clf.fit(batches(train, 500), { classes: digits });
    expect(tf.memory().numTensors).toBe(n + clf.layers.length * 2);
    expect(clf.classes).toEqual(digits);
    expect(clf.layers.map((l) => l.read())).toEqual(ref.layers.map((l) => l.read()));
    expect(clf.history!.epochs).toHaveLength(1);
    expect(clf.history!.epochs[0]!.samplesPerSecond).toBeGreaterThan(0);
    expect(await clf.score(test.X, test.y)).toBeGreaterThan(0.7);

    // Without classes: refused before anything is read (the labels cannot be scanned first).
    const once = batches(train, 500);
    await expect(new MLPClassifier(p, { registry }).fit(once)).rejects.toThrow(
      /one-shot data source cannot be scanned for its labels first; pass every class/,
    );
    expect(once.next().done).toBe(false);
    // classes must be valid; a batch with a label outside them is a named error, nothing fitted, no leak.
    const fresh = new MLPClassifier(p, { registry });
    const m = tf.memory().numTensors;
    await expect(fresh.fit(batches(train, 500), { classes: [1] })).rejects.toThrow(
      /classes must be ≥ 2 distinct numbers or strings/,
    );
    await expect(fresh.fit(batches(train, 500), { classes: [0, 1, 2] })).rejects.toThrow(ValidationError);
    expect(fresh.isFitted).toBe(false);
    expect(tf.memory().numTensors).toBe(m);
    // An exhausted generator is an empty source; classes on an in-memory fit is a mistake.
    const used = batches(train, 500);
    for (const _ of used) {
      // drain
    }
    await expect(fresh.fit(used, { classes: digits })).rejects.toThrow(/the data source is empty/);
    await expect(fresh.fit(train.X, train.y, { classes: digits })).rejects.toThrow(
      /classes option is for a data source/,
    );

    // A regressor takes its target columns from the first batch.
    const { X, y } = parabola(600, 3);
    function* rows() {
      for (let s = 0; s < 600; s += 64) yield { x: X.slice(s, s + 64), y: y.slice(s, s + 64) };
    }
    const rp = { hiddenLayerSizes: [16], epochs: 1, batchSize: 32, randomState: 0 };
    const r1 = await new MLPRegressor(rp, { registry }).fit(rows());
    const r2 = await new MLPRegressor(rp, { registry }).fit(() => rows());
    expect(r1.layers.map((l) => l.read())).toEqual(r2.layers.map((l) => l.read()));
  });

  it('typed outputs on WASM are one host copy of their own: equal values, never shared between calls', async () => {
    const clf = await new MLPClassifier({ ...base, epochs: 1 }, { registry }).fit(train.X, train.y);
    const n = tf.memory().numTensors;
    const a = (await clf.predictProba(test.X)) as { data: Float32Array; shape: number[] };
    const b = (await clf.predictProba(test.X)) as { data: Float32Array; shape: number[] };
    expect(a.shape).toEqual([1000, 10]);
    expect(a.data.length).toBe(10_000);
    expect(a.data.buffer).not.toBe(b.data.buffer);
    expect(Buffer.compare(Buffer.from(a.data.buffer), Buffer.from(b.data.buffer))).toBe(0);
    a.data[0] = -1;
    expect(b.data[0]).not.toBe(-1);
    expect(tf.memory().numTensors).toBe(n);
    clf.dispose();
  });

  it('an iterable object that starts afresh on each iteration (like streamCsv/streamIdx) is a source as it is', async () => {
    let reads = 0;
    const reiterable = {
      [Symbol.asyncIterator]: async function* () {
        reads++;
        yield* batches(train, 250);
      },
    };
    const a = await new MLPClassifier(base, { registry }).fit(reiterable);
    const b = await new MLPClassifier(base, { registry }).fit(() => batches(train, 250));
    expect(reads).toBe(1 + 3);
    expect(a.lossCurve).toEqual(b.lossCurve);
    a.dispose();
    b.dispose();
  });
});
