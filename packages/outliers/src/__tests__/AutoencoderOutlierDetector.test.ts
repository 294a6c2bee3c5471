import { mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { StackedAutoencoder } from '@layerwise/autoencoder';
import {
  ConcurrentFitError,
  clone,
  ModelFormatError,
  NotFittedError,
  Registry,
  Rng,
  ValidationError,
} from '@layerwise/core';
import * as tf from '@tensorflow/tfjs-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { AutoencoderOutlierDetector, VariationalAutoencoder } from '../index.js';
import { auc, loadMnist, rowsOf, useWasm } from './helpers.js';

const registry = new Registry();
beforeAll(useWasm);
const dirs: string[] = [];
const tmp = () => {
  const d = mkdtempSync(join(tmpdir(), 'lw-outliers-'));
  dirs.push(d);
  return d;
};
afterAll(() => {
  for (const d of dirs) rmSync(d, { recursive: true, force: true });
});

/** Inliers near a 2-D subspace of [0, 1]^8, plus uniform noise rows (the outliers). */
function tabular(n: number, outliers: number, seed = 1): { X: number[][]; y: number[] } {
  const rng = new Rng(seed);
  const X: number[][] = [];
  const y: number[] = [];
  for (let i = 0; i < n; i++) {
    const a = rng.next();
    const b = rng.next();
    X.push(Array.from({ length: 8 }, (_, j) => 0.2 + 0.3 * a * ((j % 3) / 2) + 0.3 * b * (j % 2)));
    y.push(1);
  }
  for (let i = 0; i < outliers; i++) {
    X.push(Array.from({ length: 8 }, () => rng.next()));
    y.push(-1);
  }
  return { X, y };
}

const small = {
  hiddenLayerSizes: [6, 2],
  epochs: 5,
  fineTuneEpochs: 30,
  batchSize: 20,
  learningRate: 0.01,
  randomState: 0,
};

describe('AutoencoderOutlierDetector on one-class MNIST (subset)', () => {
  it('trained on one digit, its defaults rank the other digits as outliers (AUC ≥ 0.9 for digits 0 and 7)', async () => {
    const train = await loadMnist('train', 4000);
    const test = await loadMnist('test', 1000);
    for (const digit of [0, 7]) {
      // The default architecture and schedule, fewer epochs than the defaults to keep CI short.
      const det = new AutoencoderOutlierDetector(
        { epochs: 3, fineTuneEpochs: 8, randomState: 0 },
        { registry },
      );
      await det.fit(rowsOf(train, digit));
      const s = (await det.scoreSamples(test.X)) as Float32Array;
      const a = auc(
        Array.from(test.y, (v) => v === digit),
        s,
      );
      expect(a).toBeGreaterThan(0.9);
      det.dispose();
    }
  }, 120_000);
});

describe('AutoencoderOutlierDetector semantics', () => {
  it("has scikit-learn's outlier API and PyOD's fitted names; flags `contamination` of the training rows; no leaks", async () => {
    const { X, y } = tabular(300, 30);
    // (Several contamination values on the training rows: the checkOutlierDetector suite, conformance.test.ts.)
    const det = new AutoencoderOutlierDetector({ ...small, contamination: 30 / 330 }, { registry });
    await expect(det.predict(X)).rejects.toBeInstanceOf(NotFittedError);
    expect(() => det.offset).toThrow(NotFittedError);
    await det.fit(X, y);
    const before = tf.memory().numTensors;
    const s = (await det.scoreSamples(X)) as number[];
    const d = (await det.decisionFunction(X)) as number[];
    const p = (await det.predict(X)) as number[];
    expect(s).toHaveLength(330);
    // The fraction flagged on the training rows is the contamination; PyOD's labels_ (0/1) agree.
    expect(Math.abs(p.filter((v) => v === -1).length / 330 - 30 / 330)).toBeLessThanOrEqual(0.01);
    expect(Array.from(det.labels).filter((v) => v === 1).length).toBe(p.filter((v) => v === -1).length);
    for (let i = 0; i < 330; i++) {
      expect(d[i]).toBeCloseTo(s[i]! - det.offset, 6);
      expect(p[i]).toBe(d[i]! >= 0 ? 1 : -1);
    }
    expect(det.threshold).toBe(-det.offset);
    expect(Array.from(det.decisionScores)).toEqual(s.map((v) => Math.fround(-v)));
    // The uniform rows are the outliers: the detector ranks them far below the inliers.
    expect(
      auc(
        y.map((v) => v === 1),
        s,
      ),
    ).toBeGreaterThan(0.95);
    expect(await det.score(X)).toBeCloseTo(s.reduce((a, v) => a + v, 0) / s.length, 5);
    // Outputs in the kind of X.
    const typed = { data: new Float32Array(X.flat()), shape: [330, 8] as [number, number] };
    expect(await det.predict(typed)).toBeInstanceOf(Int32Array);
    expect(await det.decisionFunction(typed)).toBeInstanceOf(Float32Array);
    const t = tf.tensor2d(X);
    const pt = (await det.predict(t)) as tf.Tensor1D;
    const dt = (await det.decisionFunction(t)) as tf.Tensor1D;
    expect(pt.dtype).toBe('int32');
    expect(Array.from(await pt.data())).toEqual(p);
    expect(dt.shape).toEqual([330]);
    pt.dispose();
    dt.dispose();
    t.dispose();
    expect(tf.memory().numTensors).toBe(before);
    // A detector is not a classifier: no predictProba, as scikit-learn's detectors.
    expect((det as unknown as { predictProba?: unknown }).predictProba).toBeUndefined();
    expect(det.estimatorType).toBe('outlier_detector');
    det.dispose();
  }, 300_000);

  it('fits on a data source and scores, decides and predicts a data source batch by batch', async () => {
    const start = tf.memory().numTensors;
    const { X } = tabular(300, 30);
    const typed = { data: new Float32Array(X.flat()), shape: [330, 8] as [number, number] };
    let calls = 0;
    const source = () => {
      calls++;
      return (function* () {
        for (let s = 0; s < 330; s += 100) {
          const e = Math.min(330, s + 100);
          yield { x: { data: typed.data.subarray(s * 8, e * 8), shape: [e - s, 8] as [number, number] } };
        }
      })();
    };
    const det = new AutoencoderOutlierDetector(
      { ...small, shuffle: false, contamination: 0.1 },
      { registry },
    );
    const labels = (await det.fitPredict(source)) as Int32Array;
    // A scan, 5 pretraining epochs × 2 layers, 30 fine-tuning epochs, then one pass to score the training rows.
    expect(calls).toBe(1 + 10 + 30 + 1);
    expect(labels).toBeInstanceOf(Int32Array);
    expect(labels).toHaveLength(330);
    expect(Math.abs(labels.filter((v) => v === -1).length / 330 - 0.1)).toBeLessThanOrEqual(0.01);
    expect(det.nFeaturesIn).toBe(8);
    const before = tf.memory().numTensors;
    // Streamed outputs equal the in-memory ones of the same detector (its scores are deterministic).
    const s = (await det.scoreSamples(source)) as Float32Array;
    expect(s).toBeInstanceOf(Float32Array);
    expect(Array.from(s)).toEqual(Array.from((await det.scoreSamples(typed)) as Float32Array));
    expect(Array.from((await det.decisionFunction(source)) as Float32Array)).toEqual(
      Array.from((await det.decisionFunction(typed)) as Float32Array),
    );
    const p = (await det.predict(source)) as Int32Array;
    expect(p).toBeInstanceOf(Int32Array);
    expect(Array.from(p)).toEqual(Array.from((await det.predict(typed)) as Int32Array));
    expect(Array.from(p)).toEqual(Array.from(labels));
    expect(tf.memory().numTensors).toBe(before);
    // A one-shot generator cannot be read twice: refused before anything changes.
    const offset = det.offset;
    await expect(det.fit(source())).rejects.toThrow(/one-shot/);
    await expect(det.predict(() => [{ x: [[1, 2]] }])).rejects.toThrow(/batch 0 of the data source/);
    expect(det.offset).toBe(offset);
    // A VAE as the model streams too.
    const vaeDet = new AutoencoderOutlierDetector(
      {
        autoencoder: new VariationalAutoencoder(
          { hiddenLayerSizes: [6], latentDim: 2, epochs: 3, batchSize: 30, randomState: 0 },
          { registry },
        ),
        contamination: 0.1,
      },
      { registry },
    );
    await vaeDet.fit(source);
    expect((await vaeDet.scoreSamples(source)) as Float32Array).toHaveLength(330);
    for (const d of [det, vaeDet]) d.dispose();
    expect(tf.memory().numTensors).toBe(start);
  }, 300_000);

  it('rejects bad contamination, bad autoencoders and NaN rows with named errors, before changing anything', async () => {
    for (const c of [0, -0.1, 0.6, Number.NaN, 'half', null]) {
      expect(() => new AutoencoderOutlierDetector({ contamination: c as never })).toThrow(ValidationError);
      expect(() => new AutoencoderOutlierDetector({ contamination: c as never })).toThrow(/contamination/);
    }
    expect(() => new AutoencoderOutlierDetector().setParams({ contamination: 0.51 })).toThrow(
      ValidationError,
    );
    expect(() => new AutoencoderOutlierDetector({ contamination: 'auto' })).not.toThrow();
    expect(() => new AutoencoderOutlierDetector({ contamination: 0.5 })).not.toThrow();
    expect(() => new AutoencoderOutlierDetector({ autoencoder: {} as never })).toThrow(/autoencoder must be/);
    expect(() => new AutoencoderOutlierDetector({ epochs: 0, fineTuneEpochs: 0 })).toThrow(ValidationError);
    const { X } = tabular(100, 10);
    const det = new AutoencoderOutlierDetector(small, { registry });
    await det.fit(X);
    const offset = det.offset;
    const before = tf.memory().numTensors;
    const bad = X.map((r) => [...r]);
    bad[5]![3] = Number.NaN;
    await expect(det.fit(bad)).rejects.toBeInstanceOf(ValidationError);
    await expect(det.predict(bad)).rejects.toBeInstanceOf(ValidationError);
    await expect(det.scoreSamples([[1, 2]])).rejects.toBeInstanceOf(ValidationError);
    expect(det.offset).toBe(offset);
    expect(det.isFitted).toBe(true);
    expect(tf.memory().numTensors).toBe(before);
    const running = det.fit(X);
    await expect(det.fit(X)).rejects.toBeInstanceOf(ConcurrentFitError);
    await running;
    det.dispose();
  }, 300_000);

  it("contamination 'auto' uses the box-plot fence of the training errors", async () => {
    const { X } = tabular(200, 0);
    const det = new AutoencoderOutlierDetector({ ...small, contamination: 'auto' }, { registry });
    await det.fit(X);
    const e = Array.from(det.decisionScores).sort((a, b) => a - b);
    const q = (p: number) => {
      const pos = p * (e.length - 1);
      const lo = Math.floor(pos);
      return e[lo]! + (e[Math.min(lo + 1, e.length - 1)]! - e[lo]!) * (pos - lo);
    };
    expect(det.threshold).toBeCloseTo(q(0.75) + 1.5 * (q(0.75) - q(0.25)), 5);
    det.dispose();
  }, 300_000);

  it('is seeded; clone gives an unfitted copy with the same params; a VAE can be the model', async () => {
    const { X } = tabular(120, 12);
    const a = new AutoencoderOutlierDetector(small, { registry });
    const b = clone(a);
    expect(b).not.toBe(a);
    expect(b.isFitted).toBe(false);
    expect(b.getParams()).toEqual(a.getParams());
    await a.fit(X);
    await b.fit(X);
    expect(await a.scoreSamples(X)).toEqual(await b.scoreSamples(X));
    expect(a.offset).toBe(b.offset);
    a.dispose();
    b.dispose();
    const vae = new VariationalAutoencoder({
      hiddenLayerSizes: [8],
      latentDim: 2,
      likelihood: 'gaussian',
      epochs: 5,
      batchSize: 20,
      randomState: 0,
    });
    const det = new AutoencoderOutlierDetector({ autoencoder: vae, contamination: 0.1 }, { registry });
    await det.fit(X);
    expect(vae.isFitted).toBe(false); // cloned, never fitted itself
    expect(det.fittedAutoencoder).toBeInstanceOf(VariationalAutoencoder);
    const flagged = ((await det.predict(X)) as number[]).filter((v) => v === -1).length / X.length;
    expect(Math.abs(flagged - 0.1)).toBeLessThanOrEqual(0.01);
    det.dispose();
  }, 300_000);

  it('save → load gives the same scores, offset and labels (stacked and VAE); hostile files are ModelFormatError', async () => {
    const { X } = tabular(100, 10);
    for (const autoencoder of [
      null,
      new VariationalAutoencoder({
        hiddenLayerSizes: [8],
        latentDim: 2,
        likelihood: 'gaussian',
        epochs: 3,
        randomState: 1,
      }),
    ]) {
      const det = new AutoencoderOutlierDetector({ ...small, autoencoder }, { registry });
      await det.fit(X);
      const dir = tmp();
      await det.save(dir);
      await det.save(dir); // saving again replaces the model folder
      expect(readdirSync(dir).filter((f) => f.startsWith('model-'))).toHaveLength(1);
      const back = await AutoencoderOutlierDetector.load(dir, { registry });
      expect(back.offset).toBe(det.offset);
      expect(await back.scoreSamples(X)).toEqual(await det.scoreSamples(X));
      expect(Array.from(back.labels)).toEqual(Array.from(det.labels));
      expect(back.getParams().contamination).toBe(0.1);
      back.dispose();
      det.dispose();
    }
    const det = new AutoencoderOutlierDetector(small, { registry });
    await det.fit(X);
    const dir = tmp();
    await det.save(dir);
    const manifest = JSON.parse(readFileSync(join(dir, 'model.json'), 'utf8'));
    for (const [field, value] of [
      ['offset', 'x'],
      ['model', { kind: 'StackedAutoencoder', dir: '../../etc' }],
      ['model', { kind: 'MLPClassifier', dir: manifest.state.model.dir }],
      ['nFeaturesIn', 3],
    ] as const) {
      const hostile = { ...manifest, state: { ...manifest.state, [field]: value } };
      writeFileSync(join(dir, 'model.json'), JSON.stringify(hostile));
      await expect(AutoencoderOutlierDetector.load(dir, { registry })).rejects.toBeInstanceOf(
        ModelFormatError,
      );
    }
    writeFileSync(
      join(dir, 'model.json'),
      JSON.stringify({ ...manifest, params: { ...manifest.params, contamination: 2 } }),
    );
    await expect(AutoencoderOutlierDetector.load(dir, { registry })).rejects.toBeInstanceOf(ModelFormatError);
    det.dispose();
  }, 300_000);

  it('exports its autoencoder, and accepts a StackedAutoencoder instance as its model', async () => {
    const { X } = tabular(80, 8);
    const det = new AutoencoderOutlierDetector(
      {
        autoencoder: new StackedAutoencoder({
          hiddenLayerSizes: [4],
          epochs: 2,
          fineTuneEpochs: 2,
          randomState: 0,
        }),
      },
      { registry },
    );
    await det.fit(X);
    expect(det.fittedAutoencoder).toBeInstanceOf(StackedAutoencoder);
    const exported: unknown[] = [];
    const reg = new Registry().use({
      kind: 'exporter',
      name: 'probe',
      format: 'probe',
      async export(model: unknown) {
        exported.push(model);
        return { files: [] };
      },
    } as never);
    const det2 = new AutoencoderOutlierDetector(small, { registry: reg });
    await det2.fit(X);
    await det2.export('x', { format: 'probe', part: 'encoder' });
    expect((exported[0] as { part: string }).part).toBe('encoder');
    det.dispose();
    det2.dispose();
  }, 300_000);
});
