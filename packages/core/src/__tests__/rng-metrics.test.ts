import '@tensorflow/tfjs-backend-cpu';
import * as tf from '@tensorflow/tfjs-core';
import { describe, expect, it } from 'vitest';
import {
  accuracy,
  epochBatches,
  meanSquaredError,
  Rng,
  r2Score,
  takeRows,
  trainValidationSplit,
  ValidationError,
} from '../index.js';

describe('Rng', () => {
  it('is reproducible from a seed and from a saved state', () => {
    const a = new Rng(42);
    const b = new Rng(42);
    const xs = Array.from({ length: 5 }, () => a.next());
    expect(Array.from({ length: 5 }, () => b.next())).toEqual(xs);
    const c = new Rng(7);
    c.next();
    const resumed = Rng.fromState(c.state);
    expect(resumed.next()).toBe(c.next());
    expect(new Rng(1).next()).not.toBe(new Rng(2).next());
  });

  it('draws uniform values and proper permutations', () => {
    const r = new Rng(3);
    const xs = Array.from({ length: 10000 }, () => r.next());
    const mean = xs.reduce((s, x) => s + x, 0) / xs.length;
    expect(mean).toBeGreaterThan(0.48);
    expect(mean).toBeLessThan(0.52);
    expect(Math.min(...xs)).toBeGreaterThanOrEqual(0);
    expect(Math.max(...xs)).toBeLessThan(1);
    const p = r.permutation(100);
    expect([...p].sort((x, y) => x - y)).toEqual(Array.from({ length: 100 }, (_, i) => i));
    const normals = Array.from({ length: 5000 }, () => r.normal());
    const nm = normals.reduce((s, x) => s + x, 0) / normals.length;
    const nv = normals.reduce((s, x) => s + (x - nm) ** 2, 0) / normals.length;
    expect(Math.abs(nm)).toBeLessThan(0.05);
    expect(nv).toBeGreaterThan(0.9);
    expect(nv).toBeLessThan(1.1);
  });

  it('rejects a non-integer seed', () => {
    expect(() => new Rng(1.5)).toThrowError(ValidationError);
  });
});

describe('minibatches', () => {
  it('cover every sample once per epoch, shuffled by seed', () => {
    const batches = epochBatches(10, 4, new Rng(1));
    expect(batches.map((b) => b.length)).toEqual([4, 4, 2]);
    const all = batches.flatMap((b) => [...b]).sort((x, y) => x - y);
    expect(all).toEqual(Array.from({ length: 10 }, (_, i) => i));
    expect(epochBatches(10, 4, new Rng(1)).map((b) => [...b])).toEqual(batches.map((b) => [...b]));
    expect(epochBatches(5, 2).map((b) => [...b])).toEqual([[0, 1], [2, 3], [4]]);
  });

  it('takeRows slices contiguous rows and gathers the rest without leaking', async () => {
    await tf.setBackend('cpu');
    const x = tf.tensor2d([[0], [1], [2], [3]]);
    const before = tf.memory().numTensors;
    const s = takeRows(x, Int32Array.from([1, 2]));
    const g = takeRows(x, Int32Array.from([3, 0]));
    expect(Array.from(s.dataSync())).toEqual([1, 2]);
    expect(Array.from(g.dataSync())).toEqual([3, 0]);
    tf.dispose([s, g]);
    expect(tf.memory().numTensors).toBe(before);
    x.dispose();
  });

  it('trainValidationSplit partitions the rows', () => {
    const { train, validation } = trainValidationSplit(100, 0.1, new Rng(0));
    expect(validation.length).toBe(10);
    expect(train.length).toBe(90);
    expect(new Set([...train, ...validation]).size).toBe(100);
  });
});

describe('metrics', () => {
  it('accuracy, MSE and R² match hand-computed values', () => {
    expect(accuracy([1, 2, 3, 4], [1, 2, 0, 4])).toBe(0.75);
    expect(accuracy(['a', 'b'], ['a', 'a'])).toBe(0.5);
    expect(meanSquaredError([1, 2, 3], [1, 2, 5])).toBeCloseTo(4 / 3);
    expect(r2Score([1, 2, 3], [1, 2, 3])).toBe(1);
    // sklearn: r2_score([3, -0.5, 2, 7], [2.5, 0.0, 2, 8]) == 0.9486081370449679
    expect(r2Score([3, -0.5, 2, 7], [2.5, 0.0, 2, 8])).toBeCloseTo(0.9486081370449679, 10);
    // multi-output, uniform average: sklearn gives 0.9368005266622779
    expect(
      r2Score(
        [
          [0.5, 1],
          [-1, 1],
          [7, -6],
        ],
        [
          [0, 2],
          [-1, 2],
          [8, -5],
        ],
      ),
    ).toBeCloseTo(0.9368005266622779, 10);
    expect(() => accuracy([1], [1, 2])).toThrowError(/yTrue has 1 values but yPred has 2/);
  });
});
