// The fused engine plugged into the one training run: the same estimators fitted on wasm with the
// accelerator (default) and without it (fusedTraining: false, the tfjs path) agree — per-epoch losses within
// 1e-4 relative over 5 epochs, same accuracy — and the accelerator really trained the stages. Real data:
// scikit-learn's breast_cancer and digits.
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { StackedAutoencoder } from '@layerwise/autoencoder';
import {
  type BackendPlugin,
  type DenseStackSpec,
  type LoggerPlugin,
  Registry,
  type TrainingAccelerator,
  type TrainingEvent,
} from '@layerwise/core';
import {
  cosineDecay,
  earlyStopping,
  learningRateScheduler,
  MLPClassifier,
  MLPRegressor,
} from '@layerwise/nn';
import * as tf from '@tensorflow/tfjs-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { wasmBackend } from '../index.js';
import { breastCancer, digits } from './sklearnData.js';

const plugin = wasmBackend({ threads: 1 });
beforeAll(() => plugin.activate());
afterAll(() => plugin.dispose());

/**
 * A registry whose wasm plugin counts the stages its accelerator trains (or has no accelerator); with
 * `enabled.on` false its accelerator declines everything (the tfjs path).
 */
function registry(fused: boolean): {
  registry: Registry;
  specs: DenseStackSpec[];
  enabled: { on: boolean };
} {
  const specs: DenseStackSpec[] = [];
  const enabled = { on: true };
  const base = fused ? plugin.accelerator! : undefined;
  const accelerator: TrainingAccelerator | undefined = base && {
    name: base.name,
    async createTrainer(spec) {
      if (!enabled.on) return null;
      const t = await base.createTrainer(spec);
      if (t) specs.push(spec);
      return t;
    },
  };
  const p: BackendPlugin = {
    kind: 'backend',
    name: 'wasm',
    priority: 2,
    isAvailable: plugin.isAvailable,
    activate: plugin.activate,
    ...(accelerator ? { accelerator } : {}),
  };
  return { registry: new Registry().use(p), specs, enabled };
}

const bc = breastCancer();
const dg = digits();
const rowsOf = (x: Float32Array, rows: number, cols: number) =>
  Array.from({ length: rows }, (_, i) => Array.from(x.subarray(i * cols, i * cols + cols)));
const bcX = rowsOf(bc.x, bc.rows, bc.cols);
const bcY = Array.from(bc.labels);
const dgX = rowsOf(dg.x, dg.rows, dg.cols);
const dgY = Array.from(dg.labels);

function expectClose(a: number[], b: number[], rel: number): void {
  expect(a.length).toBe(b.length);
  a.forEach((v, i) => {
    expect(Math.abs(v - b[i]!) / Math.abs(b[i]!)).toBeLessThan(rel);
  });
}
const losses = (e: { history: { epochs: { loss: number }[] } | null }) =>
  e.history!.epochs.map((r) => r.loss);

describe('fused training in the run (wasm backend)', () => {
  it('MLPClassifier (relu, adam, L2, clipNorm, sample weights): same losses and accuracy as the tfjs path', async () => {
    const params = {
      hiddenLayerSizes: [32],
      epochs: 5,
      batchSize: 32,
      learningRate: 0.01,
      alpha: 0.01,
      clipNorm: 1,
      randomState: 0,
      backend: 'wasm',
    };
    const sampleWeight = bcY.map((y) => (y === 1 ? 2 : 1));
    const on = registry(true);
    const off = registry(false);
    const before = tf.memory().numTensors;
    const a = await new MLPClassifier(params, { registry: on.registry }).fit(bcX, bcY, { sampleWeight });
    const b = await new MLPClassifier(params, { registry: off.registry }).fit(bcX, bcY, { sampleWeight });
    expect(on.specs.length).toBe(1);
    expect(on.specs[0]!.loss).toBe('softmaxCrossEntropy');
    expect(off.specs.length).toBe(0);
    expectClose(losses(a), losses(b), 1e-4);
    const accA = await a.score(bcX, bcY);
    expect(accA).toBeCloseTo(await b.score(bcX, bcY), 6);
    expect(accA).toBeGreaterThan(0.95);
    // Seeded: a second fused fit repeats exactly.
    const c = await new MLPClassifier(params, { registry: on.registry }).fit(bcX, bcY, { sampleWeight });
    expect(losses(c)).toEqual(losses(a));
    for (const e of [a, b, c]) e.dispose?.();
    expect(tf.memory().numTensors).toBeLessThanOrEqual(before);
  }, 120_000);

  it('MLPClassifier on digits (tanh, momentum + Nesterov, validation split): same losses and val accuracy', async () => {
    const params = {
      hiddenLayerSizes: [32],
      activation: 'tanh' as const,
      optimizer: 'momentum' as const,
      nesterov: true,
      learningRate: 0.05,
      epochs: 5,
      batchSize: 64,
      randomState: 1,
      validationFraction: 0.2,
      backend: 'wasm',
    };
    const on = registry(true);
    const a = await new MLPClassifier(params, { registry: on.registry }).fit(dgX, Array.from(dg.labels));
    const b = await new MLPClassifier(params, { registry: registry(false).registry }).fit(
      dgX,
      Array.from(dg.labels),
    );
    expect(on.specs.length).toBe(1);
    expectClose(losses(a), losses(b), 1e-4);
    const va = a.history!.epochs.map((r) => r.metrics.valAcc!);
    expect(va).toEqual(b.history!.epochs.map((r) => r.metrics.valAcc!));
    expect(va[4]!).toBeGreaterThan(0.9);
  }, 120_000);

  it('MLPRegressor (sgd, two outputs): same losses', async () => {
    const y = bcX.map((r) => [r[0]! + 0.5 * r[1]!, r[2]! * r[3]!]);
    const params = {
      hiddenLayerSizes: [16, 8],
      activation: 'sigmoid' as const,
      optimizer: 'sgd' as const,
      learningRate: 0.05,
      epochs: 5,
      batchSize: 50,
      randomState: 2,
      backend: 'wasm',
    };
    const on = registry(true);
    const a = await new MLPRegressor(params, { registry: on.registry }).fit(bcX, y);
    const b = await new MLPRegressor(params, { registry: registry(false).registry }).fit(bcX, y);
    expect(on.specs.length).toBe(1);
    expect(on.specs[0]!.loss).toBe('meanSquaredError');
    expectClose(losses(a), losses(b), 1e-4);
    expect(losses(a)[4]!).toBeLessThan(losses(a)[0]!);
  }, 120_000);

  it('StackedAutoencoder, tied weights (two pretraining stages and fine-tuning): same losses', async () => {
    const params = {
      hiddenLayerSizes: [32, 16],
      // tanh: with relu codes, dead units flipping at the kink amplify float-order differences over three
      // stages (3e-4 relative by the second stage's second epoch); tanh keeps the comparison about the engine.
      activation: 'tanh' as const,
      tiedWeights: true,
      epochs: 5,
      fineTuneEpochs: 5,
      batchSize: 100,
      learningRate: 0.01,
      randomState: 3,
      backend: 'wasm',
    };
    const on = registry(true);
    const a = await new StackedAutoencoder(params, { registry: on.registry }).fit(dgX);
    const b = await new StackedAutoencoder(params, { registry: registry(false).registry }).fit(dgX);
    // Training stages, and (inference: true) the second layer's codes computed by the kernels from the first.
    expect(on.specs.filter((s) => !s.inference).map((s) => s.layers.length)).toEqual([2, 2, 4]);
    expect(on.specs.filter((s) => s.inference).map((s) => s.layers.length)).toEqual([1]);
    expect(on.specs[0]!.layers[1]!.kernelTransposed).toBe(true);
    expectClose(losses(a), losses(b), 1e-4);
    const za = (await a.transform(dgX.slice(0, 50))) as number[][];
    const zb = (await b.transform(dgX.slice(0, 50))) as number[][];
    for (let i = 0; i < 50; i++) for (let j = 0; j < 16; j++) expect(za[i]![j]!).toBeCloseTo(zb[i]![j]!, 3);
  }, 180_000);

  it('denoising autoencoder with dropout: seeded fused fits repeat exactly; the loss falls as on tfjs', async () => {
    const params = {
      hiddenLayerSizes: [32],
      noise: 0.3,
      dropout: 0.2,
      epochs: 5,
      fineTuneEpochs: 0,
      batchSize: 100,
      learningRate: 0.01,
      randomState: 4,
      backend: 'wasm',
    };
    const on = registry(true);
    const a = await new StackedAutoencoder(params, { registry: on.registry }).fit(dgX);
    const c = await new StackedAutoencoder(params, { registry: on.registry }).fit(dgX);
    const b = await new StackedAutoencoder(params, { registry: registry(false).registry }).fit(dgX);
    expect(on.specs.length).toBe(2);
    expect(on.specs[0]!.inputNoise).toBe(0.3);
    expect(on.specs[0]!.layers[0]!.dropout).toBe(0.2);
    expect(losses(c)).toEqual(losses(a));
    expect(losses(a)[4]!).toBeLessThan(losses(a)[0]! * 0.8);
    // Other random masks than tfjs's, the same objective: final losses within 10 %.
    expect(Math.abs(losses(a)[4]! - losses(b)[4]!) / losses(b)[4]!).toBeLessThan(0.1);
  }, 180_000);

  it("warm start continues the fused stage's Adam state: 2 fused + 2 warm epochs ≈ 4 epochs in one fit", async () => {
    const base = {
      hiddenLayerSizes: [16],
      batchSize: 32,
      learningRate: 0.01,
      randomState: 6,
      backend: 'wasm',
    };
    const on = registry(true);
    const whole = await new MLPClassifier({ ...base, epochs: 4 }, { registry: on.registry }).fit(bcX, bcY);
    const warm = new MLPClassifier({ ...base, epochs: 2, warmStart: true }, { registry: on.registry });
    await warm.fit(bcX, bcY);
    const first = losses(warm);
    await warm.fit(bcX, bcY); // a resumed stage: the trainer takes the optimizer state the first fit left
    const all = losses(warm);
    const both = all.length === 4 ? all : [...first, ...all];
    expectClose(both, losses(whole), 1e-4);
    expect(on.specs.length).toBe(3);
  }, 120_000);

  it('epoch callbacks (cosine schedule, early stopping with restoreBestWeights), validation and per-epoch checkpoints: the trainer takes the stage; same losses as tfjs', async () => {
    const dir = await mkdtemp(join(tmpdir(), 'lw-fused-ckpt-'));
    try {
      const params = (ckpt: string) => ({
        hiddenLayerSizes: [32, 16],
        dropout: 0.1,
        epochs: 5,
        batchSize: 64,
        learningRate: 0.01,
        alpha: 0.001,
        randomState: 2,
        validationFraction: 0.2,
        checkpoint: { dir: join(dir, ckpt), every: 1 },
        callbacks: [
          learningRateScheduler(cosineDecay({ decayEpochs: 5 })),
          earlyStopping({ patience: 10, restoreBestWeights: true }),
        ],
        backend: 'wasm',
      });
      // Dropout masks differ between the paths: the tfjs reference runs without dropout.
      const tfjsParams = (ckpt: string) => ({ ...params(ckpt), dropout: 0 });
      const on = registry(true);
      const a = await new MLPClassifier(tfjsParams('a'), { registry: on.registry }).fit(dgX, dgY);
      const b = await new MLPClassifier(tfjsParams('b'), { registry: registry(false).registry }).fit(
        dgX,
        dgY,
      );
      expect(on.specs.length).toBe(1);
      expectClose(losses(a), losses(b), 1e-4);
      const val = (e: MLPClassifier) => e.history!.epochs.map((r) => r.valLoss!);
      expectClose(val(a), val(b), 1e-4);
      expect(a.history!.epochs.map((r) => r.metrics.valAcc)).toEqual(
        b.history!.epochs.map((r) => r.metrics.valAcc),
      );
      expect(a.history!.epochs.map((r) => r.lr)).toEqual(b.history!.epochs.map((r) => r.lr));
      // restoreBestWeights put the best epoch's weights back, through the trainer's sync: same test score.
      expect(await a.score(dgX, dgY)).toBeCloseTo(await b.score(dgX, dgY), 3);
      // Seeded, with dropout: two fused fits repeat exactly.
      const c = await new MLPClassifier(params('c'), { registry: on.registry }).fit(dgX, dgY);
      const d = await new MLPClassifier(params('d'), { registry: on.registry }).fit(dgX, dgY);
      expect(losses(d)).toEqual(losses(c));
      expect(val(d)).toEqual(val(c));
      for (const e of [a, b, c, d]) e.dispose();
    } finally {
      await rm(dir, { recursive: true, force: true });
    }
  }, 180_000);

  it('a fused fit that crashed after epoch 3 resumes from its checkpoint on the trainer and ends as the uninterrupted fit', async () => {
    const dir = await mkdtemp(join(tmpdir(), 'lw-fused-resume-'));
    try {
      const params = {
        hiddenLayerSizes: [32],
        dropout: 0.2,
        epochs: 6,
        batchSize: 64,
        learningRate: 0.01,
        randomState: 7,
        checkpoint: { dir, every: 1 },
        // initialLr given: a resumed stage starts at the checkpoint's rate, which the schedule would take as its start.
        callbacks: [learningRateScheduler(cosineDecay({ decayEpochs: 6, initialLr: 0.01 }))],
        backend: 'wasm',
      };
      const ref = registry(true);
      const whole = await new MLPClassifier(params, { registry: ref.registry }).fit(dgX, dgY);
      const crash = registry(true);
      crash.registry.use({
        kind: 'logger',
        name: 'crash',
        handle(e: TrainingEvent) {
          if (e.type === 'epochEnd' && e.epoch === 4) throw new Error('crash at epoch 4');
        },
      } satisfies LoggerPlugin);
      await expect(new MLPClassifier(params, { registry: crash.registry }).fit(dgX, dgY)).rejects.toThrow(
        'crash at epoch 4',
      );
      const on = registry(true);
      const resumed = await new MLPClassifier(params, { registry: on.registry }).fit(dgX, dgY, {
        resume: dir,
      });
      expect(on.specs.length).toBe(1);
      expect(resumed.history!.epochs.map((r) => r.epoch)).toEqual([1, 2, 3, 4, 5, 6]);
      expect(losses(resumed)).toEqual(losses(whole));
      expect(await resumed.score(dgX, dgY)).toBeCloseTo(await whole.score(dgX, dgY), 4);
      for (const e of [whole, resumed]) e.dispose();
    } finally {
      await rm(dir, { recursive: true, force: true });
    }
  }, 180_000);

  it('a custom forward or RMSprop trains on tfjs (the accelerator is not asked or declines)', async () => {
    const on = registry(true);
    const base = { hiddenLayerSizes: [8], epochs: 2, batchSize: 64, randomState: 5, backend: 'wasm' };
    await new MLPClassifier({ ...base, optimizer: 'rmsprop' }, { registry: on.registry }).fit(bcX, bcY);
    await new MLPClassifier(
      { ...base, forward: (x, layers) => layers[1]!.affine(layers[0]!.apply(x)) },
      { registry: on.registry },
    ).fit(bcX, bcY);
    expect(on.specs.length).toBe(0);
  }, 120_000);
});

describe('fused inference (wasm backend): predict, transform and score run on the kernels', () => {
  const typed = (x: number[][]) => ({
    data: Float32Array.from(x.flat()),
    shape: [x.length, x[0]!.length] as [number, number],
  });
  const flat = (m: unknown): Float32Array => {
    if (m instanceof tf.Tensor) {
      const d = m.dataSync() as Float32Array;
      m.dispose();
      return new Float32Array(d);
    }
    if (Array.isArray(m)) return Float32Array.from((m as (number | number[])[]).flat());
    const t = m as { data: Float32Array } | Float32Array;
    return t instanceof Float32Array ? t : t.data;
  };
  const expectNear = (a: Float32Array, b: Float32Array, tol: number) => {
    expect(a.length).toBe(b.length);
    let worst = 0;
    for (let i = 0; i < a.length; i++) worst = Math.max(worst, Math.abs(a[i]! - b[i]!));
    expect(worst).toBeLessThan(tol);
  };

  it('MLPClassifier and MLPRegressor: the kernels give the tfjs outputs (1e-5), labels and scores', async () => {
    const on = registry(true);
    const clf = await new MLPClassifier(
      { hiddenLayerSizes: [64, 32], epochs: 3, batchSize: 64, randomState: 0, backend: 'wasm' },
      { registry: on.registry },
    ).fit(dgX, dgY);
    const reg = await new MLPRegressor(
      {
        hiddenLayerSizes: [16],
        activation: 'tanh',
        epochs: 3,
        batchSize: 32,
        randomState: 0,
        backend: 'wasm',
      },
      { registry: on.registry },
    ).fit(
      bcX,
      bcX.map((r) => r[0]! + r[1]!),
    );
    const trained = on.specs.length;
    const before = tf.memory().numTensors;
    const xt = tf.tensor2d(dgX);
    const run = async () => ({
      proba: [
        flat(await clf.predictProba(dgX)),
        flat(await clf.predictProba(typed(dgX))),
        flat(await clf.predictProba(xt)),
      ],
      labels: await clf.predict(dgX),
      acc: await clf.score(dgX, dgY),
      pred: flat(await reg.predict(bcX)),
      r2: await reg.score(
        bcX,
        bcX.map((r) => r[0]! + r[1]!),
      ),
    });
    const fused = await run();
    const inference = on.specs.slice(trained);
    // 3 predictProba + predict + score, then predict + score of the regressor.
    expect(inference.length).toBe(7);
    expect(inference.every((s) => s.learningRate === 0 && s.maxBatch <= 512)).toBe(true);
    on.enabled.on = false;
    const ref = await run();
    expect(on.specs.length).toBe(trained + 7);
    for (let i = 0; i < 3; i++) expectNear(fused.proba[i]!, ref.proba[0]!, 1e-5);
    expect(fused.labels).toEqual(ref.labels);
    expect(fused.acc).toBe(ref.acc);
    expect(fused.acc).toBeGreaterThan(0.8);
    expectNear(fused.pred, ref.pred, 1e-4);
    expect(fused.r2).toBeCloseTo(ref.r2, 5);
    xt.dispose();
    expect(tf.memory().numTensors).toBe(before);
    clf.dispose();
    reg.dispose();
  }, 120_000);

  it('StackedAutoencoder (tied): transform, inverseTransform, reconstruct, score and scoreSamples agree with tfjs', async () => {
    const on = registry(true);
    const ae = await new StackedAutoencoder(
      {
        hiddenLayerSizes: [32, 8],
        tiedWeights: true,
        epochs: 2,
        fineTuneEpochs: 2,
        batchSize: 100,
        randomState: 1,
        backend: 'wasm',
      },
      { registry: on.registry },
    ).fit(dgX);
    const trained = on.specs.length;
    const x = dgX.slice(0, 700);
    const before = tf.memory().numTensors;
    const xt = tf.tensor2d(x);
    const run = async () => {
      const z = await ae.transform(typed(x));
      return {
        z: flat(z),
        zArr: flat(await ae.transform(x)),
        zT: flat(await ae.transform(xt)),
        back: flat(await ae.inverseTransform(z)),
        rec: flat(await ae.reconstruct(x)),
        score: await ae.score(x),
        samples: flat(await ae.scoreSamples(typed(x))),
        samplesT: flat(await ae.scoreSamples(xt)),
      };
    };
    const fused = await run();
    expect(on.specs.length - trained).toBe(8);
    on.enabled.on = false;
    const ref = await run();
    expectNear(fused.z, ref.z, 1e-5);
    expectNear(fused.zArr, ref.z, 1e-5);
    expectNear(fused.zT, ref.z, 1e-5);
    expectNear(fused.back, ref.back, 1e-5);
    expectNear(fused.rec, ref.rec, 1e-5);
    expect(Math.abs(fused.score - ref.score) / Math.abs(ref.score)).toBeLessThan(1e-5);
    expectNear(fused.samples, ref.samples, 1e-6);
    expectNear(fused.samplesT, ref.samples, 1e-6);
    xt.dispose();
    expect(tf.memory().numTensors).toBe(before);
    ae.dispose();
  }, 120_000);
});
