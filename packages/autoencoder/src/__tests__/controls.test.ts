// The one run's controls on the autoencoder and on classifiers built from it (MNIST digits, wasm backend).
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import {
  type CallbackContext,
  clone,
  Registry,
  TrainingDivergedError,
  ValidationError,
} from '@layerwise/core';
import { earlyStopping, freezeLayers, MLPClassifier } from '@layerwise/nn';
import * as tf from '@tensorflow/tfjs-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { StackedAutoencoder } from '../index.js';
import { loadMnist, type Mnist, useWasm } from './helpers.js';

const registry = new Registry();
let train: Mnist;
let ae: StackedAutoencoder;
let root: string;
const aeParams = {
  hiddenLayerSizes: [64, 32],
  epochs: 2,
  fineTuneEpochs: 1,
  batchSize: 100,
  learningRate: 0.005,
  randomState: 1,
};
const encoderKernels = (src: StackedAutoencoder) => src.toExportable('encoder').layers.map((l) => l.kernel);

beforeAll(async () => {
  await useWasm();
  train = await loadMnist('train', 2000);
  ae = await new StackedAutoencoder(aeParams, { registry }).fit(train.X);
  root = await mkdtemp(join(tmpdir(), 'lw-ae-controls-'));
});
afterAll(async () => {
  ae.dispose();
  await rm(root, { recursive: true, force: true });
});

describe('freezing a pretrained encoder', () => {
  it('freezeEncoder: 3 keeps the encoder weights bit-identical for 3 epochs and changes them after', async () => {
    const enc = encoderKernels(ae);
    const hidden: Float32Array[][] = [];
    const clf = MLPClassifier.fromEncoder(ae, {
      epochs: 5,
      batchSize: 100,
      randomState: 2,
      freezeEncoder: 3,
    });
    const before = tf.memory().numTensors;
    await clf.fit(train.X, train.y, {
      callbacks: [
        {
          onEpochEnd(ctx: CallbackContext) {
            const w = ctx.readWeights();
            hidden.push([w[0]!, w[2]!]);
          },
        },
      ],
    });
    expect(tf.memory().numTensors).toBe(before + 6);
    for (let e = 0; e < 3; e++) {
      expect(hidden[e]![0]).toEqual(enc[0]);
      expect(hidden[e]![1]).toEqual(enc[1]);
    }
    for (let e = 3; e < 5; e++) {
      expect(hidden[e]![0]).not.toEqual(enc[0]);
      expect(hidden[e]![1]).not.toEqual(enc[1]);
    }
    // The output layer trained all along.
    expect(clf.history!.epochs[2]!.loss).toBeLessThan(clf.history!.epochs[0]!.loss);
    // freezeEncoder: true keeps them for the whole fit; the output layer alone still learns digits.
    const frozen = await MLPClassifier.fromEncoder(ae, {
      epochs: 3,
      batchSize: 100,
      learningRate: 0.01,
      randomState: 2,
      freezeEncoder: true,
    }).fit(train.X, train.y);
    expect(frozen.layers.slice(0, 2).map((l) => l.read().kernel)).toEqual(enc);
    const acc = await frozen.score(train.X, train.y);
    console.log(
      `output layer alone on the frozen [64, 32] encoder, 3 epochs: training accuracy ${acc.toFixed(3)}`,
    );
    expect(frozen.lossCurve[2]!).toBeLessThan(frozen.lossCurve[0]!);
    expect(acc).toBeGreaterThan(0.3);
    expect(() => new MLPClassifier({ freezeEncoder: true })).toThrow(
      /freezeEncoder needs a pretrained encoder/,
    );
    expect(() => MLPClassifier.fromEncoder(ae, { freezeEncoder: -1 })).toThrow(ValidationError);
    clf.dispose();
    frozen.dispose();
  });

  it('an encoder unfrozen after n epochs starts as under a fresh Adam (its own bias correction, as in PyTorch)', async () => {
    // Full batch: one Adam step per epoch. 3 frozen epochs, then one step for the encoder. Adam's first step
    // moves every weight with a gradient by lr · g / (|g| + ε) = ±lr. tfjs's and Keras's Adam would count the 3
    // frozen steps: zero moments under a correction for step 4 give m̂/√v̂ = 0.29 / 0.50, a step of 0.58 lr.
    const lr = 0.01;
    const enc = encoderKernels(ae);
    const clf = MLPClassifier.fromEncoder(ae, {
      epochs: 4,
      batchSize: 2000,
      learningRate: lr,
      randomState: 2,
      freezeEncoder: 3,
    });
    await clf.fit(train.X, train.y);
    const w = clf.toExportable().layers[0]!.kernel;
    const steps = Array.from(w, (x, i) => Math.abs(x - enc[0]![i]!)).filter((d) => d > 1e-6);
    expect(steps.length).toBeGreaterThan(w.length / 4); // weights of pixels that are never on do not move
    const sorted = steps.sort((a, b) => a - b);
    expect(sorted.at(-1)!).toBeLessThan(lr * 1.001);
    expect(sorted[Math.floor(sorted.length / 2)]!).toBeGreaterThan(lr * 0.99); // the median step is lr
    clf.dispose();
  });
  it('clone() of a fromEncoder classifier keeps the encoder weights: a clone fits the same model', async () => {
    const clf = MLPClassifier.fromEncoder(ae, { epochs: 2, batchSize: 100, randomState: 3 });
    const twin = clone(clf);
    expect(twin.isFitted).toBe(false);
    expect(twin.getParams().encoderWeights!.map((l) => l.kernel)).toEqual(encoderKernels(ae));
    await clf.fit(train.X, train.y);
    await twin.fit(train.X, train.y);
    const w = (c: MLPClassifier) => c.layers.map((l) => l.read());
    expect(w(twin)).toEqual(w(clf));
    // A plain classifier with the same params but random hidden weights differs.
    const { encoderWeights: _e, ...plain } = clf.getParams();
    const random = await new MLPClassifier(plain).fit(train.X, train.y);
    expect(w(random)).not.toEqual(w(clf));
    // The encoder weights are never stored in a model file.
    await clf.save(join(root, 'from-encoder'));
    const loaded = await MLPClassifier.load(join(root, 'from-encoder'));
    expect(loaded.getParams().encoderWeights).toBeNull();
    expect(w(loaded)).toEqual(w(clf));
    for (const c of [clf, twin, random, loaded]) c.dispose();
  });
});

describe('StackedAutoencoder and the one run', () => {
  it('fit(X, y) accepts and ignores every kind of y; fit(X, options) still reads options', async () => {
    const X = { data: train.X.data.subarray(0, 300 * 784), shape: [300, 784] as [number, number] };
    const p = { ...aeParams, epochs: 1, fineTuneEpochs: 1 };
    const w = (a: StackedAutoencoder) => a.toExportable('autoencoder').layers.map((l) => l.kernel);
    const ref = await new StackedAutoencoder(p, { registry }).fit(X);
    const labels = Array.from(train.y.subarray(0, 300));
    const ys: unknown[] = [labels, train.y.subarray(0, 300), labels.map(String), null, undefined];
    for (const y of ys) {
      const a = await new StackedAutoencoder(p, { registry }).fit(X, y);
      expect(w(a)).toEqual(w(ref));
      a.dispose();
    }
    const t = tf.tensor1d(labels, 'int32');
    const n = tf.memory().numTensors;
    const a = await new StackedAutoencoder(p, { registry }).fit(X, t, {});
    expect(w(a)).toEqual(w(ref));
    t.dispose();
    expect(tf.memory().numTensors).toBe(n - 1 + 8);
    a.dispose();
    // Options in second place, and strictness.
    const v = await new StackedAutoencoder(p, { registry }).fit(X, { validationData: X });
    expect(v.history!.epochs[0]!.valLoss).toBeGreaterThan(0);
    expect(v.validationScores).toEqual(v.history!.epochs.map((e) => -e.valLoss!));
    await expect(new StackedAutoencoder(p).fit(X, { validation_data: X } as never)).rejects.toThrow(
      /did you mean "validationData"/,
    );
    v.dispose();
    ref.dispose();
  });

  it('early stopping and callbacks work per stage; lossCurve/nIter cover every stage; divergence keeps the old model', async () => {
    const stages: string[] = [];
    const fitted = await new StackedAutoencoder(
      { ...aeParams, epochs: 6, fineTuneEpochs: 3, validationFraction: 0.2 },
      { registry },
    ).fit(train.X, {
      callbacks: [
        // No epoch improves on the first by 1e6: every stage stops after its second epoch.
        earlyStopping({ patience: 1, minDelta: 1e6 }),
        {
          onStageBegin(ctx: CallbackContext) {
            stages.push(`${ctx.stage}${ctx.layer ?? ''}`);
          },
        },
      ],
    });
    expect(stages).toEqual(['pretrain0', 'pretrain1', 'finetune']);
    const h = fitted.history!;
    expect(h.stages.map((s) => [s.stoppedEarly, s.epochs.length])).toEqual([
      [true, 2],
      [true, 2],
      [true, 2],
    ]);
    expect(fitted.nIter).toBe(6);
    expect(fitted.lossCurve).toEqual(h.epochs.map((e) => e.loss));
    expect(fitted.bestLoss).toBe(Math.min(...h.stages[2]!.epochs.map((e) => e.loss)));
    const before = (await fitted.transform(train.X)) as { data: Float32Array };
    fitted.setParams({ learningRate: 1e3, optimizer: 'sgd' });
    const n = tf.memory().numTensors;
    await expect(fitted.fit(train.X)).rejects.toThrow(TrainingDivergedError);
    expect(tf.memory().numTensors).toBe(n);
    expect(((await fitted.transform(train.X)) as { data: Float32Array }).data).toEqual(before.data);
    // freezeLayers on an autoencoder: layer 0 (encoder 0 + decoder 0) stays fixed while fine-tuning…
    const p0 = { ...aeParams, epochs: 0, fineTuneEpochs: 2 };
    const free = await new StackedAutoencoder(p0, { registry }).fit(train.X);
    const a = await new StackedAutoencoder({ ...p0, callbacks: [freezeLayers([0])] }, { registry }).fit(
      train.X,
    );
    const init = await new StackedAutoencoder({ ...p0, learningRate: 1e-30 }, { registry }).fit(train.X);
    expect(encoderKernels(a)[0]).toEqual(encoderKernels(init)[0]);
    expect(encoderKernels(a)[1]).not.toEqual(encoderKernels(init)[1]);
    expect(encoderKernels(free)[0]).not.toEqual(encoderKernels(init)[0]);
    // …and pretraining a frozen layer is refused (nothing would train).
    await expect(
      new StackedAutoencoder({ ...aeParams, callbacks: [freezeLayers([0])] }, { registry }).fit(train.X),
    ).rejects.toThrow(/every layer trained in stage 'pretrain' is frozen/);
    for (const x of [fitted, a, free, init]) x.dispose();
  });
});

describe('resume', () => {
  it('a finished checkpoint with a larger epochs trains the remaining epochs (exactly for a new checkpoint)', async () => {
    const X = { data: train.X.data.subarray(0, 500 * 784), shape: [500, 784] as [number, number] };
    const p = { ...aeParams, epochs: 1, fineTuneEpochs: 4 };
    const ref = await new StackedAutoencoder(p, { registry }).fit(X);
    const dir = join(root, 'ae-done');
    await new StackedAutoencoder({ ...p, fineTuneEpochs: 2, checkpoint: { dir } }, { registry }).fit(X);
    const n = tf.memory().numTensors;
    const resumed = await new StackedAutoencoder(p, { registry }).fit(X, { resume: dir });
    expect(tf.memory().numTensors).toBe(n + 8);
    expect(resumed.history!.stages.map((s) => s.epochs.length)).toEqual([1, 1, 4]);
    expect(resumed.lossCurve).toEqual(ref.lossCurve);
    expect(resumed.toExportable().layers.map((l) => l.kernel)).toEqual(
      ref.toExportable().layers.map((l) => l.kernel),
    );
    // The same checkpoint with the same epochs trains nothing more.
    const same = await new StackedAutoencoder({ ...p, fineTuneEpochs: 2 }, { registry }).fit(X, {
      resume: dir,
    });
    expect(same.nIter).toBe(4);
    for (const x of [ref, resumed, same]) x.dispose();
  });
});

describe('fit(source)', () => {
  it('greedy pretraining over a stream encodes each batch on the fly; reconstruction close to the in-memory fit', async () => {
    const p = { ...aeParams, epochs: 2, fineTuneEpochs: 1, shuffle: false };
    const mem = await new StackedAutoencoder(p, { registry }).fit(train.X);
    let calls = 0;
    const source = function* () {
      calls++;
      for (let s = 0; s < 2000; s += 250) {
        yield {
          x: { data: train.X.data.subarray(s * 784, (s + 250) * 784), shape: [250, 784] as [number, number] },
        };
      }
    };
    const n = tf.memory().numTensors;
    const streamed = await new StackedAutoencoder(p, { registry }).fit(source);
    expect(tf.memory().numTensors).toBe(n + 8);
    expect(calls).toBe(1 + 2 + 2 + 1); // scan, 2 epochs × 2 layers, 1 fine-tuning epoch
    expect(streamed.history!.stages.map((s) => `${s.stage}${s.layer ?? ''}`)).toEqual([
      'pretrain0',
      'pretrain1',
      'finetune',
    ]);
    const [a, b] = [await mem.score(train.X), await streamed.score(train.X)];
    console.log(`reconstruction MSE: in memory ${(-a).toFixed(5)}, streamed ${(-b).toFixed(5)}`);
    // Without shuffling, the streamed batches are the in-memory ones: the same model.
    expect(Math.abs(b - a)).toBeLessThan(0.05 * Math.abs(a));
    await expect(new StackedAutoencoder(p, { registry }).fit(() => [])).rejects.toThrow(/empty/);
    for (const x of [mem, streamed]) x.dispose();
  });
});
