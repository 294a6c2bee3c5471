import { mkdtemp, readdir, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { ModelFormatError, NotFittedError, ValidationError } from '@layerwise/core';
import * as tf from '@tensorflow/tfjs-core';
import '@tensorflow/tfjs-backend-cpu';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { LabelEncoder, OneHotEncoder, PCA, PREPROCESSING_LOADERS, StandardScaler } from '../index.js';

let tmp = '';
const X = [
  [1, 2, 3],
  [4, 5, 7],
  [0, 1, -1],
  [2, 2, 2],
];

beforeAll(async () => {
  await tf.setBackend('cpu');
  tmp = await mkdtemp(join(tmpdir(), 'layerwise-preprocessing-'));
});
afterAll(async () => {
  await rm(tmp, { recursive: true, force: true });
});

describe('save / load in the safe model format', () => {
  it('writes model.json (kind, params, state) plus one checksummed weights file; loads by kind', async () => {
    const s = new StandardScaler({ withMean: false }).fit(X);
    const dir = join(tmp, 'scaler');
    await s.save(dir);
    const files = (await readdir(dir)).sort();
    expect(files[0]).toBe('model.json');
    expect(files[1]).toMatch(/^weights-[0-9a-f]{16}\.bin$/);
    const manifest = JSON.parse(await readFile(join(dir, 'model.json'), 'utf8'));
    expect(manifest.kind).toBe('StandardScaler');
    expect(manifest.params).toEqual({ withMean: false, withStd: true });
    // The float32 tensors plus the exact float64 statistics (transform after load gives the same bits).
    expect(manifest.state).toEqual({
      nFeaturesIn: 3,
      nSamplesSeen: 4,
      float64: { mean: s.mean, var: s.var, scale: s.scale },
    });
    const back = (await PREPROCESSING_LOADERS.StandardScaler!(dir)) as StandardScaler;
    expect(back).toBeInstanceOf(StandardScaler);
    expect(back.transform(X)).toEqual(s.transform(X));
    expect(back.nFeaturesIn).toBe(3);
  });

  it('a tampered weights file, a wrong kind and bad state are ModelFormatErrors', async () => {
    const dir = join(tmp, 'pca');
    await new PCA({ nComponents: 2 }).fit(X).save(dir);
    await expect(StandardScaler.load(dir)).rejects.toThrow(ModelFormatError);
    const manifest = JSON.parse(await readFile(join(dir, 'model.json'), 'utf8'));
    const wfile = join(dir, manifest.weights.file);
    const bytes = await readFile(wfile);
    bytes[5] = bytes[5]! ^ 0xff;
    await writeFile(wfile, bytes);
    await expect(PCA.load(dir)).rejects.toThrow(/checksum/);
    const dir2 = join(tmp, 'pca2');
    await new PCA({ nComponents: 2 }).fit(X).save(dir2);
    const m2 = JSON.parse(await readFile(join(dir2, 'model.json'), 'utf8'));
    m2.state.nComponents = 3;
    await writeFile(join(dir2, 'model.json'), JSON.stringify(m2));
    await expect(PCA.load(dir2)).rejects.toThrow(/tensor "components" has shape \[2,3\], expected \[3, 3\]/);
    m2.state.nComponents = 2;
    m2.params.nComponents = -1;
    await writeFile(join(dir2, 'model.json'), JSON.stringify(m2));
    await expect(PCA.load(dir2)).rejects.toThrow(ModelFormatError);
  });

  it('OneHotEncoder (string categories) and LabelEncoder keep their categories exactly', async () => {
    const e = new OneHotEncoder().fit([
      ['a', 1.5],
      ['b', 2.25],
    ]);
    await e.save(join(tmp, 'ohe'));
    const e2 = await OneHotEncoder.load(join(tmp, 'ohe'));
    expect(e2.categories).toEqual([
      ['a', 'b'],
      [1.5, 2.25],
    ]);
    expect(e2.transform([['b', 1.5]])).toEqual([[0, 1, 1, 0]]);
    const le = new LabelEncoder().fit([3, 1, 2]);
    await expect(new LabelEncoder().save(join(tmp, 'never'))).rejects.toThrow(NotFittedError);
    await le.save(join(tmp, 'le'));
    const le2 = await LabelEncoder.load(join(tmp, 'le'));
    expect(le2.classes).toEqual([1, 2, 3]);
    const t = tf.tensor1d([3, 1], 'int32');
    const n0 = tf.memory().numTensors;
    const out = le2.transform(t) as tf.Tensor1D;
    expect(Array.from(out.dataSync())).toEqual([2, 0]);
    out.dispose();
    t.dispose();
    expect(tf.memory().numTensors).toBe(n0 - 1);
  });

  it('bad params are ValidationErrors naming the parameter and what is allowed', () => {
    expect(() => new StandardScaler({ withMean: 'yes' as never })).toThrow(/withMean must be true or false/);
    expect(() => new StandardScaler({ mean: true } as never)).toThrow(/unknown parameter "mean"/);
    const s = new StandardScaler();
    expect(() => s.setParams({ withStd: 1 as never })).toThrow(ValidationError);
    expect(s.getParams()).toEqual({ withMean: true, withStd: true });
  });
});
