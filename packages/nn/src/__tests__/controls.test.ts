// Training controls of the one run, each shown on real MNIST digits (wasm backend, small nets, few epochs).
import { mkdtemp, rm, stat } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import {
  type Callback,
  type CallbackContext,
  clone,
  Registry,
  TrainingDivergedError,
  ValidationError,
} from '@layerwise/core';
import * as tf from '@tensorflow/tfjs-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  cosineDecay,
  earlyStopping,
  exponentialDecay,
  freezeLayers,
  learningRateScheduler,
  MLPClassifier,
  type MLPClassifierParams,
  stepDecay,
} from '../index.js';
import { loadMnist, type Mnist, useWasm } from './helpers.js';

const registry = new Registry();
let train: Mnist;
let test: Mnist;
let root: string;
const base: Partial<MLPClassifierParams> = {
  hiddenLayerSizes: [32],
  epochs: 3,
  batchSize: 100,
  learningRate: 0.002,
  randomState: 0,
};

/** The first `n` digits of the training set as a number[][] / labels pair view. */
const rowsOf = (d: Mnist, n: number): Mnist => ({
  X: { data: d.X.data.subarray(0, n * 784), shape: [n, 784] },
  y: d.y.subarray(0, n),
});
const norm = (a: Float32Array[]) => Math.sqrt(a.reduce((s, w) => s + w.reduce((t, v) => t + v * v, 0), 0));
const kernelNorm = (clf: MLPClassifier) => norm(clf.layers.map((l) => l.read().kernel));

beforeAll(async () => {
  await useWasm();
  train = await loadMnist('train', 2000);
  test = await loadMnist('test', 1000);
  root = await mkdtemp(join(tmpdir(), 'lw-controls-'));
});
afterAll(async () => {
  await rm(root, { recursive: true, force: true });
});

describe('learning-rate schedules', () => {
  it('stepDecay gives initialLr · 0.5^⌊(epoch−1)/2⌋ per epoch; exponential and cosine decay follow their formulas', async () => {
    const before = tf.memory().numTensors;
    const clf = await new MLPClassifier(
      { ...base, epochs: 5, callbacks: [learningRateScheduler(stepDecay({ factor: 0.5, every: 2 }))] },
      { registry },
    ).fit(train.X, train.y);
    expect(clf.history!.epochs.map((e) => e.lr)).toEqual([0.002, 0.002, 0.001, 0.001, 0.0005]);
    expect(tf.memory().numTensors).toBe(before + 4);
    clf.dispose();
    const exp = exponentialDecay({ decayRate: 0.9, initialLr: 0.1 });
    expect([1, 2, 3].map((e) => exp(e, 0, 0))).toEqual([0.1, 0.1 * 0.9, 0.1 * 0.9 ** 2]);
    const cos = cosineDecay({ decayEpochs: 4, alpha: 0.1 });
    expect(cos(1, 0, 1)).toBeCloseTo(1, 12);
    expect(cos(3, 0, 1)).toBeCloseTo(0.55, 12);
    expect(cos(5, 0, 1)).toBeCloseTo(0.1, 12);
    expect(cos(9, 0, 1)).toBeCloseTo(0.1, 12);
    expect(() => stepDecay({ every: 0 })).toThrow(ValidationError);
    expect(() => learningRateScheduler(3 as never)).toThrow(ValidationError);
  });
});

describe('stop() and callbacks', () => {
  it('stop() from a callback ends the run after that epoch with a fitted model; async hooks are awaited in order', async () => {
    const calls: string[] = [];
    const cb: Callback = {
      onTrainBegin: () => {
        calls.push('trainBegin');
      },
      async onEpochBegin(ctx) {
        await new Promise((r) => setTimeout(r, 5));
        calls.push(`epochBegin ${ctx.epoch}`);
      },
      onEpochEnd(ctx: CallbackContext) {
        calls.push(`epochEnd ${ctx.epoch} ${ctx.logs.loss! > 0} ${ctx.logs.acc! > 0} lr=${ctx.logs.lr}`);
        if (ctx.epoch === 2) ctx.stop();
      },
      onTrainEnd: () => {
        calls.push('trainEnd');
      },
    };
    const before = tf.memory().numTensors;
    const clf = await new MLPClassifier({ ...base, epochs: 10 }, { registry }).fit(train.X, train.y, {
      callbacks: [cb],
    });
    expect(calls).toEqual([
      'trainBegin',
      'epochBegin 1',
      'epochEnd 1 true true lr=0.002',
      'epochBegin 2',
      'epochEnd 2 true true lr=0.002',
      'trainEnd',
    ]);
    expect(clf.isFitted).toBe(true);
    expect(clf.nIter).toBe(2);
    expect(clf.history!.stages[0]!.stoppedEarly).toBe(true);
    expect(await clf.score(test.X, test.y)).toBeGreaterThan(0.7);
    expect(tf.memory().numTensors).toBe(before + 4);
    clf.dispose();
  });

  it('a callback that throws rejects fit with its error and leaves the previous model as it was', async () => {
    const clf = await new MLPClassifier(base, { registry }).fit(train.X, train.y);
    const proba = await clf.predictProba(test.X);
    const before = tf.memory().numTensors;
    const boom = new Error('callback failed');
    const bad: Callback = {
      onEpochEnd(ctx) {
        if (ctx.epoch === 2) throw boom;
      },
    };
    await expect(clf.fit(train.X, train.y, { callbacks: [bad] })).rejects.toBe(boom);
    expect(tf.memory().numTensors).toBe(before);
    expect(await clf.predictProba(test.X)).toEqual(proba);
    expect(clf.nIter).toBe(3);
    // Malformed callbacks are ValidationErrors before training.
    await expect(clf.fit(train.X, train.y, { callbacks: [{}] as never })).rejects.toThrow(
      /none of the callback hooks/,
    );
    expect(() => new MLPClassifier({ callbacks: [{ onEpochEnd: 3 }] as never })).toThrow(ValidationError);
    // A callback passed as a param is kept by clone, and never stored in a model file.
    const withCb = new MLPClassifier({ ...base, callbacks: [bad] });
    expect(clone(withCb).getParams().callbacks).toEqual([bad]);
    await clf.save(join(root, 'no-callbacks'));
    clf.dispose();
  });

  it('onBatchEnd sees the running mean loss of the epoch; setLearningRate changes the rate from the next batch', async () => {
    const seen: { batch: number; loss: number }[] = [];
    const clf = await new MLPClassifier({ ...base, epochs: 2 }, { registry }).fit(train.X, train.y, {
      callbacks: [
        {
          onBatchEnd(ctx) {
            if (ctx.epoch === 1) seen.push({ batch: ctx.batch!, loss: ctx.logs.loss! });
          },
          onEpochEnd(ctx) {
            if (ctx.epoch === 1) ctx.setLearningRate(0.0005);
          },
        },
      ],
    });
    expect(seen.map((s) => s.batch)).toEqual(Array.from({ length: 20 }, (_, i) => i + 1));
    // The last running mean is the epoch's loss.
    expect(seen[19]!.loss).toBeCloseTo(clf.history!.epochs[0]!.loss, 5);
    expect(seen[19]!.loss).toBeLessThan(seen[0]!.loss);
    expect(clf.history!.epochs.map((e) => e.lr)).toEqual([0.002, 0.0005]);
    clf.dispose();
  });
});

describe('divergence', () => {
  it('learningRate: 1e3 gives TrainingDivergedError naming stage, epoch and batch; a fitted model predicts exactly as before; no file is written', async () => {
    const clf = await new MLPClassifier(base, { registry }).fit(train.X, train.y);
    const before = await clf.predictProba(test.X);
    const exportPath = join(root, 'diverged-model');
    clf.setParams({ learningRate: 1e3, optimizer: 'sgd', exportPath });
    const n = tf.memory().numTensors;
    const err = await clf.fit(train.X, train.y).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(TrainingDivergedError);
    const e = err as TrainingDivergedError;
    expect(e.message).toMatch(
      /stage 'train', epoch 1, batch \d+: the loss (exploded to [\d.]+e\+\d+|became NaN or infinite)\. Lower learningRate \(now 1000\)/,
    );
    expect(e.where.stage).toBe('train');
    expect(e.where.epoch).toBe(1);
    expect(tf.memory().numTensors).toBe(n);
    expect(await clf.predictProba(test.X)).toEqual(before);
    await expect(stat(exportPath)).rejects.toThrow();
    // Adam at 1e3 diverges too; an unfitted estimator stays unfitted.
    const fresh = new MLPClassifier({ ...base, learningRate: 1e3 }, { registry });
    await expect(fresh.fit(train.X, train.y)).rejects.toThrow(TrainingDivergedError);
    expect(fresh.isFitted).toBe(false);
    clf.dispose();
  });

  it('early stopping treats a non-finite monitored value as worse than any finite one', async () => {
    const es = earlyStopping({ patience: 1, restoreBestWeights: true });
    const logs = [1, Number.NaN, Number.POSITIVE_INFINITY];
    let stoppedAt = 0;
    const ctx = (epoch: number, loss: number) =>
      ({
        epoch,
        logs: { loss, lr: 1 },
        stopStage() {
          stoppedAt ||= epoch;
        },
        keepWeights: () => ({ epoch, restore() {}, dispose() {} }),
      }) as unknown as CallbackContext;
    es.onStageBegin(ctx(0, 0));
    logs.forEach((l, i) => {
      es.onEpochEnd(ctx(i + 1, l));
    });
    expect(stoppedAt).toBe(2);
    expect(es.state().best).toBe(1);
    expect(es.state().bestEpoch).toBe(1);
  });
});

describe('regularisation and clipping', () => {
  it('alpha > 0 gives a smaller kernel norm than alpha: 0 with the same seed', async () => {
    const plain = await new MLPClassifier({ ...base, epochs: 4 }, { registry }).fit(train.X, train.y);
    const n = tf.memory().numTensors;
    const l2 = await new MLPClassifier({ ...base, epochs: 4, alpha: 1 }, { registry }).fit(train.X, train.y);
    expect(tf.memory().numTensors).toBe(n + 4);
    const [a, b] = [kernelNorm(plain), kernelNorm(l2)];
    console.log(`kernel L2 norm after 4 epochs: alpha 0 → ${a.toFixed(3)}, alpha 1 → ${b.toFixed(3)}`);
    expect(b).toBeLessThan(a * 0.9);
    // The penalty is part of the reported training loss (as scikit-learn's loss_curve_).
    expect(l2.lossCurve[0]!).toBeGreaterThan(plain.lossCurve[0]!);
    plain.dispose();
    l2.dispose();
  });

  it('clipNorm keeps the global gradient norm at or below its value (full-batch SGD: ‖Δw‖ / lr = ‖g‖)', async () => {
    const small = rowsOf(train, 500);
    const gradNorms = async (clipNorm: number | null) => {
      const norms: number[] = [];
      let start: Float32Array[] = [];
      await new MLPClassifier(
        { ...base, optimizer: 'sgd', learningRate: 0.1, batchSize: 500, epochs: 4, clipNorm },
        { registry },
      ).fit(small.X, small.y, {
        callbacks: [
          {
            onEpochBegin(ctx) {
              start = ctx.readWeights();
            },
            onEpochEnd(ctx) {
              const end = ctx.readWeights();
              norms.push(norm(end.map((w, i) => w.map((v, j) => v - start[i]![j]!))) / 0.1);
            },
          },
        ],
      });
      return norms;
    };
    const free = await gradNorms(null);
    const clipped = await gradNorms(0.5);
    console.log(
      `gradient norms: unclipped ${free.map((v) => v.toFixed(3))}, clipNorm 0.5 ${clipped.map((v) => v.toFixed(3))}`,
    );
    expect(Math.min(...free)).toBeGreaterThan(0.5);
    for (const g of clipped) expect(g).toBeLessThanOrEqual(0.5 * 1.001);
    expect(clipped[0]).toBeGreaterThan(0.49);
  });

  it('clipValue bounds every gradient value; optimizer settings are validated and reach the optimizer', async () => {
    const small = rowsOf(train, 500);
    let biggest = 0;
    let start: Float32Array[] = [];
    await new MLPClassifier(
      { ...base, optimizer: 'sgd', learningRate: 1, batchSize: 500, epochs: 2, clipValue: 0.001 },
      { registry },
    ).fit(small.X, small.y, {
      callbacks: [
        {
          onEpochBegin(ctx) {
            start = ctx.readWeights();
          },
          onEpochEnd(ctx) {
            ctx.readWeights().forEach((w, i) => {
              w.forEach((v, j) => {
                biggest = Math.max(biggest, Math.abs(v - start[i]![j]!));
              });
            });
          },
        },
      ],
    });
    expect(biggest).toBeLessThanOrEqual(0.001 * 1.001);
    expect(biggest).toBeGreaterThan(0.0009);
    for (const bad of [
      { beta1: 1 },
      { beta2: -0.1 },
      { epsilon: 0 },
      { momentum: 1 },
      { clipNorm: 0 },
      { alpha: -1 },
    ]) {
      expect(() => new MLPClassifier(bad)).toThrow(ValidationError);
    }
    // Momentum with Nesterov, Adam with other betas: different settings give different (finite) fits.
    const fits = await Promise.all(
      [
        { optimizer: 'momentum', momentum: 0.9, nesterov: false },
        { optimizer: 'momentum', momentum: 0.9, nesterov: true },
        { optimizer: 'adam', beta1: 0.5, beta2: 0.9, epsilon: 1e-8 },
      ].map(async (o) => {
        const c = await new MLPClassifier({ ...base, epochs: 1, learningRate: 0.01, ...o } as never, {
          registry,
        }).fit(small.X, small.y);
        const l = c.lossCurve[0]!;
        c.dispose();
        return l;
      }),
    );
    expect(new Set(fits).size).toBe(3);
    for (const l of fits) expect(Number.isFinite(l)).toBe(true);
  });
});

describe('sample and class weights', () => {
  it("classWeight: 'balanced' raises minority-class recall on an imbalanced subset", async () => {
    // Keep only 15 of the ~200 nines.
    const keep: number[] = [];
    let nines = 0;
    for (let i = 0; i < 2000; i++) {
      if (train.y[i] !== 9 || nines++ < 15) keep.push(i);
    }
    const X = keep.map((i) => Array.from(train.X.data.subarray(i * 784, (i + 1) * 784)));
    const y = keep.map((i) => train.y[i]!);
    const recall9 = async (clf: MLPClassifier) => {
      const pred = (await clf.predict(test.X)) as Int32Array;
      let hit = 0;
      let total = 0;
      test.y.forEach((c, i) => {
        if (c === 9) {
          total++;
          if (pred[i] === 9) hit++;
        }
      });
      return hit / total;
    };
    const p = { ...base, epochs: 4 };
    const plain = await new MLPClassifier(p, { registry }).fit(X, y);
    const n = tf.memory().numTensors;
    const balanced = await new MLPClassifier({ ...p, classWeight: 'balanced' }, { registry }).fit(X, y);
    expect(tf.memory().numTensors).toBe(n + 4);
    const [r0, r1] = [await recall9(plain), await recall9(balanced)];
    console.log(
      `recall of the minority digit 9 (15 of ${X.length} rows): plain ${r0.toFixed(3)}, balanced ${r1.toFixed(3)}`,
    );
    expect(r1).toBeGreaterThan(r0 + 0.15);
    // An explicit weight per label works the same way; unknown labels are refused.
    const explicit = await new MLPClassifier({ ...p, classWeight: { 9: 12 } }, { registry }).fit(X, y);
    expect(await recall9(explicit)).toBeGreaterThan(r0 + 0.15);
    await expect(new MLPClassifier({ ...p, classWeight: { 11: 2 } }).fit(X, y)).rejects.toThrow(/label "11"/);
    expect(() => new MLPClassifier({ classWeight: 'heavy' as never })).toThrow(ValidationError);
    for (const c of [plain, balanced, explicit]) c.dispose();
  });

  it('sampleWeight: rows of weight 0 do not train; bad weights are ValidationErrors before anything changes', async () => {
    const small = rowsOf(train, 1000);
    const w = Array.from(small.y, (c) => (c === 0 ? 0 : 1));
    const n = tf.memory().numTensors;
    const clf = await new MLPClassifier({ ...base, epochs: 4 }, { registry }).fit(small.X, small.y, {
      sampleWeight: w,
    });
    expect(tf.memory().numTensors).toBe(n + 4);
    const pred = (await clf.predict(test.X)) as Int32Array;
    const zeros = pred.filter((c) => c === 0).length;
    console.log(
      `digit 0 predicted ${zeros} times on 1000 test digits after training with weight 0 on every 0`,
    );
    expect(zeros).toBeLessThan(10);
    const proba = await clf.predictProba(test.X);
    for (const [bad, msg] of [
      [w.slice(1), /has 999 entries but X has 1000 rows/],
      [w.map((v, i) => (i === 3 ? -1 : v)), /\[3\] is -1; weights must be ≥ 0/],
      [w.map((v, i) => (i === 5 ? Number.NaN : v)), /\[5\] is NaN/],
      [w.map(() => 0), /all zeros/],
      ['heavy', /must be an array/],
    ] as const) {
      await expect(clf.fit(small.X, small.y, { sampleWeight: bad as never })).rejects.toThrow(msg);
    }
    expect(await clf.predictProba(test.X)).toEqual(proba);
    expect(tf.memory().numTensors).toBe(n + 4 + 0);
    clf.dispose();
  });
});

describe('strict fit options and fitted attributes', () => {
  it('an unknown fit option is a ValidationError naming the nearest valid one', async () => {
    const clf = new MLPClassifier(base, { registry });
    await expect(clf.fit(train.X, train.y, { validation_data: [] } as never)).rejects.toThrow(
      /unknown option "validation_data" — did you mean "validationData"\?/,
    );
    await expect(clf.fit(train.X, train.y, { validationSplit: 0.1 } as never)).rejects.toThrow(
      ValidationError,
    );
    await expect(clf.fit(train.X, train.y, { sample_weight: [] } as never)).rejects.toThrow(/"sampleWeight"/);
    await expect(clf.fit(train.X, train.y, 'resume' as never)).rejects.toThrow(/options must be an object/);
    expect(clf.isFitted).toBe(false);
  });

  it('lossCurve, validationScores, bestLoss and nIter (scikit-learn names) follow the history', async () => {
    const clf = new MLPClassifier({ ...base, epochs: 4, validationFraction: 0.2 }, { registry });
    expect(() => clf.lossCurve).toThrow(/not fitted/);
    await clf.fit(train.X, train.y);
    const h = clf.history!;
    expect(clf.lossCurve).toEqual(h.epochs.map((e) => e.loss));
    expect(clf.validationScores).toEqual(h.epochs.map((e) => e.metrics.valAcc));
    expect(clf.bestLoss).toBe(Math.min(...clf.lossCurve));
    expect(clf.nIter).toBe(4);
    expect(clf.validationScores!.at(-1)).toBeGreaterThan(0.8);
    const noVal = await new MLPClassifier(base, { registry }).fit(train.X, train.y);
    expect(noVal.validationScores).toBeNull();
    clf.dispose();
    noVal.dispose();
  });
});

describe('freezing', () => {
  it('freezeLayers([0], { untilEpoch: 2 }) keeps layer 0 bit-identical for 2 epochs, then trains it', async () => {
    const snaps: Float32Array[][] = [];
    const clf = await new MLPClassifier(
      { ...base, epochs: 4, callbacks: [freezeLayers([0], { untilEpoch: 2 })] },
      { registry },
    ).fit(train.X, train.y, {
      callbacks: [
        {
          onTrainBegin() {},
          onStageBegin(ctx) {
            snaps.push(ctx.readWeights());
          },
          onEpochEnd(ctx) {
            snaps.push(ctx.readWeights());
          },
        },
      ],
    });
    const [k0] = [0];
    expect(snaps[1]![k0]).toEqual(snaps[0]![k0]);
    expect(snaps[2]![k0]).toEqual(snaps[0]![k0]);
    expect(snaps[3]![k0]).not.toEqual(snaps[0]![k0]);
    // The output layer trains from the start.
    expect(snaps[1]![2]).not.toEqual(snaps[0]![2]);
    await expect(
      new MLPClassifier({ ...base, callbacks: [freezeLayers([5])] }, { registry }).fit(train.X, train.y),
    ).rejects.toThrow(/layer 5 does not exist; this MLPClassifier has layers 0..1/);
    clf.dispose();
  });
});
