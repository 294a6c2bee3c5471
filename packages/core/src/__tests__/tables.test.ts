// Tables as JavaScript holds them, read by shape: Apache Arrow, nodejs-polars, Arquero, a Danfo.js-shaped
// DataFrame, row objects, columns objects, typed-array rows and { data: number[] }.
import '@tensorflow/tfjs-backend-cpu';
import * as tf from '@tensorflow/tfjs-core';
import * as arrow from 'apache-arrow';
import * as aq from 'arquero';
import pl from 'nodejs-polars';
import { beforeAll, describe, expect, it } from 'vitest';
import {
  featureNamesOf,
  isTableLike,
  readTable,
  releaseMatrix,
  tableToMatrix,
  toMatrix,
  ValidationError,
} from '../index.js';

beforeAll(async () => {
  await tf.setBackend('cpu');
});

const cols = { sepal: [5.1, 4.9, 6.3, 5.8], petal: [1.4, 1.5, 6.0, 5.1], width: [0.2, 0.2, 2.5, 1.9] };
const expected = {
  data: Float64Array.from([5.1, 1.4, 0.2, 4.9, 1.5, 0.2, 6.3, 6.0, 2.5, 5.8, 5.1, 1.9]),
  shape: [4, 3],
};

/**
 * danfojs-node needs @tensorflow/tfjs-node's native binding, which cannot be installed here (FINDINGS.md),
 * so Danfo's DataFrame is stood in for by an object with exactly the members layerwise reads: `columns`,
 * `shape`, and `column(name)` returning a Series with `values` (danfojs 1.2's API).
 */
class FakeDanfoDataFrame {
  constructor(readonly data: Record<string, unknown[]>) {}
  get columns(): string[] {
    return Object.keys(this.data);
  }
  get shape(): [number, number] {
    return [Object.values(this.data)[0]!.length, this.columns.length];
  }
  get values(): unknown[][] {
    return Array.from({ length: this.shape[0] }, (_, r) => this.columns.map((c) => this.data[c]![r]));
  }
  column(name: string): { values: unknown[] } {
    return { values: this.data[name]! };
  }
}

const kinds: [string, () => unknown][] = [
  [
    'Arrow Table',
    () =>
      arrow.tableFromArrays({
        sepal: Float64Array.from(cols.sepal),
        petal: Float64Array.from(cols.petal),
        width: Float64Array.from(cols.width),
      }),
  ],
  ['polars DataFrame', () => pl.DataFrame(cols)],
  ['Arquero table', () => aq.table(cols)],
  ['Danfo DataFrame', () => new FakeDanfoDataFrame(cols)],
  [
    'array of row objects',
    () => cols.sepal.map((s, i) => ({ sepal: s, petal: cols.petal[i], width: cols.width[i] })),
  ],
  [
    'columns object',
    () => ({ sepal: Float32Array.from(cols.sepal), petal: cols.petal, width: Float64Array.from(cols.width) }),
  ],
];

describe('tables in', () => {
  for (const [kind, make] of kinds) {
    it(`${kind}: recognised, read by column name into the same matrix as { data, shape }`, () => {
      const t = make();
      expect(isTableLike(t)).toBe(true);
      expect(readTable(t)!.source).toBe(kind);
      expect(featureNamesOf(t)).toEqual(['sepal', 'petal', 'width']);
      const m = tableToMatrix(t)!;
      const tol = kind === 'columns object' ? 1e-6 : 0; // its sepal column is a Float32Array
      for (let i = 0; i < 12; i++) expect(Math.abs(m.data[i]! - expected.data[i]!)).toBeLessThanOrEqual(tol);
      expect(m.shape).toEqual([4, 3]);
      // Reordered by the names seen at fit time.
      const r = tableToMatrix(t, { featureNames: ['width', 'sepal', 'petal'] })!;
      expect(Array.from(r.data.subarray(0, 3))).toEqual([0.2, m.data[0], 1.4]);
      // toMatrix (what estimators call) takes it too.
      const before = tf.memory().numTensors;
      const tm = toMatrix(t, { featureNames: ['sepal', 'petal', 'width'] });
      expect(tm.tensor.shape).toEqual([4, 3]);
      releaseMatrix(tm);
      expect(tf.memory().numTensors).toBe(before);
    });
  }

  it('a missing or unknown column is a ValidationError naming it', () => {
    const t = arrow.tableFromArrays({
      sepal: Float64Array.from(cols.sepal),
      petal: Float64Array.from(cols.petal),
    });
    expect(() => toMatrix(t, { featureNames: ['sepal', 'petal', 'width'] })).toThrow(ValidationError);
    expect(() => toMatrix(t, { featureNames: ['sepal', 'petal', 'width'] })).toThrow(/no column "width"/);
    expect(() => toMatrix(t, { featureNames: ['sepal'] })).toThrow(
      /column "petal" that was not seen at fit time/,
    );
  });

  it('nulls, NaN and text are named errors with row and column', () => {
    const withNull = arrow.tableFromArrays({ a: [1, 2, 3], b: [1, null, 3] });
    expect(() => toMatrix(withNull)).toThrow(/missing value \(null\) at row 1, column 1 \("b"\)/);
    expect(() => toMatrix(pl.DataFrame({ a: [1, 2], b: [3, null] }))).toThrow(
      /missing value \(null\) at row 1, column 1 \("b"\)/,
    );
    expect(() => toMatrix(aq.table({ a: [1, Number.NaN] }))).toThrow(/NaN at row 1, column 0 \("a"\)/);
    expect(() => toMatrix([{ a: 1, b: 2 }, { a: 3 }])).toThrow(
      /row 1 of the array of row objects has no key "b"/,
    );
    expect(() => toMatrix({ a: [1, 2], city: ['x', 'y'] })).toThrow(
      /column "city" holds text \("x" at row 0\).*OneHotEncoder/,
    );
    expect(() => toMatrix({ a: [1, 2], b: [1] })).toThrow(/column "b" has 1 values but column "a" has 2/);
  });

  it('Arrow 64-bit integers and booleans are read as numbers', () => {
    const t = arrow.tableFromArrays({ n: BigInt64Array.of(1n, 2n), f: [true, false] });
    expect(Array.from(tableToMatrix(t)!.data)).toEqual([1, 1, 2, 0]);
  });

  it('rows as typed arrays and { data: number[], shape } are accepted', () => {
    const a = toMatrix([Float32Array.of(1, 2), Float32Array.of(3, 4)]);
    const b = toMatrix({ data: [1, 2, 3, 4], shape: [2, 2] });
    expect(Array.from(a.tensor.dataSync())).toEqual([1, 2, 3, 4]);
    expect(Array.from(b.tensor.dataSync())).toEqual([1, 2, 3, 4]);
    releaseMatrix(a);
    releaseMatrix(b);
    expect(() => toMatrix([Float32Array.of(1, 2), Float32Array.of(3)])).toThrow(/ragged: row 1 has 1 values/);
  });

  it('a number[][], a tensor or { data, shape } is not a table', () => {
    expect(isTableLike([[1, 2]])).toBe(false);
    expect(isTableLike({ data: Float32Array.of(1), shape: [1, 1] })).toBe(false);
    expect(featureNamesOf([[1, 2]])).toBeUndefined();
  });
});
