import { mkdtemp, readdir, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import {
  type Callback,
  type LoggerPlugin,
  loadModelDir,
  ModelFormatError,
  Registry,
  type TrainingEvent,
  ValidationError,
} from '@layerwise/core';
import {
  earlyStopping,
  type LearningRateSchedule,
  learningRateScheduler,
  reduceLROnPlateau,
  stepDecay,
} from '@layerwise/training';
import * as tf from '@tensorflow/tfjs-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { MLPClassifier, type MLPParams, MLPRegressor } from '../index.js';
import { blobs, parabola } from './data.js';
import '@tensorflow/tfjs-backend-cpu';

/** A logger that throws at the end of epoch `at`: an in-process stand-in for a crash mid-fit. */
function crashAt(at: number): LoggerPlugin {
  return {
    kind: 'logger',
    name: 'crash',
    handle(e: TrainingEvent) {
      if (e.type === 'epochEnd' && e.epoch === at) throw new Error(`crash at epoch ${at}`);
    },
  };
}

const weights = (est: { layers: readonly { read(): { kernel: Float32Array; bias: Float32Array } }[] }) =>
  est.layers.flatMap((l) => {
    const w = l.read();
    return [...w.kernel, ...w.bias];
  });

let root: string;
beforeAll(async () => {
  await tf.setBackend('cpu');
  root = await mkdtemp(join(tmpdir(), 'lw-ckpt-'));
});
afterAll(async () => {
  await rm(root, { recursive: true, force: true });
});

describe('checkpoint and resume (in process)', () => {
  const { X, y } = blobs(120);
  const base: Partial<MLPParams> = {
    hiddenLayerSizes: [8],
    epochs: 6,
    batchSize: 16,
    learningRate: 0.01,
    randomState: 3,
    dropout: 0.2,
    earlyStopping: true,
    patience: 20,
  };

  it('validates the checkpoint parameter', () => {
    expect(() => new MLPClassifier({ checkpoint: { dir: '' } })).toThrow(ValidationError);
    expect(() => new MLPClassifier({ checkpoint: { dir: 'x', every: 0 } })).toThrow(
      /every must be an integer ≥ 1/,
    );
    expect(() => new MLPClassifier({ checkpoint: { dir: 'x', every: 1.5 } })).toThrow(ValidationError);
    expect(() => new MLPRegressor({ checkpoint: 'dir' as never })).toThrow(/checkpoint must be null or/);
    expect(new MLPClassifier({ checkpoint: { dir: 'x' } }).getParams().checkpoint).toEqual({ dir: 'x' });
  });

  it('a crash at epoch 4 then resume gives the uninterrupted weights, epochs and history (Adam, dropout, early stopping)', async () => {
    const ref = await new MLPClassifier(base).fit(X, y);
    const dir = join(root, 'clf');
    const crashed = new MLPClassifier(
      { ...base, checkpoint: { dir, every: 1 } },
      { registry: new Registry().use(crashAt(4)) },
    );
    await expect(crashed.fit(X, y)).rejects.toThrow('crash at epoch 4');
    expect(crashed.isFitted).toBe(false);
    const ck = await loadModelDir(dir);
    expect(ck.kind).toBe('Checkpoint:MLPClassifier');
    expect((ck.state.progress as { records: unknown[] }).records).toHaveLength(3);

    const before = tf.memory().numTensors;
    const resumed = new MLPClassifier({ ...base, checkpoint: { dir, every: 1 } });
    await resumed.fit(X, y, { resume: dir });
    expect(tf.memory().numTensors).toBe(before + 4);
    expect(resumed.history!.epochs).toHaveLength(6);
    expect(resumed.history!.epochs.map((e) => e.epoch)).toEqual([1, 2, 3, 4, 5, 6]);
    expect(resumed.history!.epochs.map((e) => e.loss)).toEqual(ref.history!.epochs.map((e) => e.loss));
    expect(weights(resumed)).toEqual(weights(ref));
    // The final checkpoint says training is done; resuming from it trains no more.
    const done = await loadModelDir(dir);
    expect(done.state.stageIndex).toBe(1);
    const again = await new MLPClassifier(base).fit(X, y, { resume: dir });
    expect(weights(again)).toEqual(weights(ref));
    for (const e of [ref, resumed, again]) e.dispose();
  });

  it('regressor: SGD with momentum and a validation split resume exactly', async () => {
    const { X: xr, y: yr } = parabola(100);
    const p: Partial<MLPParams> = {
      hiddenLayerSizes: [16, 8],
      epochs: 5,
      batchSize: 20,
      optimizer: 'momentum',
      learningRate: 0.05,
      validationFraction: 0.2,
      randomState: 9,
    };
    const ref = await new MLPRegressor(p).fit(xr, yr);
    const dir = join(root, 'reg');
    await expect(
      new MLPRegressor(
        { ...p, checkpoint: { dir, every: 2 } },
        { registry: new Registry().use(crashAt(5)) },
      ).fit(xr, yr),
    ).rejects.toThrow();
    const ck = await loadModelDir(dir);
    expect((ck.state.progress as { records: unknown[] }).records).toHaveLength(4);
    const resumed = await new MLPRegressor(p).fit(xr, yr, { resume: dir });
    expect(resumed.history!.epochs.map((e) => e.valLoss)).toEqual(ref.history!.epochs.map((e) => e.valLoss));
    expect(weights(resumed)).toEqual(weights(ref));
    resumed.dispose();
    ref.dispose();
  });

  it('a learning-rate schedule resumed mid-stage goes on as in the uninterrupted run (rates and weights)', async () => {
    const p: Partial<MLPParams> = { ...base, epochs: 7, learningRate: 0.04, earlyStopping: false };
    // Every call of the schedule: (epoch, rate in use, configured rate).
    const calls: [number, number, number][] = [];
    const traced: LearningRateSchedule = (epoch, lr, initialLr) => {
      calls.push([epoch, lr, initialLr]);
      return stepDecay({ factor: 0.5, every: 2 })(epoch, lr, initialLr);
    };
    const ref = await new MLPClassifier({ ...p, callbacks: [learningRateScheduler(traced)] }).fit(X, y);
    const rates = [0.04, 0.04, 0.02, 0.02, 0.01, 0.01, 0.005];
    expect(ref.history!.epochs.map((e) => e.lr)).toEqual(rates);
    const uninterrupted = calls.splice(0);

    const dir = join(root, 'schedule');
    const withSchedule = { ...p, checkpoint: { dir, every: 1 }, callbacks: [learningRateScheduler(traced)] };
    await expect(
      new MLPClassifier(withSchedule, { registry: new Registry().use(crashAt(5)) }).fit(X, y),
    ).rejects.toThrow('crash at epoch 5');
    calls.length = 0;
    const resumed = await new MLPClassifier(withSchedule).fit(X, y, { resume: dir });
    // The resumed run starts at epoch 5 from the rate epoch 4 ended with (0.02), and the schedule still
    // counts from the configured 0.04, not from 0.02.
    expect(calls).toEqual(uninterrupted.slice(4));
    expect(calls[0]).toEqual([5, 0.02, 0.04]);
    expect(resumed.history!.epochs.map((e) => e.lr)).toEqual(rates);
    expect(resumed.history!.epochs.map((e) => e.loss)).toEqual(ref.history!.epochs.map((e) => e.loss));
    expect(weights(resumed)).toEqual(weights(ref));
    resumed.dispose();
    ref.dispose();
  });

  it('reduceLROnPlateau and earlyStopping callbacks resumed mid-stage go on as in the uninterrupted run', async () => {
    // A plateau that only a large minDelta sees: the rate halves at fixed epochs, and the stopper (its own
    // patience count, best value and kept best weights) ends the stage and restores the best epoch.
    const callbacks = () => [
      reduceLROnPlateau({ monitor: 'loss', patience: 1, factor: 0.5, minDelta: 0.12 }),
      earlyStopping({ monitor: 'loss', patience: 3, minDelta: 0.05, restoreBestWeights: true }),
    ];
    const p: Partial<MLPParams> = { ...base, epochs: 30, learningRate: 0.05, earlyStopping: false };
    const ref = await new MLPClassifier({ ...p, callbacks: callbacks() }).fit(X, y);
    const rates = ref.history!.epochs.map((e) => e.lr);
    expect(new Set(rates).size).toBeGreaterThan(2); // the rate was lowered, more than once
    expect(ref.history!.epochs.length).toBeLessThan(30); // and the stage stopped early
    const crash = 4;
    expect(rates[crash]).toBeLessThan(rates[0]!); // the checkpoint is taken after a reduction
    const dir = join(root, 'plateau');
    const withCkpt = (cbs: Callback[]) => ({ ...p, checkpoint: { dir, every: 1 }, callbacks: cbs });
    await expect(
      new MLPClassifier(withCkpt(callbacks()), { registry: new Registry().use(crashAt(crash + 1)) }).fit(
        X,
        y,
      ),
    ).rejects.toThrow(`crash at epoch ${crash + 1}`);
    // Other stateful callbacks than the interrupted fit's: refused before anything runs.
    await expect(new MLPClassifier(withCkpt([callbacks()[0]!])).fit(X, y, { resume: dir })).rejects.toThrow(
      /written by a fit with the stateful callbacks \[reduceLROnPlateau, earlyStopping\]; this fit has \[reduceLROnPlateau\]/,
    );
    const resumed = await new MLPClassifier(withCkpt(callbacks())).fit(X, y, { resume: dir });
    expect(resumed.history!.epochs.map((e) => e.lr)).toEqual(rates);
    expect(resumed.history!.epochs.map((e) => e.loss)).toEqual(ref.history!.epochs.map((e) => e.loss));
    expect(weights(resumed)).toEqual(weights(ref));
    resumed.dispose();
    ref.dispose();
  });

  it('a callback with checkpointState but no resumeCheckpointState is refused', () => {
    const half = { onEpochEnd() {}, checkpointState: () => ({ kind: 'half', values: {} }) };
    expect(() => new MLPClassifier({ ...base, callbacks: [half] })).toThrow(
      /callbacks\[0\] must have both checkpointState and resumeCheckpointState/,
    );
  });

  it('refuses a missing checkpoint, another kind or another architecture before changing anything', async () => {
    const missing = join(root, 'nothing-here');
    const clf = new MLPClassifier(base);
    await expect(clf.fit(X, y, { resume: missing })).rejects.toThrow(/no checkpoint to resume from/);
    await expect(clf.fit(X, y, { resume: missing })).rejects.toThrow(ValidationError);
    const dir = join(root, 'arch');
    await new MLPClassifier({ ...base, epochs: 2, checkpoint: { dir } }).fit(X, y);
    await expect(
      new MLPClassifier({ ...base, hiddenLayerSizes: [9] }).fit(X, y, { resume: dir }),
    ).rejects.toThrow(/hiddenLayerSizes: checkpoint \[8\], now \[9\]/);
    await expect(
      new MLPClassifier(base).fit(
        X,
        y.map((c) => c + 1),
        { resume: dir },
      ),
    ).rejects.toThrow(/targets: checkpoint \[0,1,2\], now \[1,2,3\]/);
    await expect(new MLPRegressor(base).fit(X, y, { resume: dir })).rejects.toThrow(ModelFormatError);
    await expect(
      new MLPClassifier(base).fit(X.slice(0, 60), y.slice(0, 60), { resume: dir }),
    ).rejects.toThrow(/samples: checkpoint 120, now 60/);
    expect(clf.isFitted).toBe(false);
  });

  it('ignores and removes temporary files a killed write left behind', async () => {
    const dir = join(root, 'tmpfiles');
    await new MLPClassifier({ ...base, epochs: 2, checkpoint: { dir } }).fit(X, y);
    await writeFile(join(dir, '.model.json.0123456789ab.tmp'), '{"half": ');
    await writeFile(join(dir, '.weights-0123456789abcdef.bin.ba9876543210.tmp'), 'xx');
    const est = await new MLPClassifier({ ...base, epochs: 2 }).fit(X, y, { resume: dir });
    expect(est.history!.epochs).toHaveLength(2);
    expect((await readdir(dir)).filter((f) => f.endsWith('.tmp'))).toEqual([]);
    est.dispose();
  });
});
