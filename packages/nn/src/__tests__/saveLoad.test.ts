import { mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { ModelFormatError, Registry } from '@layerwise/core';
import * as tf from '@tensorflow/tfjs-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { MLPClassifier, MLPRegressor } from '../index.js';
import { blobs, parabola } from './data.js';
import { useWasm } from './helpers.js';

const registry = new Registry();
const small = { hiddenLayerSizes: [16, 8], epochs: 5, batchSize: 32, randomState: 0 };
beforeAll(useWasm);
type Manifest = {
  kind: string;
  weights: { file: string };
  params: Record<string, unknown>;
  state: Record<string, unknown>;
};
const made: string[] = [];
const tmp = () => {
  const dir = mkdtempSync(join(tmpdir(), 'lw-nn-'));
  made.push(dir);
  return dir;
};
afterAll(() => {
  for (const dir of made) rmSync(dir, { recursive: true, force: true });
});

describe('save and load', () => {
  const { X, y } = blobs(120);
  const labels = y.map((c) => ['a', 'b', 'c'][c]!);

  it('save → load gives identical outputs and state; no tensor leaks', async () => {
    const clf = await new MLPClassifier(small, { registry }).fit(X, labels);
    const dir = tmp();
    const n = tf.memory().numTensors;
    await clf.save(dir);
    expect(tf.memory().numTensors).toBe(n);
    const again = await MLPClassifier.load(dir, { registry });
    expect(tf.memory().numTensors).toBe(n + 6);
    expect(again.classes).toEqual(['a', 'b', 'c']);
    expect(again.getParams()).toEqual(clf.getParams());
    expect(await again.predictProba(X)).toEqual(await clf.predictProba(X));
    expect(await again.predict(X)).toEqual(await clf.predict(X));
    expect(again.history?.epochs).toHaveLength(5);

    const r = parabola(50);
    const reg = await new MLPRegressor(small, { registry }).fit(r.X, r.y);
    const rdir = tmp();
    await reg.save(rdir);
    const reg2 = await MLPRegressor.load(rdir, { registry });
    expect(await reg2.predict(r.X)).toEqual(await reg.predict(r.X));
    await expect(MLPClassifier.load(rdir)).rejects.toThrow(ModelFormatError);
  });

  it('setParams after fit does not change what save stores: the file holds the fitted params and loads back', async () => {
    const clf = await new MLPClassifier(small, { registry }).fit(X, labels);
    clf.setParams({ hiddenLayerSizes: [4], activation: 'tanh', epochs: 2 });
    const dir = tmp();
    await clf.save(dir);
    const manifest = JSON.parse(readFileSync(join(dir, 'model.json'), 'utf8')) as Manifest;
    expect(manifest.params.hiddenLayerSizes).toEqual([16, 8]);
    expect(manifest.params.epochs).toBe(5);
    const again = await MLPClassifier.load(dir, { registry });
    expect(again.getParams().hiddenLayerSizes).toEqual([16, 8]);
    expect(await again.predictProba(X)).toEqual(await clf.predictProba(X));
    // The next fit uses the new params; then save stores those.
    await clf.fit(X, labels);
    await clf.save(dir);
    const after = JSON.parse(readFileSync(join(dir, 'model.json'), 'utf8')) as Manifest;
    expect(after.params.hiddenLayerSizes).toEqual([4]);
    expect((await MLPClassifier.load(dir, { registry })).getParams().activation).toBe('tanh');
    clf.dispose();
    again.dispose();
  });

  it('exportPath saves after fit; custom forward must be passed again', async () => {
    const dir = tmp();
    const clf = await new MLPClassifier({ ...small, exportPath: dir }, { registry }).fit(X, y);
    const again = await MLPClassifier.load(dir, { registry });
    expect(await again.predict(X)).toEqual(await clf.predict(X));
    const fdir = tmp();
    const forward = (
      x: tf.Tensor2D,
      layers: readonly { apply(x: tf.Tensor2D): tf.Tensor2D; affine(x: tf.Tensor2D): tf.Tensor2D }[],
    ) => layers[2]!.affine(layers[1]!.apply(layers[0]!.apply(x)));
    const custom = await new MLPClassifier({ ...small, forward }, { registry }).fit(X, y);
    await custom.save(fdir);
    await expect(MLPClassifier.load(fdir, { registry })).rejects.toThrow(/custom forward/);
    const loaded = await MLPClassifier.load(fdir, { registry, forward });
    expect(await loaded.predict(X)).toEqual(await custom.predict(X));
  });

  it('hostile model files give ModelFormatError and leak nothing', async () => {
    const clf = await new MLPClassifier(small, { registry }).fit(X, y);
    const dir = tmp();
    await clf.save(dir);
    const manifestText = readFileSync(join(dir, 'model.json'), 'utf8');
    const weightsFile = readdirSync(dir).find((f) => f.startsWith('weights-'))!;
    const weights = readFileSync(join(dir, weightsFile));
    const variant = (edit: (m: Manifest) => void, bytes: Uint8Array = weights) => {
      const d = tmp();
      const m = JSON.parse(manifestText);
      edit(m);
      writeFileSync(join(d, 'model.json'), JSON.stringify(m));
      writeFileSync(join(d, m.weights.file.includes('/') ? weightsFile : m.weights.file), bytes);
      return d;
    };
    const n = tf.memory().numTensors;
    const cases: Record<string, string> = {
      truncated: variant(() => {}, weights.subarray(0, weights.length - 4)),
      tampered: variant(
        () => {},
        Uint8Array.from(weights, (b, i) => (i === 10 ? b ^ 1 : b)),
      ),
      dotdot: variant((m) => {
        m.weights.file = '../evil.bin';
      }),
      wrongShapes: variant((m) => {
        m.params.hiddenLayerSizes = [8, 16];
      }),
      badParams: variant((m) => {
        m.params.epochs = -3;
      }),
      badClasses: variant((m) => {
        m.state.classes = [1];
      }),
      noInputSize: variant((m) => {
        delete m.state.inputSize;
      }),
      forwardCode: variant((m) => {
        m.params.forward = 'x => x';
      }),
      wrongKind: variant((m) => {
        m.kind = 'Evil';
      }),
      missing: tmp(),
    };
    for (const [name, d] of Object.entries(cases)) {
      await expect(MLPClassifier.load(d, { registry }), name).rejects.toThrow(ModelFormatError);
    }
    expect(tf.memory().numTensors).toBe(n);
  });
});
