// Numbers from scripts/reference.py (scikit-learn 1.2.1, Debian python3-sklearn); keep both in step.
import { NotFittedError, ValidationError } from '@layerwise/core';
import * as tf from '@tensorflow/tfjs-core';
import '@tensorflow/tfjs-backend-cpu';
import { beforeAll, describe, expect, it } from 'vitest';
import {
  LabelEncoder,
  MaxAbsScaler,
  MinMaxScaler,
  Normalizer,
  OneHotEncoder,
  OrdinalEncoder,
  PCA,
  RobustScaler,
  SimpleImputer,
  StandardScaler,
} from '../index.js';

const X = [
  [1.0, -2.0, 3.5, 10.0],
  [2.5, 0.0, -1.0, 10.0],
  [-3.0, 4.0, 0.5, 10.0],
  [0.5, 1.5, 2.0, 10.0],
  [4.0, -1.0, 8.0, 10.0],
  [1.5, 2.5, -4.5, 10.0],
  [-0.5, 3.0, 1.0, 10.0],
];
const T = [
  [0.0, 1.0, 2.0, 11.0],
  [5.0, -3.0, 0.0, 9.0],
];
const X3 = X.map((r) => r.slice(0, 3));
const T3 = T.map((r) => r.slice(0, 3));

/** Every number of `actual` within 5e-6 of `expected` (fitted vectors are float32). */
function close(actual: unknown, expected: unknown, tol = 5e-6): void {
  const a = (actual as unknown[]).flat(2) as number[];
  const e = (expected as unknown[]).flat(2) as number[];
  expect(a.length).toBe(e.length);
  a.forEach((v, i) => {
    if (!(Math.abs(v - e[i]!) <= tol * Math.max(1, Math.abs(e[i]!))))
      expect.fail(`value ${i} is ${v}, expected ${e[i]}`);
  });
}

beforeAll(async () => {
  await tf.setBackend('cpu');
});

describe('StandardScaler equals scikit-learn', () => {
  it('fit: mean, var, scale (constant feature → 1) and transform', () => {
    const s = new StandardScaler().fit(X);
    close(s.mean, [0.8571428571, 1.1428571429, 1.3571428571, 10.0]);
    close(s.var, [4.2653061224, 4.193877551, 12.8367346939, 0.0]);
    close(s.scale, [2.0652617564, 2.0478958838, 3.5828389154, 1.0]);
    expect(s.nSamplesSeen).toBe(7);
    close(s.transform(T), [
      [-0.4150286783, -0.0697580106, 0.1794267501, 1.0],
      [2.0059719452, -2.0229823086, -0.3787898058, -1.0],
    ]);
    close(s.inverseTransform(s.transform(T)), T);
  });

  it('partialFit over three batches gives the statistics of one fit', () => {
    const s = new StandardScaler();
    s.partialFit(X.slice(0, 3)).partialFit(X.slice(3, 5)).partialFit(X.slice(5));
    close(s.mean, [0.8571428571, 1.1428571429, 1.3571428571, 10.0]);
    close(s.var, [4.2653061224, 4.193877551, 12.8367346939, 0.0]);
    expect(s.nSamplesSeen).toBe(7);
    expect(() => s.partialFit([[1, 2, 3]])).toThrow(/3 features per row.*fitted with 4/);
  });

  it('withMean: false only divides; withStd: false keeps no var/scale', () => {
    close(new StandardScaler({ withMean: false }).fit(X).transform(T), [
      [0.0, 0.4883060745, 0.558216556, 11.0],
      [2.4210006235, -1.4649182235, 0.0, 9.0],
    ]);
    const s = new StandardScaler({ withStd: false }).fit(X);
    expect(s.var).toBeNull();
    expect(s.scale).toBeNull();
    close(s.transform([[0.8571428571, 0, 0, 10]]), [[0, -1.1428571429, -1.3571428571, 0]]);
  });
});

describe('MinMaxScaler, MaxAbsScaler, RobustScaler, Normalizer equal scikit-learn', () => {
  it('MinMaxScaler featureRange [-1, 2], with and without clip', () => {
    const s = new MinMaxScaler({ featureRange: [-1, 2] }).fit(X);
    close(s.dataMin, [-3, -2, -4.5, 10]);
    close(s.dataMax, [4, 4, 8, 10]);
    close(s.dataRange, [7, 6, 12.5, 0]);
    close(s.scale, [0.4285714286, 0.5, 0.24, 3.0]);
    close(s.min, [0.2857142857, 0.0, 0.08, -31.0]);
    close(s.transform(T), [
      [0.2857142857, 0.5, 0.56, 2.0],
      [2.4285714286, -1.5, 0.08, -4.0],
    ]);
    close(s.inverseTransform(s.transform(T)), T);
    close(new MinMaxScaler({ featureRange: [-1, 2], clip: true }).fit(X).transform(T), [
      [0.2857142857, 0.5, 0.56, 2.0],
      [2.0, -1.0, 0.08, -1.0],
    ]);
  });

  it('MinMaxScaler.partialFit tracks the running extremes', () => {
    const s = new MinMaxScaler().partialFit(X.slice(0, 2)).partialFit(X.slice(2));
    close(s.dataMin, [-3, -2, -4.5, 10]);
    close(s.dataMax, [4, 4, 8, 10]);
    expect(s.nSamplesSeen).toBe(7);
    close(s.transform(T), [
      [0.4285714286, 0.5, 0.52, 1.0],
      [1.1428571429, -0.1666666667, 0.36, -1.0],
    ]);
  });

  it('MaxAbsScaler (and its partialFit)', () => {
    const s = new MaxAbsScaler().fit(X);
    close(s.maxAbs, [4, 4, 8, 10]);
    close(s.transform(T), [
      [0.0, 0.25, 0.25, 1.1],
      [1.25, -0.75, 0.0, 0.9],
    ]);
    const p = new MaxAbsScaler().partialFit(X.slice(0, 4)).partialFit(X.slice(4));
    close(p.scale, [4, 4, 8, 10]);
    close(p.inverseTransform(p.transform(T)), T);
  });

  it('RobustScaler: medians and interquartile ranges (numpy linear percentiles)', () => {
    const s = new RobustScaler().fit(X);
    close(s.center, [1.0, 1.5, 1.0, 10.0]);
    close(s.scale, [2.0, 3.25, 3.0, 1.0]);
    close(s.transform(T), [
      [-0.5, -0.1538461538, 0.3333333333, 1.0],
      [2.0, -1.3846153846, -0.3333333333, -1.0],
    ]);
    const q = new RobustScaler({ quantileRange: [10, 80], withCentering: false }).fit(X);
    expect(q.center).toBeNull();
    close(q.scale, [3.8, 4.3, 5.6, 1.0]);
    close(q.transform(T), [
      [0.0, 0.2325581395, 0.3571428571, 11.0],
      [1.3157894737, -0.6976744186, 0.0, 9.0],
    ]);
    expect(() => new RobustScaler({ quantileRange: [80, 10] })).toThrow(ValidationError);
  });

  it('Normalizer l1, l2, max', () => {
    const rows = X.slice(0, 3);
    close(new Normalizer({ norm: 'l1' }).fit(X).transform(rows), [
      [0.0606060606, -0.1212121212, 0.2121212121, 0.6060606061],
      [0.1851851852, 0.0, -0.0740740741, 0.7407407407],
      [-0.1714285714, 0.2285714286, 0.0285714286, 0.5714285714],
    ]);
    close(new Normalizer().fit(X).transform(rows), [
      [0.0923514193, -0.1847028386, 0.3232299676, 0.9235141931],
      [0.2414022748, 0.0, -0.0965609099, 0.9656090992],
      [-0.268060231, 0.3574136413, 0.0446767052, 0.8935341032],
    ]);
    close(new Normalizer({ norm: 'max' }).fit(X).transform(rows), [
      [0.1, -0.2, 0.35, 1.0],
      [0.25, 0.0, -0.1, 1.0],
      [-0.3, 0.4, 0.05, 1.0],
    ]);
    expect(new Normalizer().fit(X).transform([[0, 0, 0, 0]])).toEqual([[0, 0, 0, 0]]);
  });
});

describe('SimpleImputer equals scikit-learn (NaN is the missing marker)', () => {
  const M = X.map((r) => [...r]);
  for (const [r, c] of [
    [0, 0],
    [2, 0],
    [1, 2],
    [4, 2],
    [5, 2],
  ] as const)
    M[r]![c] = Number.NaN;
  [1, 2, 2, 3, 3, Number.NaN, 1].forEach((v, r) => {
    M[r]![1] = v;
  });
  const MT = [[Number.NaN, Number.NaN, Number.NaN, 1.0]];
  const expected = {
    mean: [1.6, 2.0, 1.75, 10.0],
    median: [1.5, 2.0, 1.5, 10.0],
    most_frequent: [-0.5, 1.0, 0.5, 10.0],
    constant: [-7, -7, -7, -7],
  } as const;
  for (const strategy of ['mean', 'median', 'most_frequent', 'constant'] as const) {
    it(`strategy ${strategy}`, () => {
      const imp = new SimpleImputer({ strategy, ...(strategy === 'constant' ? { fillValue: -7 } : {}) });
      imp.fit(M);
      close(imp.statistics, expected[strategy], 1e-12);
      const st = expected[strategy];
      close(imp.transform(MT), [[st[0], st[1], st[2], 1.0]], 1e-12);
    });
  }

  it('drops a column missing everywhere unless keepEmptyFeatures; Infinity stays an error', () => {
    const E = [
      [1, Number.NaN],
      [3, Number.NaN],
    ];
    const imp = new SimpleImputer().fit(E);
    expect(imp.statistics[1]).toBeNaN();
    expect(imp.transform([[Number.NaN, 5]])).toEqual([[2]]);
    expect(
      new SimpleImputer({ keepEmptyFeatures: true }).fit(E).transform([[Number.NaN, Number.NaN]]),
    ).toEqual([[2, 0]]);
    expect(() => imp.transform([[Number.POSITIVE_INFINITY, 1]])).toThrow(/Infinity at row 0, column 0/);
  });

  it('every other transformer rejects NaN, naming SimpleImputer', () => {
    for (const t of [new StandardScaler(), new MinMaxScaler(), new PCA(), new OneHotEncoder()]) {
      expect(() => t.fit(M)).toThrow(ValidationError);
      expect(() => t.fit(M)).toThrow(/NaN at row 0, column 0.*SimpleImputer/);
    }
  });
});

describe('OrdinalEncoder equals scikit-learn', () => {
  const C = [
    ['red', 1],
    ['blue', 3],
    ['red', 3],
    ['green', 2],
  ];
  it('categories, codes, unknown value, inverseTransform; errors', () => {
    const e = new OrdinalEncoder({ handleUnknown: 'use_encoded_value', unknownValue: -1 }).fit(C);
    expect(e.categories).toEqual([
      ['blue', 'green', 'red'],
      [1, 2, 3],
    ]);
    expect(e.transform(C)).toEqual([
      [2, 0],
      [0, 2],
      [2, 2],
      [1, 1],
    ]);
    expect(
      e.transform([
        ['green', 1],
        ['purple', 3],
      ]),
    ).toEqual([
      [1, 0],
      [-1, 2],
    ]);
    expect(
      e.inverseTransform([
        [2, 0],
        [-1, 2],
      ]),
    ).toEqual([
      ['red', 1],
      [null, 3],
    ]);
    expect(e.getFeatureNamesOut()).toEqual(['x0', 'x1']);
    const strict = new OrdinalEncoder().fit(C);
    expect(() => strict.transform([['purple', 1]])).toThrow(/"purple", a category not seen at fit time/);
    expect(() => new OrdinalEncoder({ handleUnknown: 'use_encoded_value' })).toThrow(/needs unknownValue/);
    expect(() => new OrdinalEncoder({ unknownValue: -1 })).toThrow(/only used with handleUnknown/);
    expect(() => new OrdinalEncoder({ handleUnknown: 'use_encoded_value', unknownValue: 1 }).fit(C)).toThrow(
      /unknownValue 1 is already the code of category "green" of column 0/,
    );
    // A table's text columns, by name; the output keeps float64 as { data, shape }.
    const t = new OrdinalEncoder().fit({ city: ['Paris', 'Oslo', 'Paris'], size: [3, 1, 2] });
    expect(t.featureNamesIn).toEqual(['city', 'size']);
    expect(t.transform({ size: [3], city: ['Oslo'] })).toEqual({
      data: Float64Array.from([0, 2]),
      shape: [1, 2],
    });
    expect(() => t.transform({ city: ['Oslo'] })).toThrow(/no column "size"/);
    expect(() => t.fit({ city: ['Oslo', null] })).toThrow(/X\[1\]\[0\] \(column 0 \("city"\)\) is missing/);
  });
});

describe('OneHotEncoder and LabelEncoder equal scikit-learn', () => {
  const C = [
    ['red', 1],
    ['blue', 3],
    ['red', 3],
    ['green', 2],
  ];
  it('categories, transform, handleUnknown and inverseTransform', () => {
    const e = new OneHotEncoder({ handleUnknown: 'ignore' }).fit(C);
    expect(e.categories).toEqual([
      ['blue', 'green', 'red'],
      [1, 2, 3],
    ]);
    expect(e.nFeaturesOut).toBe(6);
    expect(
      e.transform([
        ['green', 1],
        ['purple', 3],
      ]),
    ).toEqual([
      [0, 1, 0, 1, 0, 0],
      [0, 0, 0, 0, 0, 1],
    ]);
    expect(e.inverseTransform(e.transform([['purple', 2]]) as number[][])).toEqual([[null, 2]]);
    const strict = new OneHotEncoder().fit(C);
    expect(() => strict.transform([['purple', 1]])).toThrow(/"purple", a category not seen at fit time/);
    expect(strict.inverseTransform(strict.transform(C) as number[][])).toEqual(C);
    // Numeric categories through tensors: tensor in, tensor out.
    const n = new OneHotEncoder().fit([[5], [7], [5]]);
    const out = n.transform(tf.tensor2d([[7], [5]])) as tf.Tensor2D;
    expect(out.arraySync()).toEqual([
      [0, 1],
      [1, 0],
    ]);
    const back = n.inverseTransform(out) as tf.Tensor2D;
    expect(back.arraySync()).toEqual([[7], [5]]);
    tf.dispose([out, back]);
    expect(() =>
      new OneHotEncoder().fit([
        ['a', 1],
        [2, 1],
      ]),
    ).toThrow(/column 0 mixes numbers and strings/);
  });

  it('LabelEncoder: classes, transform, inverseTransform, unseen labels', () => {
    const le = new LabelEncoder().fit(['tokyo', 'paris', 'tokyo', 'amsterdam']);
    expect(le.classes).toEqual(['amsterdam', 'paris', 'tokyo']);
    expect(le.transform(['paris', 'amsterdam'])).toEqual([1, 0]);
    expect(le.inverseTransform([2, 0])).toEqual(['tokyo', 'amsterdam']);
    expect(new LabelEncoder().fitTransform(Int32Array.from([9, 3, 9]))).toEqual(Int32Array.from([1, 0, 1]));
    expect(() => le.transform(['rome'])).toThrow(/"rome", a label not seen at fit time/);
    expect(() => le.inverseTransform([3])).toThrow(/integers in \[0, 2\]/);
    expect(() => new LabelEncoder().transform(['a'])).toThrow(NotFittedError);
  });
});

describe('PCA equals scikit-learn (svd_flip signs)', () => {
  it('nComponents 2: components, variances, singular values, mean, noise, transform', () => {
    const p = new PCA({ nComponents: 2 }).fit(X3);
    expect(p.nComponents).toBe(2);
    close(p.components, [
      [0.2972748973, -0.3983214434, 0.8677370933],
      [-0.7276129613, 0.4939547753, 0.4760126663],
    ]);
    close(p.explainedVariance, [18.1798342646, 5.5839365228]);
    close(p.explainedVarianceRatio, [0.7317230849, 0.2247487628]);
    close(p.singularValues, [10.444089505, 5.7882310887]);
    close(p.mean, [0.8571428571, 1.1428571429, 1.3571428571]);
    expect(p.noiseVariance).toBeCloseTo(1.0814673078, 8);
    close(p.transform(T3), [
      [0.359926997, 0.8591114273],
      [1.7041130709, -5.7067978131],
    ]);
  });

  it("svdSolver 'full' (exact SVD) and 'covariance_eigh' give the same components", () => {
    for (const svdSolver of ['full', 'covariance_eigh'] as const) {
      const p = new PCA({ nComponents: 2, svdSolver }).fit(X3);
      close(p.components, [
        [0.2972748973, -0.3983214434, 0.8677370933],
        [-0.7276129613, 0.4939547753, 0.4760126663],
      ]);
      close(p.singularValues, [10.444089505, 5.7882310887]);
    }
    expect(() => new PCA({ svdSolver: 'arpack' as never })).toThrow(
      /svdSolver must be one of 'auto', 'full', 'covariance_eigh'/,
    );
  });

  it('a fraction picks the fewest components above it; whiten; all components invert exactly', () => {
    expect(new PCA({ nComponents: 0.8 }).fit(X3).nComponents).toBe(2);
    const w = new PCA({ whiten: true }).fit(X3);
    expect(w.nComponents).toBe(3);
    close(w.components, [
      [0.2972748973, -0.3983214434, 0.8677370933],
      [-0.7276129613, 0.4939547753, 0.4760126663],
      [-0.6182289333, -0.7728833726, -0.1429834899],
    ]);
    close(w.transform(T3), [
      [0.0844149686, 0.3635626492, 0.527344336],
      [0.399671746, -2.4150284418, 0.8027033462],
    ]);
    close(w.inverseTransform(w.transform(T3)), T3, 1e-5);
  });

  it('more features than samples (the SVD is transposed)', () => {
    const Xw = [
      [1, 2, 3, 4, 5],
      [2, 0, 1, -1, 3],
      [0, 1, 4, 2, -2],
    ];
    const p = new PCA().fit(Xw);
    expect(p.nComponents).toBe(3);
    // The third singular value is 0: its axis is arbitrary, so only the first two are compared.
    close(p.components.slice(0, 2), [
      [-0.191966242, -0.0599414522, 0.2359745053, -0.075874641, -0.9476893246],
      [0.2251747846, -0.3205050235, -0.407068054, -0.8229033164, -0.0608159321],
    ]);
    close(p.singularValues.slice(0, 2), [5.3734067205, 4.2964908413]);
    expect(p.singularValues[2]).toBeLessThan(1e-6);
  });

  it('bad nComponents are ValidationErrors before any state changes', () => {
    expect(() => new PCA({ nComponents: 2.5 })).toThrow(ValidationError);
    expect(() => new PCA({ nComponents: 0 })).toThrow(ValidationError);
    const p = new PCA({ nComponents: 4 });
    expect(() => p.fit(X3)).toThrow(/nComponents 4 is more than min\(samples, features\)/);
    expect(p.isFitted).toBe(false);
  });
});
