// ColumnTransformer on a mixed CSV (vega-datasets' weather.csv: two text columns, four numeric ones, a text
// class): the transformed matrices equal scikit-learn 1.2's to 1e-12 (scripts/column_transformer_reference.py
// wrote the fixture), and a Pipeline(ColumnTransformer, MLPClassifier) fits on it (issue 26).
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { createRequire } from 'node:module';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { ModelFormatError, NotFittedError, Registry, ValidationError } from '@layerwise/core';
import { type CsvTable, loadCsvTable } from '@layerwise/datasets';
import { MLPClassifier, mlpClassifierKind } from '@layerwise/nn';
import {
  OneHotEncoder,
  OrdinalEncoder,
  PREPROCESSING_KINDS,
  SimpleImputer,
  StandardScaler,
} from '@layerwise/preprocessing';
import '@tensorflow/tfjs-backend-cpu';
import * as tf from '@tensorflow/tfjs-core';
import * as arrow from 'apache-arrow';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  ColumnTransformer,
  columnTransformerKind,
  makeColumnSelector,
  makeColumnTransformer,
  makePipeline,
  Pipeline,
} from '../index.js';

const require = createRequire(import.meta.url);
const CSV = join(dirname(require.resolve('vega-datasets')), '..', 'data', 'weather.csv');
const REF = JSON.parse(
  readFileSync(join(import.meta.dirname, 'fixtures', 'columnTransformer.sklearn.json'), 'utf8'),
) as Record<
  string,
  { names: string[]; shape: [number, number]; every4th: number[][]; columnSums: number[] }
> & {
  rows: number;
};
const NUM = ['precipitation', 'temp_max', 'temp_min', 'wind'];

const registry = new Registry();
for (const kind of [...PREPROCESSING_KINDS, mlpClassifierKind, columnTransformerKind]) registry.use(kind);
const tmp = mkdtempSync(join(tmpdir(), 'lw-ct-'));
afterAll(() => rmSync(tmp, { recursive: true, force: true }));

let csv: CsvTable;
let X: Record<string, Float64Array | string[]>;
let y: string[];

beforeAll(async () => {
  await tf.setBackend('cpu');
  csv = await loadCsvTable(CSV, { labelColumn: 'weather' });
  X = csv.table;
  y = csv.y as string[];
});

function matrix(Z: unknown): { data: Float64Array; shape: [number, number] } {
  const m = Z as { data: Float64Array; shape: [number, number] };
  expect(m.data).toBeInstanceOf(Float64Array);
  return m;
}

/** Every 4th row and every column sum equal scikit-learn's (to 1e-12 and 1e-9). */
function expectSklearn(Z: unknown, key: string): void {
  const ref = REF[key]!;
  const { data, shape } = matrix(Z);
  expect(shape).toEqual(ref.shape);
  const [rows, cols] = shape;
  let worst = 0;
  ref.every4th.forEach((row, k) => {
    row.forEach((v, c) => {
      worst = Math.max(worst, Math.abs(data[4 * k * cols + c]! - v));
    });
  });
  expect(worst).toBeLessThanOrEqual(1e-12);
  for (let c = 0; c < cols; c++) {
    let s = 0;
    for (let r = 0; r < rows; r++) s += data[r * cols + c]!;
    expect(Math.abs(s - ref.columnSums[c]!)).toBeLessThanOrEqual(1e-9);
  }
  console.log(
    `ColumnTransformer "${key}" vs scikit-learn ${REF.sklearn as unknown as string}: max |diff| ${worst.toExponential(2)}`,
  );
}

describe('ColumnTransformer equals scikit-learn 1.2 on weather.csv', () => {
  it('loads the mixed CSV as named columns', () => {
    expect(csv.rows).toBe(REF.rows);
    expect(csv.columns).toEqual(['location', 'date', ...NUM]);
    expect(csv.dtypes).toEqual({
      location: 'string',
      date: 'string',
      precipitation: 'number',
      temp_max: 'number',
      temp_min: 'number',
      wind: 'number',
    });
  });

  it('by name: StandardScaler on the numbers, OneHotEncoder on location, date dropped', async () => {
    const ct = new ColumnTransformer([
      ['num', new StandardScaler(), NUM],
      ['cat', new OneHotEncoder(), ['location']],
    ]);
    expectSklearn(await ct.fitTransform(X), 'byName');
    expect(ct.getFeatureNamesOut()).toEqual(REF.byName!.names);
    expect(ct.featureNamesIn).toEqual(csv.columns);
    expect(ct.outputColumns).toEqual({ num: NUM, cat: ['location'], remainder: ['date'] });
    // transform after fit gives the same numbers; the table's column order does not matter.
    const reversed = Object.fromEntries(Object.entries(X).reverse());
    expectSklearn(await ct.transform(reversed), 'byName');
    const { wind: _w, ...missing } = X;
    await expect(ct.transform(missing)).rejects.toThrow(/no column "wind"/);
  });

  it('makeColumnTransformer with makeColumnSelector({ dtypeInclude, pattern }), OrdinalEncoder', async () => {
    const ct = makeColumnTransformer(
      [new StandardScaler(), makeColumnSelector({ dtypeInclude: 'number' })],
      [new OrdinalEncoder(), makeColumnSelector({ dtypeInclude: 'string', pattern: '^loc' })],
    );
    expectSklearn(await ct.fitTransform(X), 'selectors');
    expect(ct.getFeatureNamesOut()).toEqual(REF.selectors!.names);
  });

  it("by index and pattern with remainder: 'passthrough' (an Arrow Table in)", async () => {
    const { date: _d, ...rest } = X;
    const table = arrow.tableFromArrays(rest as Record<string, Float64Array | string[]>);
    const ct = new ColumnTransformer(
      [
        ['temps', new StandardScaler(), makeColumnSelector({ pattern: '^temp' })],
        ['loc', new OrdinalEncoder(), [0]],
      ],
      { remainder: 'passthrough' },
    );
    expectSklearn(await ct.fitTransform(table), 'passthrough');
    expect(ct.getFeatureNamesOut()).toEqual(REF.passthrough!.names);
    // setOutput({ transform: 'arrow' }): an Arrow Table named like getFeatureNamesOut.
    const out = (await ct.setOutput({ transform: 'arrow', arrow }).transform(table)) as arrow.Table;
    expect(out.schema.fields.map((f) => f.name)).toEqual(REF.passthrough!.names);
    expect(out.getChild('remainder__wind')!.get(0)).toBe(4.7);
  });
});

describe('ColumnTransformer as an estimator', () => {
  const make = () =>
    new ColumnTransformer([
      ['num', new StandardScaler(), NUM],
      ['cat', new OneHotEncoder(), ['location']],
    ]);

  it('nested params (getParams/setParams with name__param), clone, errors leave it unchanged', async () => {
    const ct = make();
    const p = ct.getParams();
    expect(p.remainder).toBe('drop');
    expect(p.num__withMean).toBe(true);
    expect(p.cat__handleUnknown).toBe('error');
    expect(Object.keys(ct.getParams({ deep: false }))).toEqual([
      'transformers',
      'remainder',
      'verboseFeatureNamesOut',
    ]);
    ct.setParams({ num__withMean: false, remainder: 'passthrough' });
    expect(ct.getParams().num__withMean).toBe(false);
    expect(() => ct.setParams({ num__nope: 1 })).toThrow(
      /transformer "num" \(StandardScaler\) has no parameter "nope"/,
    );
    expect(() => ct.setParams({ other__withMean: 1 })).toThrow(/unknown parameter "other__withMean"/);
    expect(() => ct.setParams({ remainder: 'keep' })).toThrow(ValidationError);
    expect(ct.getParams().remainder).toBe('passthrough');
    ct.setParams({ cat: 'drop' });
    const c = ct.clone();
    expect(c.isFitted).toBe(false);
    expect(c.getParams().num__withMean).toBe(false);
    expect(c.transformers[0]![1]).not.toBe(ct.transformers[0]![1]);
    await expect(c.transform(X)).rejects.toThrow(NotFittedError);
    // remainder 'passthrough' with a text column left over: named error.
    await expect(c.fit(X)).rejects.toThrow(/remainder passes column "date" through, but it holds text/);
  });

  it('bad input: names on a number[][], unknown names, bad entries', async () => {
    await expect(make().fit([[1, 2, 3, 4, 5]])).rejects.toThrow(
      /names column "precipitation", but X is a number\[\]\[\]/,
    );
    await expect(new ColumnTransformer([['a', new StandardScaler(), ['nope']]]).fit(X)).rejects.toThrow(
      /has no column "nope"/,
    );
    expect(() => new ColumnTransformer([['a', {} as never, [0]]])).toThrow(/not a transformer/);
    expect(() => new ColumnTransformer([['a__b', 'drop', [0]]])).toThrow(/must not contain "__"/);
    expect(() => makeColumnSelector({ dtypeInclude: 'object' as never })).toThrow(
      /dtypeInclude must be one of/,
    );
    // By index on a plain matrix works.
    const ct = new ColumnTransformer([['s', new StandardScaler(), [1]]], { remainder: 'passthrough' });
    const Z = (await ct.fitTransform([
      [1, 2],
      [3, 6],
    ])) as number[][];
    expect(Z).toEqual([
      [-1, 1],
      [1, 3],
    ]);
    expect(ct.getFeatureNamesOut()).toEqual(['s__x1', 'remainder__x0']);
  });

  it('save/load: the same numbers; a nested Pipeline inside; a corrupt manifest is a ModelFormatError', async () => {
    const ct = new ColumnTransformer([
      ['num', makePipeline(new SimpleImputer(), new StandardScaler()), NUM],
      ['cat', new OneHotEncoder(), makeColumnSelector({ pattern: '^loc' })],
    ]);
    const Z = matrix(await ct.fitTransform(X));
    const dir = join(tmp, 'ct');
    await ct.save(dir);
    const back = await ColumnTransformer.load(dir, { registry });
    expect(back.featureNamesIn).toEqual(csv.columns);
    expect(back.getFeatureNamesOut()).toEqual(ct.getFeatureNamesOut());
    expect(matrix(await back.transform(X)).data).toEqual(Z.data);
    expect(back.getParams().num__steps).toBeDefined();
    const bad = join(tmp, 'bad');
    await ct.save(bad);
    const { writeFileSync } = await import('node:fs');
    const manifest = JSON.parse(readFileSync(join(bad, 'model.json'), 'utf8'));
    manifest.state.nFeaturesIn = 0;
    writeFileSync(join(bad, 'model.json'), JSON.stringify(manifest));
    await expect(ColumnTransformer.load(bad, { registry })).rejects.toThrow(ModelFormatError);
  });
});

describe('Pipeline(ColumnTransformer, MLPClassifier) on weather.csv', () => {
  it('fits, scores above the majority class, predicts a reordered table the same, survives save/load', async () => {
    // Train on the first 2 000 days, test on the rest (every 3rd day to keep the run short).
    const take = (idx: number[]) =>
      Object.fromEntries(
        Object.entries(X).map(([k, v]) => [
          k,
          Array.isArray(v) ? idx.map((i) => v[i]!) : Float64Array.from(idx, (i) => v[i]!),
        ]),
      );
    const trainIdx = Array.from({ length: 2000 }, (_, i) => i);
    const testIdx = Array.from({ length: Math.floor((REF.rows - 2000) / 3) }, (_, i) => 2000 + 3 * i);
    const Xtr = take(trainIdx);
    const Xte = take(testIdx);
    const ytr = trainIdx.map((i) => y[i]!);
    const yte = testIdx.map((i) => y[i]!);
    const pipe = new Pipeline([
      [
        'prep',
        makeColumnTransformer(
          [new StandardScaler(), makeColumnSelector({ dtypeInclude: 'number' })],
          [new OneHotEncoder(), ['location']],
        ),
      ],
      [
        'clf',
        new MLPClassifier(
          { hiddenLayerSizes: [32], epochs: 30, batchSize: 64, learningRate: 0.01, randomState: 0 },
          { registry },
        ),
      ],
    ]);
    await pipe.fit(Xtr, ytr);
    expect(pipe.featureNamesIn).toEqual(csv.columns);
    const acc = await pipe.score(Xte, yte);
    const counts = new Map<string, number>();
    for (const v of yte) counts.set(v, (counts.get(v) ?? 0) + 1);
    const majority = Math.max(...counts.values()) / yte.length;
    console.log(
      `Pipeline(ColumnTransformer, MLPClassifier) on weather.csv: test accuracy ${acc.toFixed(4)} (majority class ${majority.toFixed(4)})`,
    );
    expect(acc).toBeGreaterThan(majority + 0.1);
    const reversed = Object.fromEntries(Object.entries(Xte).reverse());
    const p = await pipe.predict(Xte);
    expect(await pipe.predict(reversed)).toEqual(p);
    await pipe.save(join(tmp, 'pipe'));
    const back = await Pipeline.load(join(tmp, 'pipe'), { registry });
    expect(await back.predict(Xte)).toEqual(p);
    pipe.dispose();
    back.dispose();
  });
});
