// The umbrella's load() recognises pipeline and preprocessing files (kinds from their packages' tables).
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import * as tf from '@tensorflow/tfjs-core';
import '@tensorflow/tfjs-backend-cpu';
import { afterAll, beforeAll, expect, it } from 'vitest';
import {
  ColumnTransformer,
  load,
  MinMaxScaler,
  OneHotEncoder,
  OrdinalEncoder,
  PCA,
  Pipeline,
  PREPROCESSING_LOADERS,
  StandardScaler,
} from '../index.js';

let tmp = '';
const X = [
  [1, 2, 3],
  [4, 0, 7],
  [0, 1, -1],
  [2, 5, 2],
];
beforeAll(async () => {
  await tf.setBackend('cpu');
  tmp = await mkdtemp(join(tmpdir(), 'layerwise-umbrella-load-'));
});
afterAll(async () => {
  await rm(tmp, { recursive: true, force: true });
});

it('load() returns a Pipeline and each transformer kind, with the same outputs', async () => {
  const pipe = new Pipeline([
    ['scale', new StandardScaler()],
    ['pca', new PCA({ nComponents: 2 })],
  ]);
  await pipe.fit(X);
  await pipe.save(join(tmp, 'pipe'));
  const back = await load(join(tmp, 'pipe'));
  expect(back).toBeInstanceOf(Pipeline);
  expect(await (back as Pipeline).transform(X)).toEqual(await pipe.transform(X));

  const m = new MinMaxScaler().fit(X);
  await m.save(join(tmp, 'minmax'));
  const m2 = await load(join(tmp, 'minmax'));
  expect(m2).toBeInstanceOf(MinMaxScaler);
  expect((m2 as MinMaxScaler).transform(X)).toEqual(m.transform(X));
  const e = new OneHotEncoder().fit([[1], [2]]);
  await e.save(join(tmp, 'ohe'));
  expect(await load(join(tmp, 'ohe'))).toBeInstanceOf(OneHotEncoder);
  expect(Object.keys(PREPROCESSING_LOADERS)).toHaveLength(10);
});

it('load() returns a ColumnTransformer (its parts through the default registry)', async () => {
  const table = { city: ['Oslo', 'Paris', 'Oslo', 'Rome'], size: [3, 1, 2, 5], age: [30, 40, 50, 60] };
  const ct = new ColumnTransformer([
    ['city', new OrdinalEncoder(), ['city']],
    ['num', new StandardScaler(), ['size', 'age']],
  ]);
  const Z = await ct.fitTransform(table);
  await ct.save(join(tmp, 'ct'));
  const back = await load(join(tmp, 'ct'));
  expect(back).toBeInstanceOf(ColumnTransformer);
  expect(await (back as ColumnTransformer).transform(table)).toEqual(Z);
});
