// Optimizer slots stuck in float32's subnormal range (a dead unit's moment decaying by β each step) made
// every epoch slower than the last on x86; the optimizers set tiny slot values to 0 every SLOT_FLUSH_EVERY
// steps without changing the weights. cpu backend, no fused kernels registered (tfjs's own update path).
import { gradientsRegistered } from '@layerwise/core';
import '@tensorflow/tfjs-backend-cpu';
import * as tf from '@tensorflow/tfjs-core';
import { beforeAll, describe, expect, it } from 'vitest';
import { FusedAdamOptimizer, FusedMomentumOptimizer, SLOT_FLUSH_EVERY } from '../fusedAdam.js';

beforeAll(async () => {
  expect(gradientsRegistered).toBe(true);
  await tf.setBackend('cpu');
});

/** Count of subnormal float32 values. */
function subnormals(t: tf.Tensor): number {
  const bits = new Int32Array(new Float32Array(t.dataSync()).buffer);
  return bits.filter((b) => (b & 0x7fffffff) !== 0 && (b & 0x7fffffff) < 0x00800000).length;
}

/** `steps` updates of a 4-weight variable: a real gradient first, then 0 for the "dead" half. */
function train(opt: tf.Optimizer, steps: number): Float32Array {
  const before = tf.memory().numTensors;
  const w = tf.variable(tf.tensor1d([0.5, -0.25, 0.125, 1]), true, `w${Math.random()}`);
  for (let s = 0; s < steps; s++) {
    tf.tidy(() => {
      const g = s === 0 ? tf.tensor1d([1e-3, -2e-3, 1e-3, 1e-3]) : tf.tensor1d([0, 0, 1e-3 / (s + 1), -1e-4]);
      opt.applyGradients({ [w.name]: g });
    });
  }
  const values = w.dataSync() as Float32Array;
  w.dispose();
  expect(tf.memory().numTensors - before).toBeLessThanOrEqual(4); // the optimizer's own slots and step count
  return values;
}

describe('tiny optimizer slots are set to 0', () => {
  it('Adam: weights equal tfjs Adam exactly; no subnormal moments (tfjs keeps them forever)', async () => {
    const steps = 10 * SLOT_FLUSH_EVERY; // m = 1e-4 needs ~740 steps at β₁ = 0.9 to become subnormal
    const stock = tf.train.adam(0.01);
    const ours = new FusedAdamOptimizer(0.01, 0.9, 0.999);
    const a = train(stock, steps);
    const b = train(ours, steps);
    expect(Array.from(b)).toEqual(Array.from(a));
    const stockSlots = await stock.getWeights();
    const ourSlots = await ours.getWeights();
    const stockSub = stockSlots.slice(1).reduce((n, s) => n + subnormals(s.tensor), 0);
    const ourSub = ourSlots.slice(1).reduce((n, s) => n + subnormals(s.tensor), 0);
    expect(stockSub).toBeGreaterThan(0); // the stuck moments this guards against
    expect(ourSub).toBe(0);
    for (const s of [...stockSlots, ...ourSlots]) s.tensor.dispose();
    stock.dispose();
    ours.dispose();
  });

  it('momentum: weights equal tfjs momentum exactly; no subnormal accumulations', async () => {
    const steps = 8 * SLOT_FLUSH_EVERY;
    const stock = tf.train.momentum(0.01, 0.9);
    const ours = new FusedMomentumOptimizer(0.01, 0.9, false);
    const a = train(stock, steps);
    const b = train(ours, steps);
    expect(Array.from(b)).toEqual(Array.from(a));
    const stockSlots = await stock.getWeights();
    const ourSlots = await ours.getWeights();
    expect(stockSlots.slice(1).reduce((n, s) => n + subnormals(s.tensor), 0)).toBeGreaterThan(0);
    expect(ourSlots.slice(1).reduce((n, s) => n + subnormals(s.tensor), 0)).toBe(0);
    for (const s of [...stockSlots, ...ourSlots]) s.tensor.dispose();
    stock.dispose();
    ours.dispose();
  });
});
