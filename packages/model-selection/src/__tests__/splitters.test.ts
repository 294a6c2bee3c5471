import '@tensorflow/tfjs-backend-cpu';
import { ValidationError } from '@layerwise/core';
import * as tf from '@tensorflow/tfjs-core';
import { beforeAll, describe, expect, it } from 'vitest';
import {
  KFold,
  logUniform,
  parameterGrid,
  parameterSampler,
  randInt,
  ShuffleSplit,
  StratifiedKFold,
  StratifiedShuffleSplit,
  trainTestSplit,
  uniform,
} from '../index.js';
import { REF } from './reference.js';

// The inputs of scripts/reference.py.
const y = [2, 0, 1, 1, 0, 2, 2, 1, 0, 0, 1, 2, 2, 0, 1, 1, 2, 0, 1, 1, 0, 2, 1];
const X = y.map((v, i) => [i, v]);
const ys = ['b', 'a', 'c', 'a', 'b', 'b', 'a', 'c', 'c', 'b', 'a', 'b', 'b'];
const tests = (it: Iterable<[Int32Array, Int32Array]>) => [...it].map(([, t]) => Array.from(t));
const counts = (labels: number[]) => [0, 1, 2].map((c) => labels.filter((l) => l === c).length);

beforeAll(async () => {
  await tf.setBackend('cpu');
});

describe("splitters give scikit-learn's folds", () => {
  it('KFold: the first n % k folds get one more sample; train is the complement', () => {
    const kf = new KFold({ nSplits: 4 });
    expect(tests(kf.split(X))).toEqual(REF.kfold);
    for (const [train, test] of kf.split(X)) {
      expect([...train, ...test].sort((a, b) => a - b)).toEqual(y.map((_, i) => i));
    }
    expect(kf.getNSplits()).toBe(4);
  });

  it('StratifiedKFold without shuffle equals scikit-learn fold for fold (numbers and strings)', () => {
    expect(tests(new StratifiedKFold({ nSplits: 4 }).split(X, y))).toEqual(REF.skfold);
    expect(tests(new StratifiedKFold({ nSplits: 3 }).split(X, y))).toEqual(REF.skfold3);
    expect(
      tests(
        new StratifiedKFold({ nSplits: 3 }).split(
          ys.map(() => [0]),
          ys,
        ),
      ),
    ).toEqual(REF.skfoldStrings);
  });

  it('StratifiedKFold with shuffle keeps the fold sizes and class counts, and repeats with a seed', () => {
    const plain = tests(new StratifiedKFold({ nSplits: 4 }).split(X, y));
    const a = tests(new StratifiedKFold({ nSplits: 4, shuffle: true, randomState: 3 }).split(X, y));
    const b = tests(new StratifiedKFold({ nSplits: 4, shuffle: true, randomState: 3 }).split(X, y));
    expect(a).toEqual(b);
    expect(a).not.toEqual(plain);
    a.forEach((fold, k) => {
      expect(counts(fold.map((i) => y[i]!))).toEqual(counts(plain[k]!.map((i) => y[i]!)));
    });
  });

  it('a cv larger than the smallest class count is a ValidationError', () => {
    const few = [0, 0, 0, 1, 1, 0, 0];
    expect(() => [
      ...new StratifiedKFold({ nSplits: 3 }).split(
        few.map(() => [0]),
        few,
      ),
    ]).toThrow(ValidationError);
    expect(() => [
      ...new StratifiedKFold({ nSplits: 3 }).split(
        few.map(() => [0]),
        few,
      ),
    ]).toThrow(/least populated class \(2\)/);
  });

  it('ShuffleSplit and StratifiedShuffleSplit sizes; per-class counts equal scikit-learn', () => {
    for (const [train, test] of new ShuffleSplit({ nSplits: 3, testSize: 0.3, randomState: 0 }).split(X)) {
      expect([train.length, test.length]).toEqual([16, 7]);
      expect(new Set([...train, ...test]).size).toBe(23);
    }
    const [[tr, te]] = [
      ...new StratifiedShuffleSplit({ nSplits: 1, testSize: 6, randomState: 0 }).split(X, y),
    ] as [[Int32Array, Int32Array]];
    expect(counts(Array.from(tr, (i) => y[i]!))).toEqual(REF.sssCounts.train);
    expect(counts(Array.from(te, (i) => y[i]!))).toEqual(REF.sssCounts.test);
  });
});

describe('trainTestSplit', () => {
  it("sizes equal scikit-learn's for fractions, counts and the default", () => {
    const idx = y.map((_, i) => i);
    for (const [k, [nTr, nTe]] of Object.entries(REF.trainTestSizes)) {
      const opts = k === 'None' ? {} : k === 'train0.6' ? { trainSize: 0.6 } : { testSize: Number(k) };
      const [a, b] = trainTestSplit(idx, { ...opts, randomState: 1 });
      expect([a.length, b.length]).toEqual([nTr, nTe]);
      expect(new Set([...a, ...b]).size).toBe(23);
    }
  });

  it('stratify keeps per-class counts as scikit-learn; X and y stay aligned; kinds are kept', () => {
    const [Xtr, Xte, ytr, yte] = trainTestSplit(X, y, { testSize: 0.3, stratify: y, randomState: 0 });
    expect(counts(ytr)).toEqual(REF.stratifiedCounts.train);
    expect(counts(yte)).toEqual(REF.stratifiedCounts.test);
    for (const [Xp, yp] of [
      [Xtr, ytr],
      [Xte, yte],
    ] as const)
      for (const [i, row] of Xp.entries()) expect(row[1]).toBe(yp[i]);
    const typed = { data: Float32Array.from(X.flat()), shape: [23, 2] as [number, number] };
    const [tTr, tTe, iTr] = trainTestSplit(typed, Int32Array.from(y), { randomState: 4 });
    expect(tTr.shape).toEqual([17, 2]);
    expect(tTe.data).toBeInstanceOf(Float32Array);
    expect(iTr).toBeInstanceOf(Int32Array);
    for (let r = 0; r < 17; r++) expect(tTr.data[r * 2 + 1]).toBe(iTr[r]);
  });

  it('tensors in → new tensors out (same rows), nothing else left behind', () => {
    const Xt = tf.tensor2d(X);
    const yt = tf.tensor1d(y);
    const before = tf.memory().numTensors;
    const parts = trainTestSplit(Xt, yt, { randomState: 2 });
    expect(tf.memory().numTensors).toBe(before + 4);
    const [a, , b] = parts;
    expect((a.arraySync() as number[][]).map((r) => r[1])).toEqual(b.arraySync());
    for (const p of parts) p.dispose();
    Xt.dispose();
    yt.dispose();
  });

  it('shuffle: false keeps the first rows for training', () => {
    const [a, b] = trainTestSplit([0, 1, 2, 3, 4, 5, 6, 7], { shuffle: false, testSize: 0.25 });
    expect(a).toEqual([0, 1, 2, 3, 4, 5]);
    expect(b).toEqual([6, 7]);
  });

  it.each([
    ['testSize ≥ 1 as fraction', () => trainTestSplit(X, y, { testSize: 1.5 }), /testSize=1.5/],
    ['too many samples', () => trainTestSplit(X, y, { testSize: 20, trainSize: 10 }), /exceed/],
    ['length mismatch', () => trainTestSplit(X, [1, 2]), /X has 23 samples but y has 2/],
    [
      'stratify without shuffle',
      () => trainTestSplit(X, y, { shuffle: false, stratify: y }),
      /shuffle: true/,
    ],
    ['class of one', () => trainTestSplit(X, y, { stratify: [...y.slice(0, 22), 7] }), /only 1 member/],
    ['unknown option', () => trainTestSplit(X, y, { test_size: 0.2 } as never), /unknown option 'test_size'/],
  ])('%s → ValidationError', (_n, call, msg) => {
    expect(call).toThrow(ValidationError);
    expect(call).toThrow(msg);
  });
});

describe('parameter grids and samplers', () => {
  it("parameterGrid enumerates in scikit-learn's ParameterGrid order", () => {
    expect(parameterGrid([{ b: [1, 2], a: ['x', 'y'] }, { c: [true] }])).toEqual(REF.grid);
  });

  it('parameterSampler: all lists → distinct grid points; distributions → seeded draws in range', () => {
    const pts = parameterSampler({ a: [1, 2, 3], b: ['x', 'y'] }, 4, 0);
    expect(new Set(pts.map((p) => JSON.stringify(p))).size).toBe(4);
    expect(parameterSampler({ a: [1, 2] }, 5, 0)).toHaveLength(2);
    const d = { lr: logUniform(1e-4, 1e-1), n: randInt(2, 5), u: uniform(1, 2), act: ['relu', 'tanh'] };
    const s1 = parameterSampler(d, 20, 7);
    expect(parameterSampler(d, 20, 7)).toEqual(s1);
    for (const p of s1) {
      expect(p.lr as number).toBeGreaterThanOrEqual(1e-4);
      expect(p.lr as number).toBeLessThan(1e-1);
      expect([2, 3, 4]).toContain(p.n);
      expect(p.u as number).toBeGreaterThanOrEqual(1);
      expect(p.u as number).toBeLessThan(3);
    }
    expect(() => logUniform(0, 1)).toThrow(ValidationError);
    expect(() => randInt(3, 3)).toThrow(ValidationError);
  });
});
