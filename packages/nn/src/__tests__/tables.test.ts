// Fitting on tables as JavaScript holds them (Arrow, polars, Arquero, row objects, columns objects) gives the
// same model as { data, shape }; column names are kept, checked, reordered and saved (issue 26).
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Registry, ValidationError } from '@layerwise/core';
import * as tf from '@tensorflow/tfjs-core';
import * as arrow from 'apache-arrow';
import * as aq from 'arquero';
import pl from 'nodejs-polars';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { MLPClassifier } from '../index.js';
import { loadMnist, type Mnist, useWasm } from './helpers.js';

const registry = new Registry();
const params = { hiddenLayerSizes: [16], epochs: 2, batchSize: 50, randomState: 3, validationFraction: null };
const tmp = mkdtempSync(join(tmpdir(), 'lw-nn-tables-'));
afterAll(() => rmSync(tmp, { recursive: true, force: true }));

// 200 MNIST digits, the 64 pixels of the central 8×8 patch as named columns.
const PIXELS = Array.from({ length: 64 }, (_, i) => 10 + Math.floor(i / 8)).map(
  (r, i) => r * 28 + 10 + (i % 8),
);
const NAMES = PIXELS.map((p) => `px${p}`);
let mnist: Mnist;
let matrix: { data: Float32Array; shape: [number, number] };
let columns: Record<string, Float32Array>;
let labels: number[];

beforeAll(async () => {
  await useWasm();
  mnist = await loadMnist('train', 200);
  const n = 200;
  matrix = { data: new Float32Array(n * 64), shape: [n, 64] };
  columns = Object.fromEntries(NAMES.map((name) => [name, new Float32Array(n)]));
  for (let r = 0; r < n; r++) {
    PIXELS.forEach((p, c) => {
      const v = mnist.X.data[r * 784 + p]!;
      matrix.data[r * 64 + c] = v;
      columns[NAMES[c]!]![r] = v;
    });
  }
  labels = Array.from(mnist.y);
});

async function probaOf(X: unknown): Promise<Float32Array> {
  const clf = await new MLPClassifier(params, { registry }).fit(X as never, labels);
  const p = (await clf.predictProba(matrix)) as { data: Float32Array };
  clf.dispose();
  return p.data;
}

describe('MLPClassifier on tables', () => {
  it('each table kind fits the same model as { data, shape }', async () => {
    const reference = await probaOf(matrix);
    const rows = Array.from({ length: 200 }, (_, r) =>
      Object.fromEntries(NAMES.map((n) => [n, columns[n]![r]!])),
    );
    const kinds: [string, unknown][] = [
      ['arrow', arrow.tableFromArrays(columns)],
      ['polars', pl.DataFrame(Object.fromEntries(NAMES.map((n) => [n, Array.from(columns[n]!)])))],
      ['arquero', aq.table(columns)],
      ['rows', rows],
      ['columns', columns],
      ['typed rows', Array.from({ length: 200 }, (_, r) => matrix.data.slice(r * 64, (r + 1) * 64))],
    ];
    for (const [kind, X] of kinds) {
      const p = await probaOf(X);
      // float32 values through float64 and back: the same numbers.
      expect(Array.from(p), kind).toEqual(Array.from(reference));
    }
  });

  it('records featureNamesIn; predicts reordered columns the same; a missing column is named; names survive save/load', async () => {
    const table = arrow.tableFromArrays(columns);
    const before = tf.memory().numTensors;
    const clf = await new MLPClassifier(params, { registry }).fit(table, labels);
    expect(clf.featureNamesIn).toEqual(NAMES);
    const reversed = Object.fromEntries([...NAMES].reverse().map((n) => [n, columns[n]!]));
    const a = await clf.predict(table);
    const b = await clf.predict(reversed);
    expect(b).toEqual(a);
    expect(a).toEqual(await clf.predict(matrix)); // no names: taken by position
    const { [NAMES[5]!]: _dropped, ...missing } = columns;
    await expect(clf.predict(missing)).rejects.toThrow(ValidationError);
    await expect(clf.predict(missing)).rejects.toThrow(new RegExp(`no column "${NAMES[5]}"`));
    await expect(clf.score({ ...columns, extra: new Float32Array(200) }, labels)).rejects.toThrow(
      /column "extra" that was not seen at fit time/,
    );
    const dir = join(tmp, 'clf');
    await clf.save(dir);
    const back = await MLPClassifier.load(dir, { registry });
    expect(back.featureNamesIn).toEqual(NAMES);
    expect(await back.predict(reversed)).toEqual(a);
    back.dispose();
    // A fit on data without names forgets them.
    await clf.fit(matrix, labels);
    expect(clf.featureNamesIn).toBeUndefined();
    clf.dispose();
    expect(tf.memory().numTensors).toBe(before);
  });

  it('an Arrow Table with a null names the row and the column', async () => {
    const withNull = arrow.tableFromArrays({ a: [1, 2, 3, 4], b: [0.5, null, 0.1, 0.2] });
    await expect(new MLPClassifier(params, { registry }).fit(withNull, [0, 1, 0, 1])).rejects.toThrow(
      /missing value \(null\) at row 1, column 1 \("b"\)/,
    );
  });

  it('a continuous target is refused, pointing to MLPRegressor', async () => {
    const y = Array.from({ length: 200 }, (_, i) => i / 7);
    await expect(new MLPClassifier(params, { registry }).fit(matrix, y)).rejects.toThrow(
      /y looks continuous .*use MLPRegressor/,
    );
    const many = Array.from({ length: 200 }, (_, i) => i * 3);
    await expect(new MLPClassifier(params, { registry }).fit(matrix, many)).rejects.toThrow(
      /200 distinct values in 200 rows .*MLPRegressor/,
    );
  });

  it('a streamed fit checks the target too: fractional labels and implausibly many classes are refused', async () => {
    const source = (y: (i: number) => number) => () =>
      [0, 100].map((s) => ({
        x: {
          data: matrix.data.subarray(s * matrix.shape[1], (s + 100) * matrix.shape[1]),
          shape: [100, matrix.shape[1]] as [number, number],
        },
        y: Array.from({ length: 100 }, (_, i) => y(s + i)),
      }));
    const before = tf.memory().numTensors;
    await expect(new MLPClassifier(params, { registry }).fit(source((i) => i / 7))).rejects.toThrow(
      /batch 0 y looks continuous .*use MLPRegressor/,
    );
    await expect(new MLPClassifier(params, { registry }).fit(source((i) => i * 3))).rejects.toThrow(
      /y of the data source looks continuous \(200 distinct values in 200 rows .*MLPRegressor/,
    );
    // Integer labels of a real classification stream through; so do many classes listed in `classes`.
    const ok = await new MLPClassifier(params, { registry }).fit(source((i) => i % 3));
    expect(ok.classes).toEqual([0, 1, 2]);
    ok.dispose();
    expect(tf.memory().numTensors).toBe(before);
  });
});
