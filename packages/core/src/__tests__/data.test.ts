import '@tensorflow/tfjs-backend-cpu';
import * as tf from '@tensorflow/tfjs-core';
import { beforeAll, describe, expect, it } from 'vitest';
import {
  decodeLabels,
  encodeLabels,
  fromTensor1D,
  fromTensor2D,
  releaseMatrix,
  toMatrix,
  toTargets,
  ValidationError,
} from '../index.js';

beforeAll(async () => {
  await tf.setBackend('cpu');
});

describe('toMatrix', () => {
  it('accepts number[][], typed matrices and tensors, and reports the kind', () => {
    const before = tf.memory().numTensors;
    const a = toMatrix([
      [1, 2],
      [3, 4],
      [5, 6],
    ]);
    expect(a).toMatchObject({ kind: 'array', rows: 3, cols: 2, owned: true });
    expect(Array.from(a.tensor.dataSync())).toEqual([1, 2, 3, 4, 5, 6]);
    const b = toMatrix({ data: new Float64Array([1, 2, 3, 4]), shape: [2, 2] });
    expect(b).toMatchObject({ kind: 'typed', rows: 2, cols: 2 });
    const t = tf.tensor2d([[1, 2]]);
    const c = toMatrix(t);
    expect(c).toMatchObject({ kind: 'tensor', owned: false });
    expect(c.tensor).toBe(t);
    releaseMatrix(a);
    releaseMatrix(b);
    releaseMatrix(c);
    t.dispose();
    expect(tf.memory().numTensors).toBe(before);
  });

  it.each([
    [[], /X is empty \(0 rows\)/],
    [[[]], /0 features/],
    [[[1, 2], [3]], /ragged: row 1 has 1 values but row 0 has 2/],
    [[[1, Number.NaN]], /NaN at row 0, column 1/],
    [[[1], [Number.POSITIVE_INFINITY]], /Infinity at row 1, column 0/],
    [[[1], [Number.NEGATIVE_INFINITY]], /-Infinity at row 1, column 0/],
    [[[1, 'a']], /X\[0\]\[1\] is a string \("a"\), expected a number/],
    [[1, 2, 3], /must be a 2-D array.*wrap each sample/],
    ['abc', /must be number\[\]\[\]/],
    [null, /got null/],
    [{ data: new Float32Array(5), shape: [2, 2] }, /has 5 values but shape \[2, 2\] needs 4/],
    // { data: number[], shape } is accepted (issue 26); its values must be numbers.
    [{ data: [1, 'a'], shape: [1, 2] }, /X\.data\[1\] is string, expected a number/],
    [{ data: new Int32Array(2), shape: [1, 2] }, /Float32Array or Float64Array/],
    [{ data: new Float32Array(2), shape: [2] }, /shape must be \[rows, cols\]/],
  ])('rejects bad input %# with a message that says what is wrong', (bad, message) => {
    const before = tf.memory().numTensors;
    expect(() => toMatrix(bad)).toThrowError(ValidationError);
    expect(() => toMatrix(bad)).toThrowError(message);
    expect(tf.memory().numTensors).toBe(before);
  });

  it('rejects tensors of the wrong rank or with non-finite values', () => {
    const t1 = tf.tensor1d([1, 2]);
    expect(() => toMatrix(t1)).toThrowError(/rank 1.*reshape/);
    const t2 = tf.tensor2d([[1, Number.NaN]]);
    expect(() => toMatrix(t2)).toThrowError(/NaN at row 0, column 1/);
    tf.dispose([t1, t2]);
  });

  it('checks a tensor on the backend (one boolean read, no leak); a bad one names its first bad value', () => {
    const before = tf.memory().numTensors;
    const big = tf.randomUniform([3000, 50]) as tf.Tensor2D;
    const m = toMatrix(big);
    expect(m).toMatchObject({ kind: 'tensor', owned: false, rows: 3000, cols: 50 });
    expect(m.tensor).toBe(big);
    const bad = tf.tensor2d([
      [1, 2],
      [3, Number.NEGATIVE_INFINITY],
    ]);
    expect(() => toMatrix(bad)).toThrowError(/-Infinity at row 1, column 1/);
    const ints = tf.tensor2d([[1, 2]], [1, 2], 'int32');
    const mi = toMatrix(ints);
    expect(mi.owned).toBe(true);
    releaseMatrix(mi);
    tf.dispose([big, bad, ints]);
    expect(tf.memory().numTensors).toBe(before);
  });

  it('rejects a wrong feature count after fit', () => {
    expect(() => toMatrix([[1, 2, 3]], { expectedFeatures: 2 })).toThrowError(
      /has 3 features per row, but the estimator was fitted with 2/,
    );
  });
});

describe('outputs in the kind the caller passed', () => {
  it('round-trips arrays, typed matrices and tensors', () => {
    const before = tf.memory().numTensors;
    expect(fromTensor2D(tf.tensor2d([[1, 2]]), 'array')).toEqual([[1, 2]]);
    const typed = fromTensor2D(tf.tensor2d([[1, 2]]), 'typed') as { data: Float32Array; shape: number[] };
    expect(typed.shape).toEqual([1, 2]);
    expect(typed.data).toBeInstanceOf(Float32Array);
    const t = tf.tensor2d([[1, 2]]);
    expect(fromTensor2D(t, 'tensor')).toBe(t);
    t.dispose();
    expect(fromTensor1D(tf.tensor1d([3, 4]), 'array')).toEqual([3, 4]);
    expect(tf.memory().numTensors).toBe(before);
  });
});

describe('labels', () => {
  it('encodes numbers and strings with sorted classes and decodes them back', () => {
    const e = encodeLabels(['b', 'a', 'c', 'a'], 4);
    expect(e.classes).toEqual(['a', 'b', 'c']);
    expect(Array.from(e.indices)).toEqual([1, 0, 2, 0]);
    expect(decodeLabels([2, 0], e.classes, e.kind)).toEqual(['c', 'a']);
    const n = encodeLabels([10, 2, 10], 3);
    expect(n.classes).toEqual([2, 10]);
    expect(decodeLabels([1], n.classes, 'int32')).toEqual(Int32Array.from([10]));
  });

  it('names the problem: length mismatch, mixed types, unseen class, 2-D tensor', () => {
    expect(() => encodeLabels([1, 2], 3)).toThrowError(/X has 3 samples but y has 2 labels/);
    expect(() => encodeLabels([1, 'a'], 2)).toThrowError(/y\[1\] is a string/);
    expect(() => encodeLabels([5], 1, [1, 2])).toThrowError(/class not seen at fit time/);
    const t = tf.tensor2d([[1, 0]]);
    expect(() => encodeLabels(t, 1)).toThrowError(/must be 1-D.*argMax/);
    t.dispose();
  });
});

describe('regression targets', () => {
  it('accepts 1-D and 2-D targets and checks the row count', () => {
    const one = toTargets([1, 2, 3], 3);
    expect(one.oneDimensional).toBe(true);
    expect(one.tensor.shape).toEqual([3, 1]);
    one.tensor.dispose();
    const two = toTargets(
      [
        [1, 2],
        [3, 4],
      ],
      2,
    );
    expect(two.oneDimensional).toBe(false);
    two.tensor.dispose();
    expect(() => toTargets([1, 2], 3)).toThrowError(/X has 3 samples but y has 2 targets/);
    expect(() => toTargets([1, Number.NaN], 2)).toThrowError(/y\[1\] is NaN/);
  });
});

describe('non-finite values in float32 input (the bit-level fast check)', () => {
  const rows = 1001;
  const cols = 7; // 7007 values: not a multiple of 4, so the tail is checked too
  const at = (i: number, v: number) => {
    const data = Float32Array.from({ length: rows * cols }, (_, k) => (k % 13) - 6.5);
    data[i] = v;
    return { data, shape: [rows, cols] as [number, number] };
  };
  it.each([
    [0, Number.NaN, /NaN at row 0, column 0/],
    [3, Number.POSITIVE_INFINITY, /Infinity at row 0, column 3/],
    [3500, Number.NEGATIVE_INFINITY, /-Infinity at row 500, column 0/],
    [rows * cols - 1, Number.NaN, /NaN at row 1000, column 6/],
    [rows * cols - 2, Number.POSITIVE_INFINITY, /Infinity at row 1000, column 5/],
  ])('value %i = %f is found, with its row and column', (i, v, message) => {
    expect(() => toMatrix(at(i, v))).toThrowError(ValidationError);
    expect(() => toMatrix(at(i, v))).toThrowError(message);
  });
  it('finite extremes pass: ±3.4e38, the smallest subnormal, −0', () => {
    const data = new Float32Array([3.4e38, -3.4e38, 1e-45, -0, 0, 1, 2]);
    expect(() => releaseMatrix(toMatrix({ data, shape: [1, 7] }))).not.toThrow();
  });
});
