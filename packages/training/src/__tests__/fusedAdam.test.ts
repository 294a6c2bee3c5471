// The fused optimizers against tfjs's, on the cpu backend with reference kernels registered here under the
// contract's names (the wasm plugin registers the real ones; its tests compare those with tfjs's too).
import { gradientsRegistered } from '@layerwise/core';
import '@tensorflow/tfjs-backend-cpu';
import * as tf from '@tensorflow/tfjs-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { readOptimizer, restoreOptimizer } from '../checkpoint.js';
import {
  FUSED_UPDATE_KERNELS,
  FusedAdamOptimizer,
  FusedMomentumOptimizer,
  FusedSGDOptimizer,
} from '../fusedAdam.js';

type Values = Float32Array;
const calls: Record<string, number> = {};
function values(backend: unknown, t: tf.TensorInfo): Values {
  return (backend as { data: { get(id: unknown): { values: Values } } }).data.get(t.dataId).values;
}
function reference(name: string, update: (x: Values, y: Values, s: Values[], g: Values, a: never) => void) {
  tf.registerKernel({
    kernelName: name,
    backendName: 'cpu',
    kernelFunc: ({ inputs, backend, attrs }) => {
      calls[name] = (calls[name] ?? 0) + 1;
      const ins = inputs as Record<string, tf.TensorInfo>;
      const x = values(backend, ins.variable!);
      const y = new Float32Array(x.length);
      const slots = ['m', 'v', 'accumulation'].filter((k) => ins[k]).map((k) => values(backend, ins[k]!));
      update(x, y, slots, values(backend, ins.gradient!), attrs as never);
      const id = (backend as tf.KernelBackend).write(y, ins.variable!.shape, 'float32');
      return { dataId: id, shape: ins.variable!.shape, dtype: 'float32' };
    },
  });
}

/** The Adam update of the contract, element by element (what the wasm kernel computes). */
function adamReference(x: Values, y: Values, [m, v]: Values[], g: Values, a: Record<string, number>): void {
  for (let i = 0; i < x.length; i++) {
    m![i] = a.beta1! * m![i]! + (1 - a.beta1!) * g[i]!;
    v![i] = a.beta2! * v![i]! + (1 - a.beta2!) * g[i]! * g[i]!;
    const mh = m![i]! / (1 - a.accBeta1!);
    const vh = v![i]! / (1 - a.accBeta2!);
    y[i] = x[i]! - (a.learningRate! * mh) / (Math.sqrt(vh) + a.epsilon!);
  }
}

beforeAll(async () => {
  expect(gradientsRegistered).toBe(true); // core registers tfjs's gradients
  await tf.setBackend('cpu');
  reference(FUSED_UPDATE_KERNELS.adam, adamReference);
  reference(FUSED_UPDATE_KERNELS.sgd, (x, y, _s, g, a: Record<string, number>) => {
    for (let i = 0; i < x.length; i++) y[i] = x[i]! - a.learningRate! * g[i]!;
  });
  reference(FUSED_UPDATE_KERNELS.momentum, (x, y, [acc], g, a: Record<string, number>) => {
    for (let i = 0; i < x.length; i++) {
      acc![i] = a.momentum! * acc![i]! + g[i]!;
      y[i] = x[i]! - a.learningRate! * (a.useNesterov ? g[i]! + a.momentum! * acc![i]! : acc![i]!);
    }
  });
});
afterAll(() => {
  for (const k of Object.values(FUSED_UPDATE_KERNELS)) tf.unregisterKernel(k, 'cpu');
});

/** A small regression MLP's variables (fixed seeds) and a loss on fixed data. */
function problem(seed: number) {
  const x = tf.randomUniform([32, 6], -1, 1, 'float32', seed);
  const y = tf.randomUniform([32, 2], -1, 1, 'float32', seed + 1);
  const vars = tf.tidy(() => [
    tf.variable(tf.randomUniform([6, 8], -0.5, 0.5, 'float32', seed + 2)),
    tf.variable(tf.zeros([8])),
    tf.variable(tf.randomUniform([8, 2], -0.5, 0.5, 'float32', seed + 3)),
    tf.variable(tf.zeros([2])),
  ]);
  const [w1, b1, w2, b2] = vars as [tf.Variable, tf.Variable, tf.Variable, tf.Variable];
  const loss = () =>
    tf.losses.meanSquaredError(
      y,
      tf.add(tf.matMul(tf.relu(tf.add(tf.matMul(x, w1), b1)), w2), b2),
    ) as tf.Scalar;
  return { vars, loss, dispose: () => tf.dispose([x, y, ...vars]) };
}

function train(opt: tf.Optimizer, steps: number, seed = 1) {
  const p = problem(seed);
  const losses: number[] = [];
  for (let i = 0; i < steps; i++) {
    const l = opt.minimize(p.loss, true)!;
    losses.push(l.dataSync()[0]!);
    l.dispose();
  }
  const weights = p.vars.map((v) => Array.from(v.dataSync()));
  return { p, losses, weights };
}

const maxDiff = (a: number[][], b: number[][]) =>
  Math.max(...a.map((row, i) => Math.max(...row.map((x, j) => Math.abs(x - b[i]![j]!)))));

describe('FusedAdamOptimizer', () => {
  it('calls the fused kernel once per variable and step and trains like tf.train.adam; leaks nothing', () => {
    const before = tf.memory().numTensors;
    calls[FUSED_UPDATE_KERNELS.adam] = 0;
    const fusedOpt = new FusedAdamOptimizer(0.05, 0.9, 0.999);
    const fused = train(fusedOpt, 15);
    expect(calls[FUSED_UPDATE_KERNELS.adam]).toBe(15 * 4);
    const stockOpt = tf.train.adam(0.05, 0.9, 0.999);
    const stock = train(stockOpt, 15);
    expect(fused.losses.at(-1)!).toBeLessThan(fused.losses[0]! * 0.8);
    expect(maxDiff([fused.losses], [stock.losses])).toBeLessThan(1e-5);
    expect(maxDiff(fused.weights, stock.weights)).toBeLessThan(1e-5);
    for (const o of [fusedOpt, stockOpt]) o.dispose();
    fused.p.dispose();
    stock.p.dispose();
    expect(tf.memory().numTensors).toBe(before);
  });

  it("keeps tf.train.adam's state: the same weights by name and order, and a resume from either continues alike", async () => {
    const a = new FusedAdamOptimizer(0.05, 0.9, 0.999);
    const run = train(a, 5);
    const saved = await a.getWeights();
    const stockShape = await (async () => {
      const s = tf.train.adam(0.05, 0.9, 0.999);
      const r = train(s, 5);
      const w = await s.getWeights();
      const names = w.map((x) => x.name);
      s.dispose();
      r.p.dispose();
      return names;
    })();
    // names are per variable (`<name>/m`, `<name>/v`), so compare the layout: iter, 4 × m, 4 × v
    expect(saved.map((w) => w.name.replace(/^.*\//, ''))).toEqual(
      stockShape.map((n) => n.replace(/^.*\//, '')),
    );
    expect(saved.length).toBe(1 + 2 * 4);
    // resume: a fresh fused optimizer and a fresh stock one get the saved state (kept alive here: the fused
    // step must not write into tensors it shares with them), then take 5 more steps on copies of the weights
    const copies = saved.map((w) => ({ name: w.name, tensor: tf.clone(w.tensor) }));
    const kept = copies.map((c) => Array.from(c.tensor.dataSync()));
    const resumed: number[][][] = [];
    for (const make of [
      () => new FusedAdamOptimizer(0.05, 0.9, 0.999),
      () => tf.train.adam(0.05, 0.9, 0.999),
    ]) {
      const o = make();
      await o.setWeights(copies);
      const vars = run.p.vars.map((v) => tf.variable(tf.clone(v)));
      const loss = () => {
        const [w1, b1, w2, b2] = vars as [tf.Variable, tf.Variable, tf.Variable, tf.Variable];
        const x = tf.randomUniform([32, 6], -1, 1, 'float32', 1);
        const y = tf.randomUniform([32, 2], -1, 1, 'float32', 2);
        return tf.losses.meanSquaredError(
          y,
          tf.add(tf.matMul(tf.relu(tf.add(tf.matMul(x, w1), b1)), w2), b2),
        ) as tf.Scalar;
      };
      for (let i = 0; i < 5; i++) tf.dispose(o.minimize(loss, true, vars) ?? []);
      resumed.push(vars.map((v) => Array.from(v.dataSync())));
      tf.dispose(vars);
      o.dispose();
    }
    expect(maxDiff(resumed[0]!, resumed[1]!)).toBeLessThan(1e-5);
    expect(copies.map((c) => Array.from(c.tensor.dataSync()))).toEqual(kept);
    tf.dispose(copies.map((c) => c.tensor));
    a.dispose();
    run.p.dispose();
  });

  it('is exactly tf.train.adam where the backend has no fused kernel', () => {
    tf.unregisterKernel(FUSED_UPDATE_KERNELS.adam, 'cpu');
    try {
      const fused = train(new FusedAdamOptimizer(0.05, 0.9, 0.999), 6);
      const stock = train(tf.train.adam(0.05, 0.9, 0.999), 6);
      expect(fused.weights).toEqual(stock.weights);
      fused.p.dispose();
      stock.p.dispose();
    } finally {
      reference(FUSED_UPDATE_KERNELS.adam, adamReference);
    }
  });
});

describe('FusedAdamOptimizer: bias correction per variable', () => {
  const lr = 0.01;
  /** 5 steps on `a` alone (`b` skipped: a frozen layer), then one on both; `b`'s values before and after. */
  async function skipThenStep(opt: tf.Optimizer) {
    const a = tf.tidy(() => tf.variable(tf.randomUniform([4, 3], -1, 1, 'float32', 7)));
    const b = tf.tidy(() => tf.variable(tf.randomUniform([3, 5], -1, 1, 'float32', 8)));
    const ga = tf.randomUniform([4, 3], -1, 1, 'float32', 9);
    const gb = tf.randomUniform([3, 5], -1, 1, 'float32', 10);
    const b0 = Float32Array.from(b.dataSync());
    for (let i = 0; i < 5; i++)
      opt.applyGradients([
        { name: a.name, tensor: ga },
        { name: b.name, tensor: null as unknown as tf.Tensor },
      ]);
    const skipped = Float32Array.from(b.dataSync());
    opt.applyGradients([
      { name: a.name, tensor: ga },
      { name: b.name, tensor: gb },
    ]);
    const after = Float32Array.from(b.dataSync());
    // a fresh optimizer's first step on the same gradient, from the same values
    const fresh = tf.tidy(() => tf.variable(tf.tensor(b0, b.shape)));
    const first = new FusedAdamOptimizer(lr, 0.9, 0.999);
    first.applyGradients([{ name: fresh.name, tensor: gb }]);
    const firstStep = Float32Array.from(fresh.dataSync());
    const g = Float32Array.from(gb.dataSync());
    first.dispose();
    tf.dispose([fresh, ga, gb]);
    return { a, b, b0, skipped, after, firstStep, g };
  }

  for (const path of ['fused kernel', 'tf ops (no fused kernel)'] as const) {
    it(`a skipped variable does not advance its β powers: its first update is a fresh Adam's (${path})`, async () => {
      if (path !== 'fused kernel') tf.unregisterKernel(FUSED_UPDATE_KERNELS.adam, 'cpu');
      const before = tf.memory().numTensors;
      try {
        const opt = new FusedAdamOptimizer(lr, 0.9, 0.999);
        const r = await skipThenStep(opt);
        expect(r.skipped).toEqual(r.b0); // skipped: untouched
        expect(r.after).toEqual(r.firstStep); // bit for bit a fresh Adam's first step
        // …which moves each weight by lr · g / (|g| + ε), i.e. ±lr
        for (let k = 0; k < r.after.length; k++) expect(Math.abs(r.after[k]! - r.b0[k]!)).toBeCloseTo(lr, 5);
        // tfjs's own Adam counts the 5 skipped steps: its corrections (1 − β^6) meet moments of one step,
        // m̂/√v̂ = (0.1 / 0.469) / √(0.001 / 0.00599) = 0.522 — about half a fresh step
        const stock = tf.train.adam(lr, 0.9, 0.999);
        const s = await skipThenStep(stock);
        expect(Math.abs(s.after[0]! - s.b0[0]!) / lr).toBeCloseTo(0.522, 2);
        // the powers travel with the optimizer's state: a restored copy takes the same next step
        const saved = await readOptimizer(opt);
        expect(saved.extra['accBeta1.0']).toBeCloseTo(0.9 ** 7, 6); // a: 6 updates, so β₁⁷ is next
        expect(saved.extra['accBeta1.1']).toBeCloseTo(0.9 ** 2, 6); // b: 1 update
        const copy = new FusedAdamOptimizer(lr, 0.9, 0.999);
        await restoreOptimizer(copy, saved, [r.a.shape, r.b.shape]);
        const twins = [r.b, tf.tidy(() => tf.variable(tf.clone(r.b)))];
        const gb = tf.randomUniform([3, 5], -1, 1, 'float32', 11);
        opt.applyGradients([
          { name: r.a.name, tensor: null as unknown as tf.Tensor },
          { name: twins[0]!.name, tensor: gb },
        ]);
        copy.applyGradients([
          { name: r.a.name, tensor: null as unknown as tf.Tensor },
          { name: twins[1]!.name, tensor: gb },
        ]);
        expect(twins[1]!.dataSync()).toEqual(twins[0]!.dataSync());
        for (const o of [opt, copy, stock]) o.dispose();
        tf.dispose([r.a, s.a, s.b, gb, ...twins]);
        expect(tf.memory().numTensors).toBe(before);
      } finally {
        if (path !== 'fused kernel') reference(FUSED_UPDATE_KERNELS.adam, adamReference);
      }
    });
  }
});

describe('FusedSGDOptimizer and FusedMomentumOptimizer', () => {
  it('train like tf.train.sgd and tf.train.momentum (plain and Nesterov), through the fused kernels', () => {
    const pairs: [() => tf.Optimizer, () => tf.Optimizer, string][] = [
      [() => new FusedSGDOptimizer(0.1), () => tf.train.sgd(0.1), FUSED_UPDATE_KERNELS.sgd],
      [
        () => new FusedMomentumOptimizer(0.05, 0.9, false),
        () => tf.train.momentum(0.05, 0.9, false),
        FUSED_UPDATE_KERNELS.momentum,
      ],
      [
        () => new FusedMomentumOptimizer(0.05, 0.9, true),
        () => tf.train.momentum(0.05, 0.9, true),
        FUSED_UPDATE_KERNELS.momentum,
      ],
    ];
    for (const [fusedMake, stockMake, kernel] of pairs) {
      calls[kernel] = 0;
      const fused = train(fusedMake(), 10);
      expect(calls[kernel], kernel).toBe(10 * 4);
      const stock = train(stockMake(), 10);
      expect(maxDiff(fused.weights, stock.weights), kernel).toBeLessThan(1e-5);
      expect(fused.losses.at(-1)!, kernel).toBeLessThan(fused.losses[0]!);
      fused.p.dispose();
      stock.p.dispose();
    }
  });
});
