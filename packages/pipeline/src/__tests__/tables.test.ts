// A Pipeline on an Arrow Table: names recorded by its first step, checked and reordered at predict, kept
// through save/load; setOutput({ transform: 'arrow' }) hands named Arrow Tables from step to step (issue 26).
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Registry } from '@layerwise/core';
import { loadMnist } from '@layerwise/datasets';
import { MLPClassifier, mlpClassifierKind } from '@layerwise/nn';
import { PCA, PREPROCESSING_KINDS, StandardScaler } from '@layerwise/preprocessing';
import '@tensorflow/tfjs-backend-cpu';
import * as tf from '@tensorflow/tfjs-core';
import * as arrow from 'apache-arrow';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { Pipeline } from '../index.js';

const registry = new Registry();
for (const kind of [...PREPROCESSING_KINDS, mlpClassifierKind]) registry.use(kind);
const tmp = mkdtempSync(join(tmpdir(), 'lw-pipe-tables-'));
afterAll(() => rmSync(tmp, { recursive: true, force: true }));

// 300 MNIST digits, 49 pixels (every 4th row and column) as named Arrow columns.
const PIXELS = Array.from({ length: 49 }, (_, i) => (2 + 4 * Math.floor(i / 7)) * 28 + 2 + 4 * (i % 7));
const NAMES = PIXELS.map((p) => `px${p}`);
let table: arrow.Table;
let columns: Record<string, Float32Array>;
let y: number[];

beforeAll(async () => {
  await tf.setBackend('cpu');
  const d = await loadMnist({ limit: 300 });
  columns = Object.fromEntries(
    NAMES.map((n, j) => [n, Float32Array.from({ length: 300 }, (_, r) => d.X.data[r * 784 + PIXELS[j]!]!)]),
  );
  table = arrow.tableFromArrays(columns);
  y = Array.from(d.y);
});

describe('Pipeline on tables', () => {
  it('records, checks and reorders names; they survive save/load', async () => {
    const pipe = new Pipeline([
      ['scale', new StandardScaler()],
      [
        'clf',
        new MLPClassifier(
          { hiddenLayerSizes: [16], epochs: 20, batchSize: 32, learningRate: 0.01, randomState: 0 },
          { registry },
        ),
      ],
    ]);
    await pipe.fit(table, y);
    expect(pipe.featureNamesIn).toEqual(NAMES);
    expect(pipe.nFeaturesIn).toBe(49);
    const reversed = Object.fromEntries([...NAMES].reverse().map((n) => [n, columns[n]!]));
    const a = await pipe.predict(table);
    expect(await pipe.predict(reversed)).toEqual(a);
    expect(await pipe.score(table, y)).toBeGreaterThan(0.5);
    const { px58: _gone, ...missing } = columns;
    await expect(pipe.predict(missing)).rejects.toThrow(/no column "px58"/);
    await pipe.save(join(tmp, 'pipe'));
    const back = await Pipeline.load(join(tmp, 'pipe'), { registry });
    expect(back.featureNamesIn).toEqual(NAMES);
    expect(await back.predict(reversed)).toEqual(a);
    pipe.dispose();
    back.dispose();
  });

  it("setOutput({ transform: 'arrow' }): a named Arrow Table out of every step", async () => {
    const pipe = new Pipeline([
      ['scale', new StandardScaler()],
      ['pca', new PCA({ nComponents: 5 })],
    ]).setOutput({ transform: 'arrow', arrow });
    const out = (await pipe.fitTransform(table)) as arrow.Table;
    expect(out).toBeInstanceOf(arrow.Table);
    expect(out.schema.fields.map((f) => f.name)).toEqual(['pca0', 'pca1', 'pca2', 'pca3', 'pca4']);
    expect(out.numRows).toBe(300);
    // The PCA step saw the scaler's Arrow output, names and all.
    expect((pipe.namedSteps.pca as PCA).featureNamesIn).toEqual(NAMES);
  });

  it("setOutput({ predict: 'arrow' }): predict gives an Arrow Vector, predictProba a Table per class", async () => {
    const pipe = new Pipeline([
      ['scale', new StandardScaler()],
      [
        'clf',
        new MLPClassifier(
          { hiddenLayerSizes: [16], epochs: 10, batchSize: 32, learningRate: 0.01, randomState: 0 },
          { registry },
        ),
      ],
    ]);
    await pipe.fit(table, y);
    const plain = (await pipe.predict(table)) as number[];
    const proba = (await pipe.predictProba(table)) as { data: Float32Array | Float64Array; shape: number[] };
    const nc = pipe.classes.length;
    const before = tf.memory().numTensors;
    pipe.setOutput({ predict: 'arrow', arrow });
    const v = (await pipe.predict(table)) as arrow.Vector;
    expect(v).toBeInstanceOf(arrow.Vector);
    expect(v.length).toBe(300);
    expect(Array.from(v.toArray() as Float64Array)).toEqual(plain.map(Number));
    const t = (await pipe.predictProba(table)) as arrow.Table;
    expect(t.schema.fields.map((f) => f.name)).toEqual(pipe.classes.map(String));
    expect(t.getChild('3')!.get(7)).toBe(proba.data[7 * nc + pipe.classes.indexOf(3)]);
    expect(tf.memory().numTensors).toBe(before);
    // Transformers keep their transform setting; the clone keeps the predict setting.
    expect(
      await pipe
        .clone()
        .fit(table, y)
        .then((c) => c.predict(table)),
    ).toBeInstanceOf(arrow.Vector);
    // Class names as strings come back as a Utf8 vector.
    const named = new Pipeline([
      ['clf', new MLPClassifier({ hiddenLayerSizes: [8], epochs: 2, randomState: 0 }, { registry })],
    ]).setOutput({ predict: 'arrow', arrow });
    await named.fit(
      table,
      y.map((d) => (d % 2 ? 'odd' : 'even')),
    );
    const s = (await named.predict(table)) as arrow.Vector;
    expect(String(s.type)).toBe('Utf8');
    expect(['odd', 'even']).toContain(s.get(0));
    expect(() => pipe.setOutput({ predict: 'table' as never })).toThrow(/predict\?: 'default' \| 'arrow'/);
    pipe.dispose();
    named.dispose();
  });
});
