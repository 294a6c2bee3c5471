// A third-party estimator as a plugin: NearestCentroid's kind, registered with registry.use(), makes it
// load through load(), sit in a saved Pipeline, and run in GridSearchCV({ nJobs: 2 }) worker threads.
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { loadMnist } from '@layerwise/datasets';
import { GridSearchCV } from '@layerwise/model-selection';
import { Pipeline } from '@layerwise/pipeline';
import { PREPROCESSING_KINDS, StandardScaler } from '@layerwise/preprocessing';
import { checkEstimatorKind } from '@layerwise/testkit';
import {
  getDefaultRegistry,
  load,
  ModelFormatError,
  NotFittedError,
  Registry,
  ValidationError,
} from 'layerwise';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { NearestCentroid, nearestCentroidKind } from '../src/index.js';

type Digits = { X: { data: Float32Array; shape: [number, number] }; y: Int32Array };
let train: Digits;
let test: Digits;
let tmp = '';

beforeAll(async () => {
  const a = await loadMnist({ subset: 'train', limit: 1000 });
  const b = await loadMnist({ subset: 'test', limit: 500 });
  train = { X: { data: a.X.data, shape: [a.X.shape[0], a.X.shape[1]] }, y: a.y };
  test = { X: { data: b.X.data, shape: [b.X.shape[0], b.X.shape[1]] }, y: b.y };
  tmp = await mkdtemp(join(tmpdir(), 'lw-custom-estimator-'));
  // An application registers its estimator kind once, in the default registry (import 'layerwise' made it).
  getDefaultRegistry().use(nearestCentroidKind);
});
afterAll(() => rm(tmp, { recursive: true, force: true }));

checkEstimatorKind(nearestCentroidKind, {
  make: (registry) => new NearestCentroid({ metric: 'manhattan' }, { registry }),
  fit: (e) => e.fit(train.X, train.y),
  output: (e) => e.predict(test.X),
});

describe('NearestCentroid on MNIST', () => {
  it('classifies held-out digits well above chance', async () => {
    const clf = await new NearestCentroid().fit(train.X, train.y);
    expect(clf.classes).toEqual([0, 1, 2, 3, 4, 5, 6, 7, 8, 9]);
    // Deterministic (no randomness): 0.716 on these 500 test digits after 1000 training ones; chance is 0.1.
    expect(await clf.score(test.X, test.y)).toBeCloseTo(0.716, 3);
  });

  it('rejects bad input with layerwise errors before changing state', async () => {
    expect(() => new NearestCentroid({ metric: 'cosine' as 'euclidean' })).toThrow(ValidationError);
    const clf = new NearestCentroid();
    await expect(clf.predict(test.X)).rejects.toThrow(NotFittedError);
    await expect(clf.fit([[1, 2], [3]], [0, 1])).rejects.toThrow(ValidationError);
    expect(clf.isFitted).toBe(false);
  });

  it('round-trips through load(): same predictions from the file', async () => {
    const clf = await new NearestCentroid({ metric: 'manhattan' }).fit(train.X, train.y);
    const dir = join(tmp, 'nc');
    await clf.save(dir);
    const back = await load(dir);
    expect(back).toBeInstanceOf(NearestCentroid);
    expect((back as unknown as NearestCentroid).getParams()).toEqual({ metric: 'manhattan' });
    expect(await (back as unknown as NearestCentroid).predict(test.X)).toEqual(await clf.predict(test.X));
    // Without the kind registered, the file's kind is unknown: a ModelFormatError naming it.
    await expect(load(dir, { registry: new Registry() })).rejects.toThrow(
      /unknown estimator kind "NearestCentroid"/,
    );
    await expect(load(dir, { registry: new Registry() })).rejects.toThrow(ModelFormatError);
  });

  it('round-trips inside a saved Pipeline', async () => {
    const pipe = new Pipeline([
      ['scale', new StandardScaler()],
      ['clf', new NearestCentroid()],
    ]);
    await pipe.fit(train.X, train.y);
    const dir = join(tmp, 'pipe');
    await pipe.save(dir);
    const registry = new Registry().use(nearestCentroidKind);
    for (const k of PREPROCESSING_KINDS) registry.use(k);
    const back = await Pipeline.load(dir, { registry });
    expect(back.steps[1]![1]).toBeInstanceOf(NearestCentroid);
    expect(await back.predict(test.X)).toEqual(await pipe.predict(test.X));
    expect(await back.score(test.X, test.y)).toBeGreaterThan(0.7);
    // And through the umbrella's load(), which finds Pipeline and the step kinds in the default registry.
    expect(await ((await load(dir)) as Pipeline).predict(test.X)).toEqual(await pipe.predict(test.X));
  });

  it('is grid-searched in worker threads (nJobs: 2) with the same results as in this thread', async () => {
    const grid = { metric: ['euclidean', 'manhattan'] };
    const small = { data: train.X.data.subarray(0, 600 * 784), shape: [600, 784] as [number, number] };
    const y = train.y.subarray(0, 600);
    const warnings: string[] = [];
    const warn = console.warn;
    console.warn = (m: string) => void warnings.push(String(m));
    try {
      const parallel = new GridSearchCV(new NearestCentroid(), grid, { cv: 3, nJobs: 2, refit: false });
      await parallel.fit(small, y);
      const serial = new GridSearchCV(new NearestCentroid(), grid, { cv: 3, nJobs: 1, refit: false });
      await serial.fit(small, y);
      // No "nJobs ignored, running in the main thread" fallback: the kind carried it into the workers.
      expect(warnings.filter((w) => w.includes('nJobs'))).toEqual([]);
      expect(parallel.cvResults.meanTestScore).toEqual(serial.cvResults.meanTestScore);
      expect(Math.max(...parallel.cvResults.meanTestScore)).toBeGreaterThan(0.7);
    } finally {
      console.warn = warn;
    }
  }, 120_000);
});
