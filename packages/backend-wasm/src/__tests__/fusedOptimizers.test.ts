// The fused optimizer kernels against tfjs's own optimizers, step by step, on the wasm backend.
import * as tf from '@tensorflow/tfjs-core';
import { beforeAll, describe, expect, it } from 'vitest';
import {
  FUSED_OPTIMIZER_KERNELS,
  installWasmFusedOptimizers,
  isWasmFusedOptimizersInstalled,
  wasmBackend,
} from '../index.js';

beforeAll(async () => {
  await wasmBackend({ threads: 1, fusedOptimizers: true }).activate();
});

const SHAPE = [784, 20];
const grad = (step: number) => tf.randomNormal(SHAPE, 0, 0.05, 'float32', 100 + step);
const maxRelDiff = (a: tf.Tensor, b: tf.Tensor) =>
  tf.tidy(() => tf.max(tf.div(tf.abs(tf.sub(a, b)), tf.add(tf.abs(b), 1))).dataSync()[0]!);

/** The kernel's output becomes the variable's value (a new tensor, as tfjs's optimizers assign). */
function step(
  kernel: string,
  variable: tf.Variable,
  slots: Record<string, tf.Tensor>,
  g: tf.Tensor,
  attrs: object,
) {
  const out = tf.engine().runKernel(kernel, { variable, ...slots, gradient: g }, attrs as tf.NamedAttrMap);
  variable.assign(out as tf.Tensor);
  (out as tf.Tensor).dispose();
}

describe('fused optimizer kernels (wasm)', () => {
  it('are registered by wasmBackend({ fusedOptimizers: true }), not by default, and removed with fastTraining: false', async () => {
    expect(isWasmFusedOptimizersInstalled()).toBe(true);
    await wasmBackend().activate();
    expect(isWasmFusedOptimizersInstalled()).toBe(false);
    await wasmBackend({ fusedOptimizers: true }).activate();
    expect(isWasmFusedOptimizersInstalled()).toBe(true);
    await wasmBackend({ fastTraining: false, fusedOptimizers: true }).activate();
    expect(isWasmFusedOptimizersInstalled()).toBe(false);
    expect(tf.getKernel(FUSED_OPTIMIZER_KERNELS.adam, 'wasm')).toBeUndefined();
    installWasmFusedOptimizers();
    expect(isWasmFusedOptimizersInstalled()).toBe(true);
  });

  it('LayerwiseAdamUpdate equals tf.train.adam over 12 steps (variable, both moments), and matMuls see each new value', () => {
    const before = tf.memory().numTensors;
    const init = tf.randomUniform(SHAPE, -0.1, 0.1, 'float32', 1);
    const [ref, x, m, v] = tf.tidy(() => [
      tf.variable(init.clone()),
      tf.variable(init.clone()),
      tf.zeros(SHAPE).variable(false),
      tf.zeros(SHAPE).variable(false),
    ]) as [tf.Variable, tf.Variable, tf.Variable, tf.Variable];
    const [lr, b1, b2, eps] = [0.01, 0.9, 0.999, 1e-7];
    const adam = tf.train.adam(lr, b1, b2, eps);
    const probe = tf.randomUniform([5, 784], 0, 1, 'float32', 9);
    for (let t = 0; t < 12; t++) {
      const g = grad(t);
      adam.applyGradients([{ name: ref.name, tensor: g }]);
      step(FUSED_OPTIMIZER_KERNELS.adam, x, { m, v }, g, {
        learningRate: lr,
        beta1: b1,
        beta2: b2,
        epsilon: eps,
        accBeta1: b1 ** (t + 1),
        accBeta2: b2 ** (t + 1),
      });
      g.dispose();
      // tfjs-wasm caches matMul operators by weight id: a stale cache would give the old weights' product
      const copy = tf.tensor(x.dataSync(), SHAPE);
      const viaVariable = tf.matMul(probe, x);
      const viaCopy = tf.matMul(probe, copy);
      expect(maxRelDiff(viaVariable, viaCopy)).toBe(0);
      tf.dispose([copy, viaVariable, viaCopy]);
    }
    expect(maxRelDiff(x, ref)).toBeLessThan(1e-5);
    expect(maxRelDiff(x, init)).toBeGreaterThan(0.01); // it moved
    const state = (adam as unknown as { accumulatedFirstMoment: { variable: tf.Variable }[] })
      .accumulatedFirstMoment;
    expect(maxRelDiff(m, state[0]!.variable)).toBeLessThan(1e-5);
    const second = (adam as unknown as { accumulatedSecondMoment: { variable: tf.Variable }[] })
      .accumulatedSecondMoment;
    expect(maxRelDiff(v, second[0]!.variable)).toBeLessThan(1e-5);
    adam.dispose();
    tf.dispose([init, ref, x, m, v, probe]);
    expect(tf.memory().numTensors).toBe(before);
  });

  it('LayerwiseSgdUpdate equals tf.train.sgd; LayerwiseMomentumUpdate equals tf.train.momentum (plain and Nesterov)', () => {
    const before = tf.memory().numTensors;
    const init = tf.randomUniform(SHAPE, -0.1, 0.1, 'float32', 2);
    const cases: [tf.Optimizer, string, (acc: tf.Variable) => Record<string, tf.Tensor>, object][] = [
      [tf.train.sgd(0.05), FUSED_OPTIMIZER_KERNELS.sgd, () => ({}), { learningRate: 0.05 }],
      [
        tf.train.momentum(0.05, 0.9, false),
        FUSED_OPTIMIZER_KERNELS.momentum,
        (acc) => ({ accumulation: acc }),
        { learningRate: 0.05, momentum: 0.9, useNesterov: false },
      ],
      [
        tf.train.momentum(0.05, 0.9, true),
        FUSED_OPTIMIZER_KERNELS.momentum,
        (acc) => ({ accumulation: acc }),
        { learningRate: 0.05, momentum: 0.9, useNesterov: true },
      ],
    ];
    for (const [opt, kernel, slots, attrs] of cases) {
      const [ref, x, acc] = tf.tidy(() => [
        tf.variable(init.clone()),
        tf.variable(init.clone()),
        tf.zeros(SHAPE).variable(false),
      ]) as [tf.Variable, tf.Variable, tf.Variable];
      for (let t = 0; t < 8; t++) {
        const g = grad(t);
        opt.applyGradients([{ name: ref.name, tensor: g }]);
        const n0 = tf.memory().numTensors;
        step(kernel, x, slots(acc), g, attrs);
        expect(tf.memory().numTensors).toBe(n0); // the fused step leaves nothing behind
        g.dispose();
      }
      expect(maxRelDiff(x, ref), kernel).toBeLessThan(1e-5);
      expect(maxRelDiff(x, init), kernel).toBeGreaterThan(0.01);
      opt.dispose();
      tf.dispose([ref, x, acc]);
    }
    init.dispose();
    // (tfjs's MomentumOptimizer.dispose() leaves its learning-rate scalar behind: one per momentum case)
    expect(tf.memory().numTensors).toBe(before + 2);
  });

  it('rejects inputs of another size or dtype with a message naming the kernel and input', () => {
    const x = tf.variable(tf.zeros([4]));
    const g = tf.zeros([5]);
    expect(() =>
      tf.engine().runKernel(FUSED_OPTIMIZER_KERNELS.sgd, { variable: x, gradient: g }, { learningRate: 1 }),
    ).toThrow(/LayerwiseSgdUpdate: input gradient must be a float32 tensor of 4 elements/);
    tf.dispose([x, g]);
  });
});
