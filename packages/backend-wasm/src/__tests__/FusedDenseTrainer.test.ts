// The fused trainer against the tfjs reference (the same stack, loss and optimizer written with tfjs ops on
// the cpu backend, as @layerwise/nn trains): per feature, losses over 5 epochs agree within 1e-4 relative and
// accuracies match; seeded runs repeat exactly. Real data: scikit-learn's breast_cancer and digits.
import type { DenseStackData, DenseStackLayer, DenseStackParam, DenseStackSpec } from '@layerwise/core';
import { ValidationError } from '@layerwise/core';
import * as tf from '@tensorflow/tfjs-core';
import '@tensorflow/tfjs-backend-cpu';
import { beforeAll, describe, expect, it } from 'vitest';
import { FusedDenseTrainer, fusedDeclineReason, wasmTrainingAccelerator } from '../FusedDenseTrainer.js';
import { breastCancer, digits, type Table } from './sklearnData.js';

beforeAll(async () => {
  await tf.setBackend('cpu');
});

function lcg(seed: number): () => number {
  let s = seed >>> 0;
  return () => {
    s = (Math.imul(s, 1664525) + 1013904223) >>> 0;
    return s / 2 ** 32;
  };
}

/** A dense stack of `sizes` with its params (kernel, bias per layer; `tied` reuses kernel 0 transposed). */
function stack(
  sizes: number[],
  activations: DenseStackLayer['activation'][],
  rest: Partial<DenseStackSpec> & Pick<DenseStackSpec, 'loss' | 'target'>,
  opts: { tied?: boolean; dropout?: number } = {},
): DenseStackSpec {
  const params: DenseStackParam[] = [];
  const layers: DenseStackLayer[] = [];
  for (let i = 0; i + 1 < sizes.length; i++) {
    const tied = opts.tied && i === 1;
    const kernel = tied ? 0 : params.length;
    if (!tied) params.push({ shape: [sizes[i]!, sizes[i + 1]!], penalised: true });
    const bias = params.length;
    params.push({ shape: [sizes[i + 1]!], penalised: false });
    layers.push({
      inputSize: sizes[i]!,
      units: sizes[i + 1]!,
      activation: activations[i]!,
      kernel,
      bias,
      ...(tied ? { kernelTransposed: true } : {}),
      ...(opts.dropout && i + 2 < sizes.length ? { dropout: opts.dropout } : {}),
    });
  }
  return {
    params,
    layers,
    leakyReluAlpha: 0.2,
    optimizer: 'adam',
    learningRate: 0.01,
    beta1: 0.9,
    beta2: 0.999,
    epsilon: 1e-7,
    momentum: 0.9,
    nesterov: false,
    alpha: 0,
    clipNorm: null,
    clipValue: null,
    maxBatch: 32,
    ...rest,
  };
}

function initWeights(spec: DenseStackSpec, seed: number): Float32Array[] {
  const r = lcg(seed);
  return spec.params.map((p) => {
    const n = p.shape.reduce((s, d) => s * d, 1);
    if (p.shape.length === 1) return Float32Array.from({ length: n }, () => 0.1 * (r() - 0.5));
    const limit = Math.sqrt(6 / (p.shape[0]! + p.shape[1]!));
    return Float32Array.from({ length: n }, () => (2 * r() - 1) * limit);
  });
}

function epochBatches(rows: number, batch: number, r: () => number): Int32Array[] {
  const idx = Int32Array.from({ length: rows }, (_, i) => i);
  for (let i = rows - 1; i > 0; i--) {
    const j = Math.floor(r() * (i + 1));
    [idx[i], idx[j]] = [idx[j]!, idx[i]!];
  }
  const out: Int32Array[] = [];
  for (let s = 0; s < rows; s += batch) out.push(idx.subarray(s, Math.min(rows, s + batch)));
  return out;
}

const ACT: Record<DenseStackLayer['activation'], (z: tf.Tensor2D) => tf.Tensor2D> = {
  linear: (z) => z,
  relu: (z) => tf.relu(z),
  sigmoid: (z) => tf.sigmoid(z),
  tanh: (z) => tf.tanh(z),
  elu: (z) => tf.elu(z),
  softplus: (z) => tf.softplus(z),
  leakyRelu: (z) => tf.leakyRelu(z, 0.2),
};

interface Run {
  losses: number[];
  acc: number;
  weights: Float32Array[];
}

/** The tfjs reference: the stack's loss with tfjs ops, tf.variableGrads, tfjs's optimizers. */
function reference(
  spec: DenseStackSpec,
  w0: Float32Array[],
  data: DenseStackData,
  epochs: number,
  frozen: number[] = [],
): Run {
  const vars = w0.map((w, i) =>
    tf.variable(tf.tensor(w, [...spec.params[i]!.shape]), true, `ref${i}_${Math.random()}`),
  );
  const opt =
    spec.optimizer === 'adam'
      ? tf.train.adam(spec.learningRate, spec.beta1, spec.beta2, spec.epsilon)
      : spec.optimizer === 'momentum'
        ? tf.train.momentum(spec.learningRate, spec.momentum, spec.nesterov)
        : tf.train.sgd(spec.learningRate);
  const cols = spec.layers[0]!.inputSize;
  const out = spec.layers[spec.layers.length - 1]!.units;
  const forward = (x: tf.Tensor2D): tf.Tensor2D => {
    let h = x;
    for (const l of spec.layers) {
      const k = vars[l.kernel]! as tf.Tensor2D;
      h = ACT[l.activation](tf.add(tf.matMul(h, l.kernelTransposed ? tf.transpose(k) : k), vars[l.bias]!));
    }
    return h;
  };
  const batchLoss = (idx: Int32Array): tf.Scalar => {
    const rows = idx.length;
    const xs = new Float32Array(rows * cols);
    idx.forEach((r, i) => {
      xs.set(data.x.subarray(r * cols, r * cols + cols), i * cols);
    });
    const x = tf.tensor2d(xs, [rows, cols]);
    const wb = data.weights ? tf.tensor1d(Float32Array.from(idx, (r) => data.weights![r]!)) : undefined;
    const o = forward(x);
    let loss: tf.Scalar;
    if (spec.loss === 'softmaxCrossEntropy') {
      const y = tf.tensor1d(
        Int32Array.from(idx, (r) => data.labels![r]!),
        'int32',
      );
      const logLik = tf.sum(tf.mul(tf.oneHot(y, out), tf.logSoftmax(o)), 1) as tf.Tensor1D;
      loss = wb
        ? (tf.div(tf.sum(tf.mul(tf.neg(logLik), wb)), tf.maximum(tf.sum(wb), 1e-12)) as tf.Scalar)
        : (tf.neg(tf.mean(logLik)) as tf.Scalar);
    } else {
      let t = x as tf.Tensor2D;
      if (spec.target === 'values') {
        const ts = new Float32Array(rows * out);
        idx.forEach((r, i) => {
          ts.set(data.targets!.subarray(r * out, r * out + out), i * out);
        });
        t = tf.tensor2d(ts, [rows, out]);
      }
      loss = wb
        ? (tf.div(
            tf.sum(tf.mul(tf.mean(tf.squaredDifference(o, t), 1), wb)),
            tf.maximum(tf.sum(wb), 1e-12),
          ) as tf.Scalar)
        : (tf.mean(tf.squaredDifference(o, t)) as tf.Scalar);
    }
    if (spec.alpha > 0) {
      const pen = spec.params.flatMap((p, i) => (p.penalised ? [tf.sum(tf.square(vars[i]!))] : []));
      loss = tf.add(loss, tf.mul(tf.addN(pen), (0.5 * spec.alpha) / rows));
    }
    return loss;
  };
  const losses: number[] = [];
  const r = lcg(42);
  const trainable = vars.filter((_, i) => !frozen.includes(i));
  for (let e = 0; e < epochs; e++) {
    let sum = 0;
    for (const idx of epochBatches(data.rows, spec.maxBatch, r)) {
      const v = tf.tidy(() => {
        const { value, grads } = tf.variableGrads(() => batchLoss(idx), trainable);
        if (spec.clipValue != null) {
          for (const k of Object.keys(grads))
            grads[k] = tf.clipByValue(grads[k]!, -spec.clipValue, spec.clipValue);
        }
        if (spec.clipNorm != null) {
          const keys = Object.keys(grads);
          const norm = tf.sqrt(tf.addN(keys.map((k) => tf.sum(tf.square(grads[k]!)))));
          const scale = tf.div(spec.clipNorm, tf.maximum(norm, spec.clipNorm));
          for (const k of keys) grads[k] = tf.mul(grads[k]!, scale);
        }
        opt.applyGradients(Object.keys(grads).map((name) => ({ name, tensor: grads[name]! })));
        return value;
      });
      sum += v.dataSync()[0]! * idx.length;
      v.dispose();
    }
    losses.push(sum / data.rows);
  }
  let acc = 0;
  if (spec.loss === 'softmaxCrossEntropy') {
    acc = tf.tidy(() => {
      const o = forward(tf.tensor2d(data.x, [data.rows, cols]));
      const y = tf.tensor1d(data.labels!.subarray(0, data.rows), 'int32');
      return tf.mean(tf.cast(tf.equal(tf.argMax(o, 1), y), 'float32')).dataSync()[0]!;
    });
  }
  const weights = vars.map((v) => v.dataSync() as Float32Array);
  opt.dispose();
  for (const v of vars) v.dispose();
  return { losses, acc, weights };
}

async function fused(
  spec: DenseStackSpec,
  w0: Float32Array[],
  data: DenseStackData,
  epochs: number,
  frozen: number[] = [],
  stepSeed = 7,
): Promise<Run> {
  const t = await FusedDenseTrainer.create(spec);
  t.writeWeights(w0);
  t.setData(data);
  t.setFrozen(frozen);
  const r = lcg(42);
  const seeds = lcg(stepSeed);
  const losses: number[] = [];
  for (let e = 0; e < epochs; e++) {
    let sum = 0;
    for (const idx of epochBatches(data.rows, spec.maxBatch, r))
      sum += t.step(idx, (seeds() * 2 ** 32) >>> 0) * idx.length;
    losses.push(sum / data.rows);
  }
  const ev = t.evaluate(data);
  const weights = t.readWeights();
  t.dispose();
  return { losses, acc: ev.acc ?? 0, weights };
}

function expectClose(a: number[], b: number[], rel: number): void {
  expect(a.length).toBe(b.length);
  a.forEach((v, i) => {
    expect(Math.abs(v - b[i]!) / Math.max(Math.abs(b[i]!), 1e-12)).toBeLessThan(rel);
  });
}

let bc: Table;
let dg: Table;
beforeAll(() => {
  bc = breastCancer();
  dg = digits();
});
const bcData = (): DenseStackData => ({ x: bc.x, rows: bc.rows, labels: bc.labels });

describe('FusedDenseTrainer vs the tfjs reference (breast_cancer, MLP 30→16→2)', () => {
  const cases: [string, Partial<DenseStackSpec>, DenseStackLayer['activation']][] = [
    ['adam, relu', {}, 'relu'],
    ['sgd, tanh', { optimizer: 'sgd', learningRate: 0.05 }, 'tanh'],
    ['momentum, sigmoid', { optimizer: 'momentum', learningRate: 0.05 }, 'sigmoid'],
    ['nesterov, elu', { optimizer: 'momentum', nesterov: true, learningRate: 0.02 }, 'elu'],
    ['adam, softplus, L2', { alpha: 0.5 }, 'softplus'],
    ['adam, leakyRelu, clipValue', { clipValue: 0.05 }, 'leakyRelu'],
    ['adam, relu, clipNorm', { clipNorm: 0.1 }, 'relu'],
    ['adam, linear hidden layer, batch 100', { maxBatch: 100 }, 'linear'],
  ];
  it.each(cases)('%s: losses over 5 epochs within 1e-4 relative, same accuracy', async (_n, rest, act) => {
    const spec = stack([30, 16, 2], [act, 'linear'], {
      loss: 'softmaxCrossEntropy',
      target: 'labels',
      ...rest,
    });
    const w0 = initWeights(spec, 1);
    const ref = reference(spec, w0, bcData(), 5);
    const got = await fused(spec, w0, bcData(), 5);
    expectClose(got.losses, ref.losses, 1e-4);
    expect(got.losses[4]!).toBeLessThan(got.losses[0]!);
    expect(got.acc).toBeCloseTo(ref.acc, 6);
    expect(got.acc).toBeGreaterThan(0.9);
  });

  it('sample weights (class-weight style: class 1 counts 3×)', async () => {
    const spec = stack([30, 16, 2], ['relu', 'linear'], { loss: 'softmaxCrossEntropy', target: 'labels' });
    const weights = Float32Array.from(bc.labels, (y) => (y === 1 ? 3 : 1));
    const data = { ...bcData(), weights };
    const w0 = initWeights(spec, 2);
    const ref = reference(spec, w0, data, 5);
    const got = await fused(spec, w0, data, 5);
    expectClose(got.losses, ref.losses, 1e-4);
    expect(got.acc).toBeCloseTo(ref.acc, 6);
  });

  it('frozen layer: its params do not move, the others train as in tfjs', async () => {
    const spec = stack([30, 16, 8, 2], ['relu', 'relu', 'linear'], {
      loss: 'softmaxCrossEntropy',
      target: 'labels',
    });
    const w0 = initWeights(spec, 3);
    const frozen = [0, 1];
    const ref = reference(spec, w0, bcData(), 5, frozen);
    const got = await fused(spec, w0, bcData(), 5, frozen);
    expectClose(got.losses, ref.losses, 1e-4);
    expect(got.weights[0]).toEqual(w0[0]);
    expect(got.weights[1]).toEqual(w0[1]);
    expect(got.weights[2]).not.toEqual(w0[2]);
  });

  it('dropout: seeded runs repeat exactly, another seed differs, accuracy as tfjs without dropout within 2 points', async () => {
    const spec = stack(
      [30, 32, 2],
      ['relu', 'linear'],
      { loss: 'softmaxCrossEntropy', target: 'labels' },
      { dropout: 0.3 },
    );
    const w0 = initWeights(spec, 4);
    const a = await fused(spec, w0, bcData(), 5, [], 11);
    const b = await fused(spec, w0, bcData(), 5, [], 11);
    const c = await fused(spec, w0, bcData(), 5, [], 12);
    expect(a.losses).toEqual(b.losses);
    expect(a.weights).toEqual(b.weights);
    expect(c.losses).not.toEqual(a.losses);
    const plain = reference(
      stack([30, 32, 2], ['relu', 'linear'], { loss: 'softmaxCrossEntropy', target: 'labels' }),
      w0,
      bcData(),
      5,
    );
    expect(Math.abs(a.acc - plain.acc)).toBeLessThan(0.02);
  });
});

describe('FusedDenseTrainer vs the tfjs reference (digits)', () => {
  const dgData = (): DenseStackData => ({ x: dg.x, rows: dg.rows, labels: dg.labels });
  it('MLP 64→32→10, adam, batch 100: losses within 1e-4, same accuracy', async () => {
    const spec = stack([64, 32, 10], ['relu', 'linear'], {
      loss: 'softmaxCrossEntropy',
      target: 'labels',
      maxBatch: 100,
    });
    const w0 = initWeights(spec, 5);
    const ref = reference(spec, w0, dgData(), 5);
    const got = await fused(spec, w0, dgData(), 5);
    expectClose(got.losses, ref.losses, 1e-4);
    expect(got.acc).toBeCloseTo(ref.acc, 6);
    expect(got.acc).toBeGreaterThan(0.9);
  });

  it('autoencoder stage 64→32→64 (sigmoid): MSE against the input, within 1e-4', async () => {
    const spec = stack([64, 32, 64], ['sigmoid', 'sigmoid'], {
      loss: 'meanSquaredError',
      target: 'input',
      maxBatch: 100,
    });
    const w0 = initWeights(spec, 6);
    const ref = reference(spec, w0, { x: dg.x, rows: dg.rows }, 5);
    const got = await fused(spec, w0, { x: dg.x, rows: dg.rows }, 5);
    expectClose(got.losses, ref.losses, 1e-4);
    expect(got.losses[4]!).toBeLessThan(got.losses[0]!);
  });

  it('tied weights (decoder = encoderᵀ), within 1e-4', async () => {
    const spec = stack(
      [64, 32, 64],
      ['relu', 'sigmoid'],
      { loss: 'meanSquaredError', target: 'input', maxBatch: 100 },
      { tied: true },
    );
    expect(spec.params.length).toBe(3);
    const w0 = initWeights(spec, 7);
    const ref = reference(spec, w0, { x: dg.x, rows: dg.rows }, 5);
    const got = await fused(spec, w0, { x: dg.x, rows: dg.rows }, 5);
    expectClose(got.losses, ref.losses, 1e-4);
  });

  it('regressor 64→16→3 (targets: three column means of the image), row-weighted MSE, within 1e-4', async () => {
    const targets = new Float32Array(dg.rows * 3);
    for (let i = 0; i < dg.rows; i++)
      for (let j = 0; j < 64; j++) targets[i * 3 + (j % 3)]! += dg.x[i * 64 + j]! / 21;
    const weights = Float32Array.from({ length: dg.rows }, (_, i) => 1 + (i % 3));
    const data = { x: dg.x, rows: dg.rows, targets, weights };
    const spec = stack([64, 16, 3], ['tanh', 'linear'], {
      loss: 'meanSquaredError',
      target: 'values',
      maxBatch: 64,
    });
    const w0 = initWeights(spec, 8);
    const ref = reference(spec, w0, data, 5);
    const got = await fused(spec, w0, data, 5);
    expectClose(got.losses, ref.losses, 1e-4);
  });

  it('denoising (masking noise 0.3): seeded and repeatable; the loss falls', async () => {
    const spec = stack([64, 32, 64], ['sigmoid', 'sigmoid'], {
      loss: 'meanSquaredError',
      target: 'input',
      maxBatch: 100,
      inputNoise: 0.3,
    });
    const w0 = initWeights(spec, 9);
    const a = await fused(spec, w0, { x: dg.x, rows: dg.rows }, 5, [], 3);
    const b = await fused(spec, w0, { x: dg.x, rows: dg.rows }, 5, [], 3);
    expect(a.losses).toEqual(b.losses);
    expect(a.losses[4]!).toBeLessThan(a.losses[0]! * 0.8);
  });
});

describe('FusedDenseTrainer API', () => {
  it('predict gives the tfjs forward pass', async () => {
    const spec = stack([30, 16, 2], ['tanh', 'linear'], { loss: 'softmaxCrossEntropy', target: 'labels' });
    const w0 = initWeights(spec, 10);
    const t = await FusedDenseTrainer.create(spec);
    t.writeWeights(w0);
    const out = new Float32Array(bc.rows * 2);
    t.predict(bc.x, bc.rows, out);
    const want = tf.tidy(() => {
      const h = tf.tanh(
        tf.add(
          tf.matMul(tf.tensor2d(bc.x, [bc.rows, 30]), tf.tensor2d(w0[0]!, [30, 16])),
          tf.tensor1d(w0[1]!),
        ),
      );
      return tf.add(tf.matMul(h, tf.tensor2d(w0[2]!, [16, 2])), tf.tensor1d(w0[3]!)).dataSync();
    });
    for (let i = 0; i < out.length; i++) expect(out[i]).toBeCloseTo(want[i]!, 5);
    t.dispose();
  });

  it('an inference trainer (spec.inference) predicts the same bits and refuses to train', async () => {
    const spec = stack([30, 16, 2], ['tanh', 'linear'], { loss: 'softmaxCrossEntropy', target: 'labels' });
    const w0 = initWeights(spec, 11);
    const full = await FusedDenseTrainer.create(spec);
    const lean = await FusedDenseTrainer.create({ ...spec, inference: true });
    full.writeWeights(w0);
    lean.writeWeights(w0);
    const a = new Float32Array(bc.rows * 2);
    const b = new Float32Array(bc.rows * 2);
    full.predict(bc.x, bc.rows, a);
    lean.predict(bc.x, bc.rows, b);
    expect(b).toEqual(a);
    expect(lean.evaluate({ x: bc.x, rows: bc.rows, labels: bc.labels })).toEqual(
      full.evaluate({ x: bc.x, rows: bc.rows, labels: bc.labels }),
    );
    lean.setData({ x: bc.x, rows: bc.rows, labels: bc.labels });
    expect(() => lean.step(new Int32Array([0, 1]), 1)).toThrow(ValidationError);
    expect(() => lean.step(new Int32Array([0, 1]), 1)).toThrow(/created for inference/);
    expect(() => lean.readOptimizerState()).toThrow(/created for inference/);
    full.dispose();
    lean.dispose();
  });

  it('the accelerator declines what it does not cover, and bad input is a ValidationError', async () => {
    const acc = wasmTrainingAccelerator();
    const ok = stack([4, 3, 2], ['relu', 'linear'], {
      loss: 'softmaxCrossEntropy',
      target: 'labels',
      maxBatch: 8,
    });
    expect(fusedDeclineReason(ok)).toBeUndefined();
    expect(await acc.createTrainer({ ...ok, optimizer: 'rmsprop' as never })).toBeNull();
    expect(
      await acc.createTrainer({
        ...ok,
        layers: [ok.layers[0]!, { ...ok.layers[1]!, activation: 'sigmoid' }],
      }),
    ).toBeNull();
    const t = (await acc.createTrainer(ok))!;
    expect(() => t.writeWeights([new Float32Array(3)])).toThrow(/4 params/);
    expect(() => t.step(new Int32Array(2), 1)).toThrow(/setData/);
    t.setData({ x: new Float32Array(8), rows: 2, labels: new Int32Array(2) });
    expect(() => t.step(new Int32Array(9), 1)).toThrow(/1 to 8 rows/);
    t.dispose();
    expect(() => t.readWeights()).toThrow(/dispose/);
  });
});
