import * as tf from '@tensorflow/tfjs-core';
import { beforeAll, describe, expect, it, vi } from 'vitest';
import { installWasmFastSlice, isWasmFastSliceInstalled, wasmBackend } from '../index.js';

beforeAll(async () => {
  await wasmBackend().activate();
});

// [shape, begin, size]
const cases: Array<[number[], number[], number[]]> = [
  [[10], [3], [4]],
  [
    [6, 5],
    [2, 0],
    [3, 5],
  ], // contiguous rows (a minibatch)
  [
    [6, 5],
    [1, 2],
    [4, 2],
  ], // a window
  [
    [4, 3, 5],
    [1, 0, 2],
    [2, 3, 3],
  ],
  [
    [3, 4, 2, 5],
    [1, 1, 0, 1],
    [2, 2, 2, 3],
  ],
  [
    [3, 4, 2, 5],
    [0, 0, 0, 0],
    [3, 4, 2, 5],
  ],
];

describe('fast Slice kernel for wasm', () => {
  it('is installed by activate()', () => {
    expect(isWasmFastSliceInstalled()).toBe(true);
  });

  it.each(cases)('matches the original kernel for shape %j begin %j size %j', (shape, begin, size) => {
    const n = shape.reduce((a, b) => a * b, 1);
    const x = tf.tensor(
      Float32Array.from({ length: n }, (_, i) => i * 0.5 - 3),
      shape,
    );
    const xi = tf.tensor(
      Int32Array.from({ length: n }, (_, i) => i),
      shape,
      'int32',
    );
    const run = () =>
      tf.tidy(() =>
        [tf.slice(x, begin, size), tf.slice(xi, begin, size)].map((t) => Array.from(t.dataSync())),
      );
    const fast = run();
    installWasmFastSlice(false);
    const slow = run();
    installWasmFastSlice(true);
    expect(fast).toEqual(slow);
    tf.dispose([x, xi]);
  });

  it('never reads the whole input out of the heap, and leaks nothing', () => {
    const x = tf.randomUniform([2000, 784], 0, 1, 'float32', 1);
    const before = tf.memory().numTensors;
    const spy = vi.spyOn(tf.backend(), 'readSync');
    const rows = tf.slice(x, [100, 0], [100, 784]);
    const window = tf.slice(x, [5, 10], [50, 20]);
    expect(spy).not.toHaveBeenCalled();
    spy.mockRestore();
    expect(rows.shape).toEqual([100, 784]);
    const all = x.dataSync();
    expect(rows.dataSync()[0]).toBe(all[100 * 784]);
    expect(window.dataSync()[21]).toBe(all[6 * 784 + 11]);
    tf.dispose([rows, window]);
    expect(tf.memory().numTensors).toBe(before);
    x.dispose();
  });
});
