import * as tf from '@tensorflow/tfjs-core';
import { beforeAll, describe, expect, it } from 'vitest';
import { installWasmFastGather, isWasmFastGatherInstalled, wasmBackend } from '../index.js';

beforeAll(async () => {
  await wasmBackend({ threads: 1 }).activate();
});

// [x shape, indices (shape [n] or nested), axis]
const cases: Array<[number[], number[] | number[][], number]> = [
  [[10], [3, 0, 9, 3], 0],
  [[6, 5], [5, 0, 2, 2, 1], 0], // a shuffled minibatch
  [[6, 5], [], 0], // empty minibatch
  [[4, 3, 5], [3, 1], 0],
  [
    [4, 3, 5],
    [
      [0, 1],
      [3, 2],
    ],
    0,
  ], // 2-D indices
  [[6, 5], [4, 0, 1], 1], // another axis: the original kernel
];

describe('fast GatherV2 kernel for wasm', () => {
  it('is installed by activate()', () => {
    expect(isWasmFastGatherInstalled()).toBe(true);
  });

  it.each(cases)(
    'matches the original kernel for shape %j, indices %j, axis %i (float32 and int32)',
    (shape, indices, axis) => {
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
      const idx = tf.tensor(
        indices.flat(),
        (indices as unknown[]).length && Array.isArray(indices[0])
          ? [indices.length, (indices[0] as number[]).length]
          : [indices.length],
        'int32',
      );
      const run = () =>
        tf.tidy(() =>
          [tf.gather(x, idx, axis), tf.gather(xi, idx, axis)].map((t) => ({
            shape: t.shape,
            v: Array.from(t.dataSync()),
          })),
        );
      const before = tf.memory().numTensors;
      const fast = run();
      expect(tf.memory().numTensors).toBe(before);
      installWasmFastGather(false);
      expect(isWasmFastGatherInstalled()).toBe(false);
      const slow = run();
      installWasmFastGather();
      expect(fast).toEqual(slow);
      tf.dispose([x, xi, idx]);
    },
  );

  it('gathers a minibatch of MNIST-sized rows out of a large tensor like the original', () => {
    const x = tf.randomUniform([3000, 784], 0, 1, 'float32', 4);
    const idx = tf.tensor1d(
      Int32Array.from({ length: 100 }, (_, i) => (i * 977) % 3000),
      'int32',
    );
    const fast = tf.gather(x, idx);
    installWasmFastGather(false);
    const slow = tf.gather(x, idx);
    installWasmFastGather();
    expect(fast.shape).toEqual([100, 784]);
    expect(Array.from(fast.dataSync())).toEqual(Array.from(slow.dataSync()));
    tf.dispose([x, idx, fast, slow]);
  });

  it("throws tfjs's error for an index out of range", () => {
    const x = tf.zeros([3, 2]);
    const idx = tf.tensor1d([0, 3], 'int32');
    expect(() => tf.gather(x, idx)).toThrow(/GatherV2: the index value 3 is not in \[0, 2\]/);
    tf.dispose([x, idx]);
  });
});
