// Pipelines on real MNIST digits: scaling + classifier, scaling + autoencoder codes + classifier, save → load.
import { mkdtemp, readdir, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { StackedAutoencoder, stackedAutoencoderKind } from '@layerwise/autoencoder';
import { Registry } from '@layerwise/core';
import { MLPClassifier, mlpClassifierKind } from '@layerwise/nn';
import { MinMaxScaler, PREPROCESSING_KINDS, StandardScaler } from '@layerwise/preprocessing';
import * as tf from '@tensorflow/tfjs-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { makePipeline, Pipeline } from '../index.js';
import { loadMnist, type Mnist, useWasm } from './helpers.js';

const registry = new Registry();
for (const kind of [...PREPROCESSING_KINDS, mlpClassifierKind, stackedAutoencoderKind]) registry.use(kind);
let train: Mnist;
let test: Mnist;
let tmp = '';

beforeAll(async () => {
  await useWasm();
  train = await loadMnist('train', 2000);
  test = await loadMnist('test', 500);
  tmp = await mkdtemp(join(tmpdir(), 'layerwise-pipeline-'));
});
afterAll(async () => {
  await rm(tmp, { recursive: true, force: true });
});

describe('Pipeline on 2000 MNIST digits', () => {
  it('StandardScaler → MLPClassifier trains and scores; save → load gives identical predictions', async () => {
    const pipe = new Pipeline([
      ['scale', new StandardScaler()],
      [
        'clf',
        new MLPClassifier(
          { hiddenLayerSizes: [64], epochs: 8, batchSize: 100, learningRate: 0.001, randomState: 0 },
          { registry },
        ),
      ],
    ]);
    const n0 = tf.memory().numTensors;
    expect(await pipe.fit(train.X, train.y)).toBe(pipe);
    // Only the classifier's weights remain: 2 layers × (kernel + bias).
    expect(tf.memory().numTensors).toBe(n0 + 4);
    const acc = await pipe.score(test.X, test.y);
    console.log(
      `Pipeline(StandardScaler, MLPClassifier [64]) MNIST 2000/500: test accuracy ${acc.toFixed(4)}`,
    );
    expect(acc).toBeGreaterThan(0.85);
    expect(pipe.classes).toEqual([0, 1, 2, 3, 4, 5, 6, 7, 8, 9]);
    const scaler = pipe.namedSteps.scale as StandardScaler;
    expect(scaler.nSamplesSeen).toBe(2000);

    const proba = (await pipe.predictProba(test.X)) as { data: Float32Array; shape: number[] };
    expect(proba.shape).toEqual([500, 10]);
    expect(tf.memory().numTensors).toBe(n0 + 4);
    // Tensor in → tensor out, and the intermediate (scaled) tensor is disposed.
    const xt = tf.tensor2d(test.X.data, test.X.shape);
    const before = tf.memory().numTensors;
    const pt = (await pipe.predictProba(xt)) as tf.Tensor2D;
    expect(pt).toBeInstanceOf(tf.Tensor);
    expect(tf.memory().numTensors).toBe(before + 1);
    tf.dispose([pt, xt]);

    const dir = join(tmp, 'scale-clf');
    await pipe.save(dir);
    const files = (await readdir(dir)).sort();
    expect(files.filter((f) => f.startsWith('step-'))).toHaveLength(2);
    const manifest = JSON.parse(await readFile(join(dir, 'model.json'), 'utf8'));
    expect(manifest.kind).toBe('Pipeline');
    expect(manifest.params.steps.map((s: { name: string; kind: string }) => [s.name, s.kind])).toEqual([
      ['scale', 'StandardScaler'],
      ['clf', 'MLPClassifier'],
    ]);
    const back = await Pipeline.load(dir, { registry });
    expect(back.steps.map(([n]) => n)).toEqual(['scale', 'clf']);
    const p2 = (await back.predictProba(test.X)) as { data: Float32Array };
    expect(Array.from(p2.data)).toEqual(Array.from(proba.data));
    expect(await back.predict(test.X)).toEqual(await pipe.predict(test.X));
    // Saving again into the same folder replaces the step folders (no stale ones left).
    await pipe.save(dir);
    expect((await readdir(dir)).filter((f) => f.startsWith('step-'))).toHaveLength(2);
    back.dispose();
    pipe.dispose();
    expect(tf.memory().numTensors).toBe(n0);
  });

  it('MinMaxScaler → StackedAutoencoder (codes) → MLPClassifier; the autoencoder also works last', async () => {
    const ae = () =>
      new StackedAutoencoder(
        { hiddenLayerSizes: [64], epochs: 3, batchSize: 100, learningRate: 0.002, randomState: 0 },
        { registry },
      );
    const pipe = makePipeline(
      new MinMaxScaler(),
      ae(),
      new MLPClassifier(
        { hiddenLayerSizes: [32], epochs: 10, batchSize: 100, learningRate: 0.003, randomState: 0 },
        { registry },
      ),
    );
    expect(Object.keys(pipe.namedSteps)).toEqual(['minmaxscaler', 'stackedautoencoder', 'mlpclassifier']);
    const n0 = tf.memory().numTensors;
    await pipe.fit(train.X, train.y, { validationData: [test.X, test.y] });
    const clf = pipe.namedSteps.mlpclassifier as MLPClassifier;
    expect(clf.nFeaturesIn).toBe(64);
    // validationData reached the classifier in the code space (64 features).
    expect(clf.history!.epochs.at(-1)!.valLoss).toBeTypeOf('number');
    const acc = await pipe.score(test.X, test.y);
    console.log(
      `Pipeline(MinMaxScaler, StackedAutoencoder [64], MLPClassifier [32]) MNIST 2000/500: ${acc.toFixed(4)}`,
    );
    expect(acc).toBeGreaterThan(0.8);

    const dir = join(tmp, 'minmax-ae-clf');
    await pipe.save(dir);
    const back = await Pipeline.load(dir, { registry });
    expect(await back.predict(test.X)).toEqual(await pipe.predict(test.X));
    back.dispose();
    pipe.dispose();
    expect(tf.memory().numTensors).toBe(n0);

    // The autoencoder as the last step: transform gives its codes, score its −MSE.
    const codes = new Pipeline([
      ['scale', new MinMaxScaler()],
      ['ae', ae()],
    ]);
    const Z = (await codes.fitTransform(train.X)) as { shape: number[] };
    expect(Z.shape).toEqual([2000, 64]);
    const s = await codes.score(test.X);
    expect(s).toBeLessThan(0);
    expect(s).toBeGreaterThan(-0.1);
    const rec = (await codes.inverseTransform(await codes.transform(test.X))) as { shape: number[] };
    expect(rec.shape).toEqual([500, 784]);
    codes.dispose();
    expect(tf.memory().numTensors).toBe(n0);
  });
});
