// Nested params, clone, validation and file errors — small data, CPU backend.

import { existsSync } from 'node:fs';
import { mkdir, mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import {
  getDefaultRegistry,
  ModelFormatError,
  NotFittedError,
  Registry,
  ValidationError,
} from '@layerwise/core';
import { MLPClassifier, MLPRegressor, mlpClassifierKind, mlpRegressorKind } from '@layerwise/nn';
import {
  MinMaxScaler,
  PCA,
  PREPROCESSING_KINDS,
  SimpleImputer,
  StandardScaler,
} from '@layerwise/preprocessing';
import { checkTransformer } from '@layerwise/testkit';
import * as tf from '@tensorflow/tfjs-core';
import '@tensorflow/tfjs-backend-cpu';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { makePipeline, nameSteps, Pipeline } from '../index.js';

const registry = new Registry();
// Pipeline.load resolves step kinds through the registry: these tests load with the default one.
for (const kind of [...PREPROCESSING_KINDS, mlpClassifierKind, mlpRegressorKind])
  getDefaultRegistry().use(kind);
let tmp = '';
const X = [
  [1.0, -2.0, 3.5],
  [2.5, 0.0, -1.0],
  [-3.0, 4.0, 0.5],
  [0.5, 1.5, 2.0],
  [4.0, -1.0, 8.0],
  [1.5, 2.5, -4.5],
];
const y = [0, 1, 0, 1, 0, 1];
const setup = async () => {
  await tf.setBackend('cpu');
};

beforeAll(async () => {
  await setup();
  tmp = await mkdtemp(join(tmpdir(), 'layerwise-pipeline-params-'));
});
afterAll(async () => {
  await rm(tmp, { recursive: true, force: true });
});

const clf = () =>
  new MLPClassifier({ hiddenLayerSizes: [4], epochs: 2, batchSize: 6, randomState: 0 }, { registry });

checkTransformer(
  () =>
    new Pipeline([
      ['scale', new StandardScaler()],
      ['pca', new PCA({ nComponents: 2 })],
    ]),
  { X, setup, name: 'Pipeline(StandardScaler, PCA)', load: (dir) => Pipeline.load(dir) },
);
checkTransformer(
  () =>
    new Pipeline([
      ['scale', new MinMaxScaler()],
      ['skip', 'passthrough'],
      ['std', new StandardScaler()],
    ]),
  {
    X,
    setup,
    name: 'Pipeline(MinMaxScaler, passthrough, StandardScaler)',
    load: (dir) => Pipeline.load(dir),
    inverse: 1e-5,
  },
);

describe('nested params', () => {
  it('getParams({ deep }) lists steps and step__param names; setParams round-trips them', () => {
    const pipe = new Pipeline([
      ['scale', new StandardScaler()],
      ['clf', clf()],
    ]);
    const shallow = pipe.getParams({ deep: false });
    expect(Object.keys(shallow)).toEqual(['steps']);
    const deep = pipe.getParams();
    expect(deep.scale).toBe(pipe.namedSteps.scale);
    expect(deep.scale__withMean).toBe(true);
    expect(deep.clf__hiddenLayerSizes).toEqual([4]);
    expect(pipe.setParams({ clf__hiddenLayerSizes: [8, 3], scale__withStd: false })).toBe(pipe);
    expect(pipe.getParams().clf__hiddenLayerSizes).toEqual([8, 3]);
    expect((pipe.namedSteps.clf as MLPClassifier).getParams().hiddenLayerSizes).toEqual([8, 3]);
    expect((pipe.namedSteps.scale as StandardScaler).getParams().withStd).toBe(false);
    // Every deep param set back gives the same params.
    const again = pipe.getParams();
    pipe.setParams(Object.fromEntries(Object.entries(again).filter(([k]) => k.includes('__'))));
    expect(pipe.getParams()).toEqual(again);
  });

  it('unknown steps and params are ValidationErrors naming them and the valid ones; nothing changes', () => {
    const pipe = new Pipeline([
      ['scale', new StandardScaler()],
      ['clf', clf()],
    ]);
    const before = pipe.getParams();
    expect(() => pipe.setParams({ clf__epochs: 5, scaler__withMean: false })).toThrow(
      /unknown step "scaler" in "scaler__withMean". Valid steps: scale, clf/,
    );
    expect(() => pipe.setParams({ scale__withMean: false, clf__hiddenLayers: [3] })).toThrow(
      /step "clf" \(MLPClassifier\) has no parameter "hiddenLayers". Its parameters: .*hiddenLayerSizes/,
    );
    expect(() => pipe.setParams({ clf: 42 })).toThrow(ValidationError);
    expect(pipe.getParams()).toEqual(before);
  });

  it('nested pipelines: outer__inner__param', () => {
    const inner = new Pipeline([
      ['impute', new SimpleImputer()],
      ['scale', new StandardScaler()],
    ]);
    const outer = new Pipeline([
      ['prep', inner],
      ['pca', new PCA()],
    ]);
    expect(outer.getParams().prep__impute__strategy).toBe('mean');
    outer.setParams({ prep__impute__strategy: 'median', pca__nComponents: 2 });
    expect((inner.namedSteps.impute as SimpleImputer).getParams().strategy).toBe('median');
    expect(() => outer.setParams({ prep__impute__nope: 1 })).toThrow(/has no parameter "nope"/);
  });

  it('steps and step replacement through setParams; passthrough', async () => {
    const pipe = new Pipeline([
      ['scale', new StandardScaler()],
      ['pca', new PCA({ nComponents: 2 })],
    ]);
    pipe.setParams({ scale: 'passthrough' });
    await pipe.fit(X);
    expect(((await pipe.transform(X)) as number[][])[0]).toHaveLength(2);
    expect(() => pipe.setParams({ scale__withMean: true })).toThrow(/'passthrough' and has no parameters/);
    pipe.setParams({ steps: [['only', new MinMaxScaler()]] });
    expect(pipe.steps.map(([n]) => n)).toEqual(['only']);
  });

  it('clone is deep: each step cloned and unfitted, params equal', async () => {
    const pipe = new Pipeline([
      ['scale', new StandardScaler({ withMean: false })],
      ['clf', clf()],
    ]);
    await pipe.fit(X, y);
    const c = pipe.clone();
    expect(c.isFitted).toBe(false);
    expect(c.namedSteps.scale).not.toBe(pipe.namedSteps.scale);
    expect(c.namedSteps.clf).not.toBe(pipe.namedSteps.clf);
    const plain = (p: Record<string, unknown>) =>
      Object.fromEntries(Object.entries(p).filter(([k]) => k.includes('__')));
    expect(plain(c.getParams())).toEqual(plain(pipe.getParams()));
    expect(pipe.isFitted).toBe(true);
    pipe.dispose();
  });
});

describe('construction, naming and errors', () => {
  it('makePipeline names steps by lowercased class name, deduplicated like scikit-learn', () => {
    expect(
      nameSteps([new StandardScaler(), new PCA(), new StandardScaler(), 'passthrough']).map(([n]) => n),
    ).toEqual(['standardscaler-1', 'pca', 'standardscaler-2', 'passthrough']);
    expect(Object.keys(makePipeline(new MinMaxScaler(), new PCA()).namedSteps)).toEqual([
      'minmaxscaler',
      'pca',
    ]);
  });

  it('bad steps are ValidationErrors', () => {
    expect(() => new Pipeline([])).toThrow(/non-empty array/);
    expect(() => new Pipeline([['a__b', new PCA()]])).toThrow(/must not contain "__"/);
    expect(
      () =>
        new Pipeline([
          ['a', new PCA()],
          ['a', new PCA()],
        ]),
    ).toThrow(/"a" appears twice/);
    expect(
      () =>
        new Pipeline([
          ['clf', clf()],
          ['pca', new PCA()],
        ]),
    ).toThrow(/step "clf" \(MLPClassifier\) is not the last step, so it must have transform\(\)/);
    expect(() => new Pipeline([['x', {} as never]])).toThrow(/not an estimator/);
  });

  it('predictProba exists only while the last step has it (as scikit-learn)', () => {
    const c = new Pipeline([
      ['scale', new StandardScaler()],
      ['clf', clf()],
    ]);
    expect(typeof c.predictProba).toBe('function');
    const r = new Pipeline([
      ['scale', new StandardScaler()],
      ['reg', new MLPRegressor({ hiddenLayerSizes: [4], epochs: 1 }, { registry })],
    ]);
    expect(typeof r.predictProba).toBe('undefined');
    r.setParams({ reg: clf() });
    expect(typeof r.predictProba).toBe('function');
    expect(typeof c.clone().predictProba).toBe('function');
  });

  it('NotFittedError before fit; transform on a classifier pipeline names the last step', async () => {
    const pipe = new Pipeline([
      ['scale', new StandardScaler()],
      ['clf', clf()],
    ]);
    await expect(pipe.predict(X)).rejects.toThrow(NotFittedError);
    await expect(pipe.score(X, y)).rejects.toThrow(NotFittedError);
    await expect(pipe.save(join(tmp, 'never'))).rejects.toThrow(NotFittedError);
    expect(existsSync(join(tmp, 'never'))).toBe(false);
    await expect(pipe.transform(X)).rejects.toThrow(/last step "clf" \(MLPClassifier\) has no transform\(\)/);
  });

  it('fit options: step__option routed, unknown options and steps rejected before any fitting', async () => {
    const pipe = new Pipeline([
      ['scale', new StandardScaler()],
      ['clf', clf()],
    ]);
    await expect(pipe.fit(X, y, { lr: 1 } as never)).rejects.toThrow(/unknown option "lr"/);
    await expect(pipe.fit(X, y, { model__resume: 'x' })).rejects.toThrow(
      /unknown option "model__resume".*scale, clf/,
    );
    expect(pipe.isFitted).toBe(false);
    expect((pipe.namedSteps.scale as StandardScaler).isFitted).toBe(false);
    await expect(pipe.fit(X, y, { clf__resume: join(tmp, 'no-checkpoint') })).rejects.toThrow(
      ValidationError,
    );
  });

  it('bad X reaches the first step and is a ValidationError; no tensor left', async () => {
    const pipe = new Pipeline([
      ['scale', new StandardScaler()],
      ['clf', clf()],
    ]);
    const n0 = tf.memory().numTensors;
    const nan = X.map((r) => [...r]);
    nan[0]![0] = Number.NaN;
    await expect(pipe.fit(nan, y)).rejects.toThrow(/StandardScaler.fit: X contains NaN/);
    await expect(pipe.fit(X, y.slice(1))).rejects.toThrow(/X has 6 samples but y has 5.*nothing was fitted/);
    await expect(pipe.fit(X)).rejects.toThrow(/last step "clf" \(MLPClassifier\) predicts, so fit needs y/);
    expect((pipe.namedSteps.scale as StandardScaler).isFitted).toBe(false);
    expect(tf.memory().numTensors).toBe(n0);
    // With an imputer first, NaN is fine.
    const imp = new Pipeline([
      ['impute', new SimpleImputer()],
      ['clf', clf()],
    ]);
    await imp.fit(nan, y);
    expect(((await imp.predict(nan)) as number[]).length).toBe(6);
    imp.dispose();
    expect(tf.memory().numTensors).toBe(n0);
  });

  it('load: an unregistered step kind and a step folder outside the pattern are ModelFormatErrors', async () => {
    const pipe = new Pipeline([
      ['scale', new StandardScaler()],
      ['pca', new PCA({ nComponents: 2 })],
    ]);
    await pipe.fit(X);
    const dir = join(tmp, 'tamper');
    await pipe.save(dir);
    const text = await readFile(join(dir, 'model.json'), 'utf8');
    const m = JSON.parse(text);
    m.params.steps[1].kind = 'MyCustomThing';
    await writeFile(join(dir, 'model.json'), JSON.stringify(m));
    await expect(Pipeline.load(dir)).rejects.toThrow(ModelFormatError);
    await expect(Pipeline.load(dir)).rejects.toThrow(
      /kind "MyCustomThing", which no loader is registered for/,
    );
    // A loader for it can be passed; here it claims the folder but the folder holds a PCA.
    await expect(Pipeline.load(dir, { loaders: { MyCustomThing: async () => new PCA() } })).rejects.toThrow(
      /listed as MyCustomThing but its folder holds a PCA/,
    );
    const m2 = JSON.parse(text);
    m2.params.steps[0].dir = '../../etc';
    await writeFile(join(dir, 'model.json'), JSON.stringify(m2));
    await expect(Pipeline.load(dir)).rejects.toThrow(/must be "step-0-<12 hex digits>"/);
    await mkdir(join(dir, 'x'), { recursive: true });
    await writeFile(join(dir, 'model.json'), text);
    const back = await Pipeline.load(dir);
    expect(await back.transform(X)).toEqual(await pipe.transform(X));
  });
});

describe('tensors', () => {
  it('tensor X: intermediate tensors are disposed on success and when a later step throws', async () => {
    const pipe = new Pipeline([
      ['a', new StandardScaler()],
      ['b', new MinMaxScaler()],
      ['pca', new PCA({ nComponents: 2 })],
    ]);
    await pipe.fit(X);
    const xt = tf.tensor2d(X);
    const n0 = tf.memory().numTensors;
    const out = (await pipe.transform(xt)) as tf.Tensor2D;
    expect(out.shape).toEqual([6, 2]);
    expect(tf.memory().numTensors).toBe(n0 + 1);
    out.dispose();
    // inverseTransform needs 2 columns: a 3-column input fails at the first step it meets (PCA).
    await expect(pipe.inverseTransform(xt)).rejects.toThrow(/PCA.inverseTransform: Z has 3 features/);
    const bad = tf.tensor2d([[1, 2]]);
    await expect(pipe.transform(bad)).rejects.toThrow(ValidationError);
    bad.dispose();
    expect(tf.memory().numTensors).toBe(n0);
    // A later step that throws: the scaled tensor the first step made is still disposed.
    class Failing {
      isFitted = true;
      getParams() {
        return {};
      }
      setParams() {
        return this;
      }
      fit() {
        return this;
      }
      transform(): never {
        throw new ValidationError('Failing.transform: this step always fails (test double).');
      }
    }
    const failing = new Pipeline([
      ['scale', new StandardScaler().fit(X)],
      ['fail', new Failing()],
      ['pca', new PCA({ nComponents: 2 }).fit(X)],
    ]);
    await expect(failing.transform(xt)).rejects.toThrow(/always fails/);
    await expect(failing.fit(xt)).rejects.toThrow(/always fails/);
    expect(tf.memory().numTensors).toBe(n0);
    xt.dispose();
  });
});
