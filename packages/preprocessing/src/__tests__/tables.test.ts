// Transformers on tables (issue 26): the same numbers as on a matrix, names recorded, checked, reordered and
// saved; getFeatureNamesOut; OneHotEncoder on the text columns of an Arrow Table.
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { ValidationError } from '@layerwise/core';
import * as arrow from 'apache-arrow';
import { afterAll, describe, expect, it } from 'vitest';
import { OneHotEncoder, PCA, StandardScaler } from '../index.js';

const tmp = mkdtempSync(join(tmpdir(), 'lw-pre-tables-'));
afterAll(() => rmSync(tmp, { recursive: true, force: true }));

// The first rows of scikit-learn's iris (sepal length/width, petal length/width).
const iris = [
  [5.1, 3.5, 1.4, 0.2],
  [4.9, 3.0, 1.4, 0.2],
  [7.0, 3.2, 4.7, 1.4],
  [6.4, 3.2, 4.5, 1.5],
  [6.3, 3.3, 6.0, 2.5],
  [5.8, 2.7, 5.1, 1.9],
];
const NAMES = ['sepal_length', 'sepal_width', 'petal_length', 'petal_width'];
const table = arrow.tableFromArrays(
  Object.fromEntries(NAMES.map((n, c) => [n, Float64Array.from(iris, (r) => r[c]!)])),
);
const rowsOf = (m: unknown) => {
  const { data, shape } = m as { data: Float64Array; shape: [number, number] };
  return Array.from({ length: shape[0] }, (_, r) =>
    Array.from(data.subarray(r * shape[1], (r + 1) * shape[1])),
  );
};

describe('transformers on tables', () => {
  it('StandardScaler: same numbers as on number[][]; names kept, reordered, checked, saved', async () => {
    const fromRows = new StandardScaler().fit(iris);
    const s = new StandardScaler().fit(table);
    expect(s.mean).toEqual(fromRows.mean);
    expect(s.featureNamesIn).toEqual(NAMES);
    expect(fromRows.featureNamesIn).toBeUndefined();
    expect(s.getFeatureNamesOut()).toEqual(NAMES);
    expect(fromRows.getFeatureNamesOut()).toEqual(['x0', 'x1', 'x2', 'x3']);
    const Z = rowsOf(s.transform(table));
    expect(Z).toEqual(fromRows.transform(iris) as number[][]);
    const reordered = Object.fromEntries([...NAMES].reverse().map((n) => [n, table.getChild(n)!.toArray()]));
    expect(rowsOf(s.transform(reordered))).toEqual(Z);
    expect(() => s.transform({ sepal_length: [1], sepal_width: [1], petal_length: [1] })).toThrow(
      ValidationError,
    );
    expect(() => s.transform({ sepal_length: [1], sepal_width: [1], petal_length: [1] })).toThrow(
      /StandardScaler.transform: X \(columns object\) has no column "petal_width"/,
    );
    await s.save(join(tmp, 'scaler'));
    const back = await StandardScaler.load(join(tmp, 'scaler'));
    expect(back.featureNamesIn).toEqual(NAMES);
    expect(rowsOf(back.transform(reordered))).toEqual(Z);
  });

  it('PCA names its outputs pca0, pca1, …', () => {
    const p = new PCA({ nComponents: 2 }).fit(table);
    expect(p.getFeatureNamesOut()).toEqual(['pca0', 'pca1']);
    expect(p.featureNamesIn).toEqual(NAMES);
  });

  it('OneHotEncoder takes the text columns of an Arrow Table and names outputs <column>_<category>', async () => {
    const t = arrow.tableFromArrays({
      city: ['Paris', 'Oslo', 'Paris', 'Rome'],
      size: Int32Array.of(1, 2, 2, 1),
    });
    const enc = new OneHotEncoder().fit(t);
    expect(enc.featureNamesIn).toEqual(['city', 'size']);
    expect(enc.categories).toEqual([
      ['Oslo', 'Paris', 'Rome'],
      [1, 2],
    ]);
    expect(enc.getFeatureNamesOut()).toEqual(['city_Oslo', 'city_Paris', 'city_Rome', 'size_1', 'size_2']);
    const out = enc.transform([{ size: 2, city: 'Rome' }]) as { data: Float32Array } | number[][];
    expect(Array.isArray(out) ? out : rowsOf(out)).toEqual([[0, 0, 1, 0, 1]]);
    await enc.save(join(tmp, 'ohe'));
    expect((await OneHotEncoder.load(join(tmp, 'ohe'))).featureNamesIn).toEqual(['city', 'size']);
    expect(() => enc.transform([{ city: 'Rome' }])).toThrow(/no column "size"/);
  });

  it("setOutput({ transform: 'arrow' }) returns an Arrow Table named by getFeatureNamesOut", () => {
    const s = new StandardScaler().setOutput({ transform: 'arrow', arrow });
    const out = s.fitTransform(table) as unknown as arrow.Table;
    expect(out).toBeInstanceOf(arrow.Table);
    expect(out.schema.fields.map((f) => f.name)).toEqual(NAMES);
    const plain = new StandardScaler().fit(iris).transform(iris) as number[][];
    expect(Array.from(out.getChild('petal_length')!.toArray() as Float64Array)).toEqual(
      plain.map((r) => r[2]),
    );
    const p = new PCA({ nComponents: 2 }).setOutput({ transform: 'arrow', arrow }).fit(iris);
    expect((p.transform(iris) as unknown as arrow.Table).schema.fields.map((f) => f.name)).toEqual([
      'pca0',
      'pca1',
    ]);
    expect(() => s.setOutput({ transform: 'pandas' as never })).toThrow(
      /expected \{ transform\?: 'default' \| 'arrow', predict\?: 'default' \| 'arrow' \}/,
    );
    s.setOutput({ transform: 'default' });
    expect(Array.isArray(s.transform(iris))).toBe(true);
  });
});
