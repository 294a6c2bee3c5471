import { mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import {
  clone,
  type ExportableModel,
  type ExporterPlugin,
  ModelFormatError,
  NotFittedError,
  Registry,
  Rng,
  ValidationError,
} from '@layerwise/core';
import { MLPClassifier } from '@layerwise/nn';
import { recordingLogger } from '@layerwise/testkit';
import * as tf from '@tensorflow/tfjs-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { StackedAutoencoder } from '../index.js';
import { loadMnist, useWasm } from './helpers.js';

const registry = new Registry();
beforeAll(useWasm);
const made: string[] = [];
const tmp = () => {
  const dir = mkdtempSync(join(tmpdir(), 'lw-ae-'));
  made.push(dir);
  return dir;
};
afterAll(() => {
  for (const dir of made) rmSync(dir, { recursive: true, force: true });
});

/** Rows in [0, 1] that lie near a 3-D subspace (so a small code can rebuild them). */
function lowRank(n: number, d = 12, seed = 3): number[][] {
  const rng = new Rng(seed);
  const basis = Array.from({ length: 3 }, () => Array.from({ length: d }, () => rng.next() - 0.5));
  return Array.from({ length: n }, () => {
    const z = [rng.next(), rng.next(), rng.next()];
    return Array.from({ length: d }, (_, j) => {
      const v = 0.5 + z.reduce((s, zi, i) => s + zi * basis[i]![j]!, 0) * 0.8;
      return Math.min(1, Math.max(0, v));
    });
  });
}

const small = {
  hiddenLayerSizes: [8, 4],
  epochs: 4,
  fineTuneEpochs: 2,
  batchSize: 20,
  learningRate: 0.01,
  randomState: 0,
};

describe('StackedAutoencoder on MNIST', () => {
  let ae: StackedAutoencoder;
  let test: Awaited<ReturnType<typeof loadMnist>>;

  it('a [256, 64] stacked denoising AE rebuilds held-out digits far better than the mean image', async () => {
    const train = await loadMnist('train', 20000);
    test = await loadMnist('test', 5000);
    const aeRows = 5000;
    const aeX = { data: train.X.data.subarray(0, aeRows * 784), shape: [aeRows, 784] as [number, number] };
    ae = new StackedAutoencoder(
      {
        hiddenLayerSizes: [256, 64],
        epochs: 2,
        fineTuneEpochs: 1,
        tiedWeights: true,
        noise: 0.2,
        randomState: 0,
      },
      { registry },
    );
    const before = tf.memory().numTensors;
    await ae.fit(aeX);
    // Encoder kernels + biases, decoder biases (tied kernels).
    expect(tf.memory().numTensors).toBe(before + 6);
    // Baseline: predict the training mean image for every test digit.
    const mean = new Float64Array(784);
    for (let i = 0; i < aeRows * 784; i++) mean[i % 784]! += aeX.data[i]! / aeRows;
    let baseline = 0;
    for (let i = 0; i < test.X.data.length; i++) baseline += (test.X.data[i]! - mean[i % 784]!) ** 2;
    baseline /= test.X.data.length;
    const mse = -(await ae.score(test.X));
    console.log(
      `StackedAutoencoder [256, 64] MNIST: test reconstruction MSE ${mse.toFixed(4)} vs mean image ${baseline.toFixed(4)}`,
    );
    expect(mse).toBeLessThan(0.5 * baseline);
    const stages = ae.history!.stages.map((s) => [s.stage, s.layer, s.epochs.length]);
    expect(stages).toEqual([
      ['pretrain', 0, 2],
      ['pretrain', 1, 2],
      ['finetune', undefined, 1],
    ]);
    const codes = (await ae.transform(test.X)) as { data: Float32Array; shape: number[] };
    expect(codes.shape).toEqual([5000, 64]);
    expect(tf.memory().numTensors).toBe(before + 6);
  });

  it('MLPClassifier.fromEncoder(ae) + fine-tuning reaches ≥ 95 % on held-out test digits', async () => {
    const train = await loadMnist('train', 20000);
    const clf = MLPClassifier.fromEncoder(ae, {
      epochs: 5,
      batchSize: 100,
      learningRate: 0.002,
      randomState: 0,
    });
    expect(clf.getParams().hiddenLayerSizes).toEqual([256, 64]);
    expect(clf.registry).toBe(registry);
    await clf.fit(train.X, train.y);
    const acc = await clf.score(test.X, test.y);
    console.log(
      `MLPClassifier.fromEncoder(ae) fine-tuned on 20000 digits: test accuracy ${acc.toFixed(4)} (5000 test digits)`,
    );
    expect(acc).toBeGreaterThanOrEqual(0.95);
    expect(() => MLPClassifier.fromEncoder(ae, { hiddenLayerSizes: [10] })).toThrow(ValidationError);
    expect(() => MLPClassifier.fromEncoder(ae, { activation: 'tanh' })).toThrow(ValidationError);
    await expect(
      MLPClassifier.fromEncoder(ae).fit(
        [
          [1, 2],
          [3, 4],
        ],
        [0, 1],
      ),
    ).rejects.toThrow(/784 features/);
  });
});

describe('StackedAutoencoder semantics', () => {
  const X = lowRank(200);

  it('transform / inverseTransform / reconstruct / score, outputs in the input kind, no leaks', async () => {
    const ae = new StackedAutoencoder(small, { registry });
    const params = ae.getParams();
    expect(await ae.fit(X)).toBe(ae);
    expect(ae.getParams()).toEqual(params);
    const n = tf.memory().numTensors;
    const Z = (await ae.transform(X)) as number[][];
    expect([Z.length, Z[0]!.length]).toEqual([200, 4]);
    const R = (await ae.reconstruct(X)) as number[][];
    expect(await ae.inverseTransform(Z)).toEqual(R);
    const mse = R.flat().reduce((s, v, i) => s + (v - X.flat()[i]!) ** 2, 0) / (200 * 12);
    expect(await ae.score(X)).toBeCloseTo(-mse, 5);
    const typed = (await ae.transform({ data: Float32Array.from(X.flat()), shape: [200, 12] })) as {
      data: Float32Array;
      shape: number[];
    };
    expect(typed.shape).toEqual([200, 4]);
    expect(tf.memory().numTensors).toBe(n);
    const xt = tf.tensor2d(X);
    const zt = (await ae.transform(xt)) as tf.Tensor2D;
    expect(zt.shape).toEqual([200, 4]);
    zt.dispose();
    xt.dispose();
    expect(tf.memory().numTensors).toBe(n);
    await expect(ae.transform([[1, 2]])).rejects.toThrow(ValidationError);
    await expect(ae.inverseTransform(X)).rejects.toThrow(/fitted with 4/);
    const fresh = new StackedAutoencoder(small, { registry });
    for (const call of [() => fresh.transform(X), () => fresh.reconstruct(X), () => fresh.score(X)]) {
      await expect(call()).rejects.toThrow(NotFittedError);
    }
    expect(clone(ae).isFitted).toBe(false);
    const m = tf.memory().numTensors;
    ae.dispose();
    expect(ae.isFitted).toBe(false);
    expect(tf.memory().numTensors).toBe(m - 8);
  });

  it('rejects bad params', () => {
    for (const p of [
      { noise: 1 },
      { noise: -0.1 },
      { epochs: -1 },
      { epochs: 0, fineTuneEpochs: 0 },
      { outputActivation: 'softmax' },
      { hiddenLayerSizes: [] },
      { tiedWeights: 'yes' },
      { batchSize: 0 },
      { unknown: 1 },
    ]) {
      expect(() => new StackedAutoencoder(p as never), JSON.stringify(p)).toThrow(ValidationError);
    }
    expect(() => new StackedAutoencoder({ epochs: 0 })).not.toThrow();
  });

  it('is reproducible with randomState (noise and dropout included), and a refit starts over', async () => {
    const p = { ...small, noise: 0.3, dropout: 0.1 };
    const a = await new StackedAutoencoder(p, { registry }).fit(X);
    const b = await new StackedAutoencoder(p, { registry }).fit(X);
    const c = await new StackedAutoencoder({ ...p, randomState: 1 }, { registry }).fit(X);
    const za = await a.transform(X);
    expect(await b.transform(X)).toEqual(za);
    expect(await c.transform(X)).not.toEqual(za);
    const n = tf.memory().numTensors;
    await a.fit(X);
    expect(await a.transform(X)).toEqual(za);
    expect(tf.memory().numTensors).toBe(n);
    expect(a.history!.epochs.map((e) => e.loss)).toEqual(b.history!.epochs.map((e) => e.loss));
  });

  it('sends pretrain/finetune events in order; early stopping per stage', async () => {
    const rec = recordingLogger();
    const reg = new Registry().use(rec);
    const ae = await new StackedAutoencoder(
      { ...small, earlyStopping: true, patience: 2 },
      { registry: reg },
    ).fit(X);
    const seq = rec.events
      .filter((e) => e.type !== 'batchEnd' && e.type !== 'epochEnd')
      .map((e) =>
        e.type === 'stageStart' || e.type === 'stageEnd' ? `${e.type}:${e.stage}${e.layer ?? ''}` : e.type,
      );
    expect(seq).toEqual([
      'fitStart',
      'stageStart:pretrain0',
      'stageEnd:pretrain0',
      'stageStart:pretrain1',
      'stageEnd:pretrain1',
      'stageStart:finetune',
      'stageEnd:finetune',
      'fitEnd',
    ]);
    const epochEnd = rec.events.find((e) => e.type === 'epochEnd');
    expect(epochEnd).toMatchObject({ stage: 'pretrain', layer: 0, epoch: 1 });
    expect(ae.history!.epochs.every((e) => e.valLoss !== undefined)).toBe(true);
    expect(ae.history!.backend).toBe('wasm');
  });

  it('setParams after fit does not change what save and toExportable store (the fitted params); the file loads back', async () => {
    const ae = await new StackedAutoencoder(small, { registry }).fit(X);
    ae.setParams({ hiddenLayerSizes: [5], tiedWeights: true });
    const dir = tmp();
    await ae.save(dir);
    const again = await StackedAutoencoder.load(dir, { registry });
    expect(again.getParams().hiddenLayerSizes).toEqual([8, 4]);
    expect(await again.transform(X)).toEqual(await ae.transform(X));
    expect(
      (ae.toExportable('encoder').metadata as { params: { hiddenLayerSizes: number[] } }).params
        .hiddenLayerSizes,
    ).toEqual([8, 4]);
    ae.dispose();
    again.dispose();
  });

  it('save → load gives identical outputs (tied and untied); hostile files give ModelFormatError', async () => {
    for (const tiedWeights of [false, true]) {
      const dir = tmp();
      const ae = await new StackedAutoencoder({ ...small, tiedWeights, exportPath: dir }, { registry }).fit(
        X,
      );
      const n = tf.memory().numTensors;
      const again = await StackedAutoencoder.load(dir, { registry });
      expect(tf.memory().numTensors).toBe(n + (tiedWeights ? 6 : 8));
      expect(await again.reconstruct(X)).toEqual(await ae.reconstruct(X));
      expect(again.getParams()).toEqual(ae.getParams());
    }
    const ae = await new StackedAutoencoder(small, { registry }).fit(X);
    const dir = tmp();
    await ae.save(dir);
    const text = readFileSync(join(dir, 'model.json'), 'utf8');
    const wfile = readdirSync(dir).find((f) => f.startsWith('weights-'))!;
    const bytes = readFileSync(join(dir, wfile));
    const variant = (
      edit: (m: { weights: { file: string }; params: Record<string, unknown> }) => void,
      w: Uint8Array = bytes,
    ) => {
      const d = tmp();
      const m = JSON.parse(text);
      edit(m);
      writeFileSync(join(d, 'model.json'), JSON.stringify(m));
      writeFileSync(join(d, wfile), w);
      return d;
    };
    const n = tf.memory().numTensors;
    for (const d of [
      variant(() => {}, bytes.subarray(0, 16)),
      variant(
        () => {},
        Uint8Array.from(bytes, (b, i) => (i === 3 ? b ^ 8 : b)),
      ),
      variant((m) => {
        m.weights.file = '../x.bin';
      }),
      variant((m) => {
        m.params.hiddenLayerSizes = [4, 8];
      }),
      variant((m) => {
        m.params.tiedWeights = true;
      }),
      variant((m) => {
        m.params.noise = 5;
      }),
    ]) {
      await expect(StackedAutoencoder.load(d, { registry })).rejects.toThrow(ModelFormatError);
    }
    expect(tf.memory().numTensors).toBe(n);
  });

  it('exports encoder, decoder and the whole autoencoder', async () => {
    const got: ExportableModel[] = [];
    const exporter: ExporterPlugin = {
      kind: 'exporter',
      name: 'mem',
      format: 'mem',
      export: async (model, target) => {
        got.push(model);
        return { format: 'mem', files: [target] };
      },
    };
    const reg = new Registry().use(exporter);
    const ae = await new StackedAutoencoder({ ...small, tiedWeights: true }, { registry: reg }).fit(X);
    const shape = (m: ExportableModel) => m.layers.map((l) => `${l.inputSize}>${l.units}:${l.activation}`);
    expect(shape(ae.toExportable('encoder'))).toEqual(['12>8:relu', '8>4:relu']);
    const dec = ae.toExportable('decoder');
    expect(dec.inputSize).toBe(4);
    expect(shape(dec)).toEqual(['4>8:relu', '8>12:sigmoid']);
    expect(shape(ae.toExportable())).toHaveLength(4);
    // The tied decoder kernel is the transposed encoder kernel.
    const e0 = ae.toExportable('encoder').layers[0]!;
    const d0 = dec.layers[1]!;
    expect(d0.kernel[2 * 12 + 5]).toBe(e0.kernel[5 * 8 + 2]);
    await ae.export('somewhere', { format: 'mem', part: 'encoder' });
    expect(got[0]!.part).toBe('encoder');
    expect(() => ae.toExportable('middle' as never)).toThrow(ValidationError);
  });
});
