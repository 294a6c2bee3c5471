// The fused engine plugged into the one training run: the same estimators fitted on wasm with the
// accelerator (default) and without it (fusedTraining: false, the tfjs path) agree — per-epoch losses within
// 1e-4 relative over 5 epochs, same accuracy — and the accelerator really trained the stages. Real data:
// scikit-learn's breast_cancer and digits.
import { StackedAutoencoder } from '@layerwise/autoencoder';
import { type BackendPlugin, type DenseStackSpec, Registry, type TrainingAccelerator } from '@layerwise/core';
import { MLPClassifier, MLPRegressor } from '@layerwise/nn';
import * as tf from '@tensorflow/tfjs-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { wasmBackend } from '../index.js';
import { breastCancer, digits } from './sklearnData.js';

const plugin = wasmBackend({ threads: 1 });
beforeAll(() => plugin.activate());
afterAll(() => plugin.dispose());

/** A registry whose wasm plugin counts the stages its accelerator trains (or has no accelerator). */
function registry(fused: boolean): { registry: Registry; specs: DenseStackSpec[] } {
  const specs: DenseStackSpec[] = [];
  const base = fused ? plugin.accelerator! : undefined;
  const accelerator: TrainingAccelerator | undefined = base && {
    name: base.name,
    async createTrainer(spec) {
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
  return { registry: new Registry().use(p), specs };
}

const bc = breastCancer();
const dg = digits();
const rowsOf = (x: Float32Array, rows: number, cols: number) =>
  Array.from({ length: rows }, (_, i) => Array.from(x.subarray(i * cols, i * cols + cols)));
const bcX = rowsOf(bc.x, bc.rows, bc.cols);
const bcY = Array.from(bc.labels);
const dgX = rowsOf(dg.x, dg.rows, dg.cols);

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
    expect(on.specs.map((s) => s.layers.length)).toEqual([2, 2, 4]);
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
    await warm.fit(bcX, bcY); // a resumed stage: tfjs, from the optimizer state the fused stage left
    const all = losses(warm);
    const both = all.length === 4 ? all : [...first, ...all];
    expectClose(both, losses(whole), 1e-4);
  }, 120_000);

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
