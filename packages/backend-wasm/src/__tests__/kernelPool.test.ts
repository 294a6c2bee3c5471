// The kernel thread pool: results bit-identical to one thread (GEMM forms, element-wise kernels, whole training
// runs on MNIST and digits), workers that end with dispose and never keep a process alive.
import { execFileSync } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { type DenseStackSpec, limitAcceleratorThreads } from '@layerwise/core';
import { mnistSample } from '@layerwise/testkit';
import { afterAll, describe, expect, it } from 'vitest';
import { FusedDenseTrainer, wasmTrainingAccelerator } from '../FusedDenseTrainer.js';
import {
  disposeKernelPools,
  keptKernelInstances,
  kernelPoolWorkers,
  SPARE_MEMORY_LIMIT,
  WasmKernels,
} from '../wasmKernels.js';
import { digits } from './sklearnData.js';

const pkgDir = resolve(dirname(fileURLToPath(import.meta.url)), '../..');

afterAll(() => disposeKernelPools());

function lcg(seed: number): () => number {
  let s = seed >>> 0;
  return () => {
    s = (Math.imul(s, 1664525) + 1013904223) >>> 0;
    return s / 2 ** 32 - 0.5;
  };
}

function bitsEqual(a: Float32Array, b: Float32Array): boolean {
  if (a.length !== b.length) return false;
  for (let i = 0; i < a.length; i++) if (!Object.is(a[i], b[i])) return false;
  return true;
}

/** Runs `calls` on a fresh kernel instance with `threads` threads and returns the buffers' contents. */
async function runKernels(threads: number, fill: number[], calls: (w: WasmKernels, p: number[]) => void) {
  const w = await WasmKernels.create('auto', threads);
  const r = lcg(11);
  const ptrs = fill.map((n) => {
    const p = w.alloc(n);
    for (let i = 0; i < n; i++) w.f32[(p >> 2) + i] = r();
    return p;
  });
  calls(w, ptrs);
  const out = ptrs.map((p, i) => w.f32.slice(p >> 2, (p >> 2) + fill[i]!));
  const used = w.threads;
  w.dispose();
  return { out, threads: used };
}

describe('kernel thread pool: the same bits as one thread', () => {
  // Shapes with ragged edges: M not a multiple of 4, N not a multiple of 8, and big enough to be split.
  const shapes: [number, number, number][] = [
    [37, 203, 51],
    [100, 200, 784],
    [6, 1000, 33],
    [513, 10, 64],
  ];
  it.each(shapes)('gemm_nn / gemm_tn / gemm_nt, M=%i N=%i K=%i', async (M, N, K) => {
    const sizes = [M * K, K * N, M * N, N, M * N, M * N, K * N, K * N];
    const calls = (w: WasmKernels, [A, B, C1, bias, C2, C3, Bt, S]: number[]) => {
      w.k.gemm_nn(M, N, K, A!, B!, C1!, bias!, 0);
      w.k.gemm_nn(M, N, K, A!, B!, C1!, 0, 1); // accumulate
      w.k.gemm_tn(M, N, K, A!, B!, C2!, 0); // A read as [K, M]
      w.k.gemm_nt(M, N, K, A!, Bt!, C3!, bias!, 0, S!); // Bt read as [N, K]
    };
    const one = await runKernels(1, sizes, calls);
    const two = await runKernels(2, sizes, calls);
    expect(one.threads).toBe(1);
    expect(two.threads).toBe(2);
    for (const i of [2, 4, 5]) expect(bitsEqual(one.out[i]!, two.out[i]!)).toBe(true);
    // and the values are a GEMM's: spot-check C1 = 2·A·B + bias against float64
    const [a, b, c1, bias] = one.out as [Float32Array, Float32Array, Float32Array, Float32Array];
    const before = await runKernels(1, sizes, () => {});
    const A0 = before.out[0]!;
    const B0 = before.out[1]!;
    for (const [i, j] of [
      [0, 0],
      [M - 1, N - 1],
      [Math.floor(M / 2), Math.floor(N / 3)],
    ] as const) {
      let s = 0;
      for (let k = 0; k < K; k++) s += A0[i * K + k]! * B0[k * N + j]!;
      expect(c1[i * N + j]).toBeCloseTo(2 * s + bias[j]!, 3);
    }
    expect(a.length + b.length).toBe(M * K + K * N);
  });

  it('element-wise kernels split by ranges: activations, dropout masks, Adam', async () => {
    const n = 100_003; // not a multiple of 4 or of the part count
    const sizes = [n, n, n, n, n, n, n];
    const calls = (w: WasmKernels, [z, a, d, mask, m, v, g]: number[]) => {
      w.k.act_forward(2, n, z!, a!, 0); // sigmoid
      w.k.act_backward(2, n, z!, a!, d!, 0);
      w.k.drop_mask(n, 1234, 0.3, 1 / 0.7, a!, d!, mask!);
      w.k.adam_update(n, z!, g!, m!, v!, 1, 1e-3, 0.9, 0.999, 1e-7, 0.1, 0.001);
    };
    const one = await runKernels(1, sizes, calls);
    const two = await runKernels(2, sizes, calls);
    expect(two.threads).toBe(2);
    one.out.forEach((o, i) => {
      expect(bitsEqual(o, two.out[i]!)).toBe(true);
    });
    // the dropout mask keeps ~70 % of the values, scaled by 1/0.7
    const mask = one.out[3]!;
    const kept = mask.filter((x) => x > 0).length / n;
    expect(kept).toBeGreaterThan(0.68);
    expect(kept).toBeLessThan(0.72);
  });
});

/** The params and layers of a two-layer dense stack `inputs → hidden → outputs`. */
function twoLayers(
  inputs: number,
  hidden: number,
  outputs: number,
  activations: [
    DenseStackSpec['layers'][number]['activation'],
    DenseStackSpec['layers'][number]['activation'],
  ],
  dropout?: number,
): Pick<DenseStackSpec, 'params' | 'layers'> {
  return {
    params: [
      { shape: [inputs, hidden], penalised: true },
      { shape: [hidden], penalised: false },
      { shape: [hidden, outputs], penalised: true },
      { shape: [outputs], penalised: false },
    ],
    layers: [
      {
        inputSize: inputs,
        units: hidden,
        activation: activations[0],
        kernel: 0,
        bias: 1,
        ...(dropout === undefined ? {} : { dropout }),
      },
      { inputSize: hidden, units: outputs, activation: activations[1], kernel: 2, bias: 3 },
    ],
  };
}

function aeSpec(): DenseStackSpec {
  return {
    ...twoLayers(784, 128, 784, ['relu', 'sigmoid'], 0.1),
    loss: 'meanSquaredError',
    target: 'input',
    inputNoise: 0.2,
    leakyReluAlpha: 0.2,
    optimizer: 'adam',
    learningRate: 1e-3,
    beta1: 0.9,
    beta2: 0.999,
    epsilon: 1e-7,
    momentum: 0.9,
    nesterov: false,
    alpha: 1e-4,
    clipNorm: 5,
    clipValue: null,
    maxBatch: 100,
  };
}

async function train(
  spec: DenseStackSpec,
  threads: number,
  x: Float32Array,
  rows: number,
  labels?: Int32Array,
) {
  const t = await FusedDenseTrainer.create(spec, 'auto', threads);
  const r = lcg(3);
  t.writeWeights(
    spec.params.map((p) =>
      Float32Array.from({ length: p.shape.reduce((a, b) => a * b, 1) }, () => r() * 0.1),
    ),
  );
  t.setData(labels ? { x, rows, labels } : { x, rows });
  const losses: number[] = [];
  for (let epoch = 0; epoch < 3; epoch++) {
    let sum = 0;
    let batches = 0;
    for (let start = 0; start + spec.maxBatch <= rows; start += spec.maxBatch) {
      const idx = Int32Array.from({ length: spec.maxBatch }, (_, i) => (start + i * 7) % rows);
      sum += t.step(idx, epoch * 1000 + batches);
      batches++;
    }
    losses.push(sum / batches);
  }
  const weights = t.readWeights();
  const used = t.threads;
  t.dispose();
  return { losses, weights, threads: used };
}

describe('fused training on the pool', () => {
  it('a denoising AE with dropout, L2 and clipNorm on 2 000 MNIST digits: 2 threads = 1 thread, bit for bit', async () => {
    const { X } = await mnistSample('train', 2000);
    const x = Float32Array.from(X.data as ArrayLike<number>);
    const one = await train(aeSpec(), 1, x, 2000);
    const two = await train(aeSpec(), 2, x, 2000);
    expect(two.threads).toBe(2);
    expect(one.losses[2]).toBeLessThan(one.losses[0]! * 0.8);
    expect(two.losses).toEqual(one.losses);
    one.weights.forEach((w, i) => {
      expect(bitsEqual(w, two.weights[i]!)).toBe(true);
    });
  }, 60_000);

  it('an MLP on digits with momentum: 2 threads = 1 thread, and it learns', async () => {
    const d = digits();
    const spec: DenseStackSpec = {
      ...aeSpec(),
      ...twoLayers(64, 512, 10, ['tanh', 'linear']),
      loss: 'softmaxCrossEntropy',
      target: 'labels',
      inputNoise: 0,
      optimizer: 'momentum',
      learningRate: 0.05,
      nesterov: true,
      maxBatch: 128,
    };
    const one = await train(spec, 1, d.x, d.rows, d.labels);
    const two = await train(spec, 2, d.x, d.rows, d.labels);
    expect(one.losses[2]).toBeLessThan(one.losses[0]! * 0.6);
    expect(two.losses).toEqual(one.losses);
    one.weights.forEach((w, i) => {
      expect(bitsEqual(w, two.weights[i]!)).toBe(true);
    });
  }, 60_000);

  it('disposeKernelPools ends the workers; a later threaded instance starts a new pool', async () => {
    await WasmKernels.create('auto', 2);
    expect(kernelPoolWorkers()).toBe(1);
    disposeKernelPools();
    expect(kernelPoolWorkers()).toBe(0);
    const w = await WasmKernels.create('auto', 3);
    expect(w.threads).toBe(3);
    expect(kernelPoolWorkers()).toBe(2);
    disposeKernelPools();
  });
});

describe('instances kept for the next fit', () => {
  it.each([1, 2])(
    'threads %i: a disposed instance comes back zeroed, and a fit on it equals a fit on a fresh one, bit for bit',
    async (threads) => {
      disposeKernelPools();
      const { X } = await mnistSample('train', 1000);
      const x = Float32Array.from(X.data as ArrayLike<number>);
      const fresh = await train(aeSpec(), threads, x, 1000);
      expect(keptKernelInstances()).toBe(1);
      // Another fit in between leaves other numbers all over the kept memory.
      const d = digits();
      const other = { ...aeSpec(), ...twoLayers(64, 16, 64, ['relu', 'linear']) };
      await train(other, threads, d.x, d.rows);
      const again = await train(aeSpec(), threads, x, 1000);
      expect(again.threads).toBe(threads);
      expect(again.losses).toEqual(fresh.losses);
      fresh.weights.forEach((w, i) => {
        expect(bitsEqual(w, again.weights[i]!)).toBe(true);
      });

      const w = await WasmKernels.create('auto', threads);
      const at = w.alloc(50_000);
      w.f32.fill(Number.NaN, at >> 2, (at >> 2) + 50_000);
      const top = w.used;
      w.dispose();
      const back = await WasmKernels.create('auto', threads);
      expect(back).toBe(w);
      expect(back.used).toBeLessThan(at + 16);
      expect(back.f32.subarray(at >> 2, top >> 2).every((v) => v === 0)).toBe(true);
      back.dispose();
      disposeKernelPools();
      expect(keptKernelInstances()).toBe(0);
    },
    60_000,
  );

  it('keeps at most two per kind, and none whose memory outgrew the limit', async () => {
    disposeKernelPools();
    const three = await Promise.all([1, 2, 3].map(() => WasmKernels.create('auto', 1)));
    for (const w of three) w.dispose();
    expect(keptKernelInstances()).toBe(2);
    disposeKernelPools();
    const big = await WasmKernels.create('auto', 1);
    big.alloc(SPARE_MEMORY_LIMIT / 4 + 1);
    big.dispose();
    expect(keptKernelInstances()).toBe(0);
    expect(await WasmKernels.create('auto', 1)).not.toBe(big);
    disposeKernelPools();
  });
});

describe('kernel thread pool in a child process', () => {
  it('the worker runs parts of the GEMMs, and the process exits by itself (workers are unref\u2019d)', () => {
    const dir = mkdtempSync(join(pkgDir, '.test-tmp-'));
    try {
      const file = join(dir, 'child.mjs');
      writeFileSync(
        file,
        `import { WasmKernels, kernelPoolWorkerParts, kernelPoolWorkers } from '@layerwise/backend-wasm';
const w = await WasmKernels.create('auto', 2);
const A = w.alloc(200 * 300), B = w.alloc(300 * 400), C = w.alloc(200 * 400);
w.f32.fill(1, A >> 2, (A >> 2) + 200 * 300);
w.f32.fill(0.5, B >> 2, (B >> 2) + 300 * 400);
// until the worker has taken part (it starts asynchronously; until then the caller runs every part)
const t0 = Date.now();
do w.k.gemm_nn(200, 400, 300, A, B, C, 0, 0);
while (kernelPoolWorkerParts() === 0 && Date.now() - t0 < 20000);
console.log(JSON.stringify({ threads: w.threads, workers: kernelPoolWorkers(), helped: kernelPoolWorkerParts() > 0, c: w.f32[(C >> 2) + 200 * 400 - 1] }));
`,
      );
      const out = execFileSync(process.execPath, ['--conditions=source', '--import', 'tsx', file], {
        cwd: pkgDir,
        encoding: 'utf8',
        timeout: 60_000,
        stdio: ['ignore', 'pipe', 'pipe'],
      });
      expect(JSON.parse(out.trim().split('\n').pop()!)).toEqual({
        threads: 2,
        workers: 1,
        helped: true,
        c: 150,
      });
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  }, 90_000);
});

describe('the accelerator and thread limits', () => {
  it('wasmTrainingAccelerator uses its threads, capped by limitAcceleratorThreads while a limit holds', async () => {
    const acc = wasmTrainingAccelerator('auto', { threads: 2 });
    const t2 = (await acc.createTrainer(aeSpec())) as FusedDenseTrainer;
    expect(t2.threads).toBe(2);
    t2.dispose();
    const undo = limitAcceleratorThreads(1);
    try {
      const t1 = (await acc.createTrainer(aeSpec())) as FusedDenseTrainer;
      expect(t1.threads).toBe(1);
      t1.dispose();
    } finally {
      undo();
    }
    const again = (await acc.createTrainer(aeSpec())) as FusedDenseTrainer;
    expect(again.threads).toBe(2);
    again.dispose();
  });
});
