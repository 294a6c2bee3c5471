// The fused dense-training engine of @layerwise/backend-wasm (issue 24), measured beside what it replaces.
//
//   pnpm --filter @layerwise/bench run bench:fused            (quiet machine; prints the load average)
//   LAYERWISE_BENCH_ROUNDS=5 … for more rounds (median reported); LAYERWISE_BENCH_ONLY=kernels|ae|tabular|transform
//
// 1. Kernels: GFLOP/s of the GEMM forms on the AE step's shapes, SIMD128 and relaxed-SIMD builds.
// 2. AE step 784→200→784 (sigmoid, MSE, Adam, batch 100) on 10 000 MNIST digits: samples/s of the fused
//    trainer (one call per batch), of StackedAutoencoder on wasm with and without the accelerator.
// 3. Small tabular fits (StandardScaler + MLP [64], batch 32, 50 epochs): breast_cancer and digits, layerwise
//    on wasm with and without the accelerator, and scikit-learn (Debian python3-sklearn, /usr/bin/python3).
// 4. transform of 10 000 MNIST digits through the main job's encoder: the kernels, layerwise's tfjs path and
//    tfjs-layers `predict` on tfjs-backend-wasm (goal: kernels ≥ 2× tfjs-layers).
//
// Other Node versions (after `bash scripts/install-runtimes.sh`): `pnpm --filter @layerwise/bench run
// bench:fused:node22` / `bench:fused:node24` (same file, same environment variables).
//
// Threads: the fused trainer and the transform run at 1 thread and at every core (the kernel thread pool,
// `wasmBackend({ threads })`); the tabular fits at 1 thread (their GEMMs are below the pool's split size).
import { execFileSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { availableParallelism, loadavg, tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { gunzipSync } from 'node:zlib';
import { StackedAutoencoder } from '@layerwise/autoencoder';
import { FusedDenseTrainer, WasmKernels, wasmBackend } from '@layerwise/backend-wasm';
import type { DenseStackSpec } from '@layerwise/core';
import { Registry } from '@layerwise/core';
import { loadMnist } from '@layerwise/datasets';
import { MLPClassifier } from '@layerwise/nn';
import * as tf from '@tensorflow/tfjs-core';
import * as tfl from '@tensorflow/tfjs-layers';

const ROUNDS = Number(process.env.LAYERWISE_BENCH_ROUNDS ?? 3);
const PYTHON = process.env.LAYERWISE_BENCH_PYTHON ?? '/usr/bin/python3';
const here = dirname(fileURLToPath(import.meta.url));
const median = (v: number[]) => [...v].sort((a, b) => a - b)[Math.floor(v.length / 2)]!;
const now = () => performance.now();

async function gemmRates(
  flavor: 'simd128' | 'relaxed',
  form: 'nn' | 'tn' | 'nt',
  M: number,
  N: number,
  K: number,
) {
  const w = await WasmKernels.create(flavor);
  const A = w.alloc(M * K);
  const B = w.alloc(K * N);
  const C = w.alloc(M * N);
  const S = w.alloc(K * N);
  const f = w.f32;
  for (let i = 0; i < f.length && i < S >> 2; i++) f[i] = Math.sin(i) * 0.1;
  const run = () => {
    if (form === 'nn') w.k.gemm_nn(M, N, K, A, B, C, 0, 0);
    else if (form === 'tn') w.k.gemm_tn(M, N, K, A, B, C, 0);
    else w.k.gemm_nt(M, N, K, A, B, C, 0, 0, S);
  };
  const flops = 2 * M * N * K;
  const reps = Math.max(3, Math.round(3e9 / flops / 10));
  for (let i = 0; i < reps; i++) run();
  const rates: number[] = [];
  const cpuRates: number[] = [];
  for (let r = 0; r < ROUNDS * 3; r++) {
    const t0 = now();
    const c0 = process.cpuUsage();
    for (let i = 0; i < reps; i++) run();
    const c = process.cpuUsage(c0);
    rates.push((flops * reps) / ((now() - t0) / 1000) / 1e9);
    cpuRates.push((flops * reps) / ((c.user + c.system) / 1e6) / 1e9);
  }
  return { wall: median(rates), cpu: median(cpuRates) };
}

async function kernels(): Promise<void> {
  console.log('\n## Kernels (GFLOP/s, median of rounds)');
  console.log('Wall-clock GFLOP/s, and per CPU-second in brackets (closer to a quiet machine when loaded).');
  console.log('| shape | form | simd128 | relaxed |');
  console.log('|---|---|---|---|');
  const shapes: [string, 'nn' | 'tn' | 'nt', number, number, number][] = [
    ['100×784·784×200', 'nn', 100, 200, 784],
    ['100×200·200×784', 'nn', 100, 784, 200],
    ['Aᵀ·B (A [100,784], B [100,200])', 'tn', 784, 200, 100],
    ['A·Bᵀ (A [100,784], B [200,784])', 'nt', 100, 200, 784],
    ['1000³', 'nn', 1000, 1000, 1000],
  ];
  for (const [name, form, M, N, K] of shapes) {
    const a = await gemmRates('simd128', form, M, N, K);
    const b = await gemmRates('relaxed', form, M, N, K);
    const cell = (r: { wall: number; cpu: number }) => `${r.wall.toFixed(1)} (${r.cpu.toFixed(1)} per CPU-s)`;
    console.log(`| ${name} | ${form} | ${cell(a)} | ${cell(b)} |`);
  }
}

function aeSpec(maxBatch: number): DenseStackSpec {
  return {
    params: [
      { shape: [784, 200], penalised: true },
      { shape: [200], penalised: false },
      { shape: [200, 784], penalised: true },
      { shape: [784], penalised: false },
    ],
    layers: [
      { inputSize: 784, units: 200, activation: 'relu', kernel: 0, bias: 1 },
      { inputSize: 200, units: 784, activation: 'sigmoid', kernel: 2, bias: 3 },
    ],
    loss: 'meanSquaredError',
    target: 'input',
    leakyReluAlpha: 0.2,
    optimizer: 'adam',
    learningRate: 1e-3,
    beta1: 0.9,
    beta2: 0.999,
    epsilon: 1e-7,
    momentum: 0.9,
    nesterov: false,
    alpha: 0,
    clipNorm: null,
    clipValue: null,
    maxBatch,
  };
}

async function aeStep(): Promise<void> {
  console.log('\n## AE step 784→200→784 (relu/sigmoid, MSE, Adam), batch 100, 10 000 MNIST digits');
  const { X } = await loadMnist({ subset: 'train', limit: 10_000 });
  const x = X.data as Float32Array;
  const rows = X.shape[0];
  for (const threads of [...new Set([1, Math.min(availableParallelism(), 8)])]) {
    const t = await FusedDenseTrainer.create(aeSpec(100), 'auto', threads);
    let seed = 1;
    const rnd = () => {
      seed = (Math.imul(seed, 1664525) + 1013904223) >>> 0;
      return seed / 2 ** 32;
    };
    t.writeWeights(
      aeSpec(100).params.map((p) =>
        Float32Array.from({ length: p.shape.reduce((a, b) => a * b, 1) }, () => (rnd() - 0.5) * 0.1),
      ),
    );
    t.setData({ x, rows });
    const idx = Array.from({ length: rows / 100 }, (_, b) =>
      Int32Array.from({ length: 100 }, (_, i) => b * 100 + i),
    );
    for (const b of idx.slice(0, 10)) t.step(b, 0);
    const rates: number[] = [];
    const cpuRates: number[] = [];
    for (let round = 0; round < ROUNDS; round++) {
      const t0 = now();
      const c0 = process.cpuUsage();
      for (const b of idx) t.step(b, 0);
      const c = process.cpuUsage(c0);
      rates.push(rows / ((now() - t0) / 1000));
      cpuRates.push(rows / ((c.user + c.system) / 1e6));
    }
    // five products of 2·100·784·200 flops: two forward, the decoder's weight and input gradients, the
    // encoder's weight gradient (no gradient is computed for the data)
    const stepFlops = 5 * 2 * 100 * 784 * 200;
    const sps = median(rates);
    const cps = median(cpuRates);
    console.log(
      `fused trainer (${t.flavor}, ${t.threads} thread${t.threads > 1 ? 's' : ''}): ${sps.toFixed(0)} samples/s = ${(((sps / 100) * stepFlops) / 1e9).toFixed(1)} GFLOP/s of GEMM work; per CPU-second ${cps.toFixed(0)} samples = ${(((cps / 100) * stepFlops) / 1e9).toFixed(1)} GFLOP`,
    );
    t.dispose();
  }
  const plugin = wasmBackend({ threads: 1 });
  for (const fused of [true, false]) {
    const reg = new Registry().use(fused ? plugin : wasmBackend({ threads: 1, fusedTraining: false }));
    const times: number[] = [];
    const rowsData = X;
    for (let round = 0; round < ROUNDS; round++) {
      const ae = new StackedAutoencoder(
        {
          hiddenLayerSizes: [200],
          epochs: 1,
          fineTuneEpochs: 0,
          batchSize: 100,
          backend: 'wasm',
          randomState: round,
        },
        { registry: reg },
      );
      const t0 = now();
      await ae.fit(rowsData);
      times.push(now() - t0);
      ae.dispose?.();
    }
    console.log(
      `StackedAutoencoder.fit on wasm, ${fused ? 'fused (default)' : 'fusedTraining: false (tfjs path)'}: ${(rows / (median(times) / 1000)).toFixed(0)} samples/s (whole fit, 1 epoch)`,
    );
  }
  plugin.dispose();
}

function table(file: string, skipFirst: boolean, gz: boolean): { X: number[][]; y: number[] } {
  const path = `/usr/lib/python3/dist-packages/sklearn/datasets/data/${file}`;
  const text = gz ? gunzipSync(readFileSync(path)).toString('utf8') : readFileSync(path, 'utf8');
  const lines = text
    .trim()
    .split('\n')
    .slice(skipFirst ? 1 : 0);
  const X: number[][] = [];
  const y: number[] = [];
  for (const l of lines) {
    const v = l.split(',').map(Number);
    y.push(v.pop()!);
    X.push(v);
  }
  return { X, y };
}

/** `test` scaled with the mean and standard deviation of `X` (fitted on the training rows only). */
function standardise(X: number[][], test: number[][] = X): number[][] {
  const cols = X[0]!.length;
  const m = Array.from({ length: cols }, (_, j) => X.reduce((s, r) => s + r[j]!, 0) / X.length);
  const sd = Array.from(
    { length: cols },
    (_, j) => Math.sqrt(X.reduce((s, r) => s + (r[j]! - m[j]!) ** 2, 0) / X.length) || 1,
  );
  return test.map((r) => r.map((v, j) => (v - m[j]!) / sd[j]!));
}

async function tabular(): Promise<void> {
  console.log(
    '\n## Small tabular fits: StandardScaler + MLP [64], batch 32, 50 epochs, Adam 1e-3 (median fit seconds, test accuracy)',
  );
  let sk: Record<string, { seconds: number; accuracy: number }> = {};
  try {
    const out = execFileSync(PYTHON, [join(here, 'fused_sklearn.py'), String(ROUNDS)], { encoding: 'utf8' });
    sk = Object.fromEntries(
      out
        .trim()
        .split('\n')
        .map((l) => {
          const j = JSON.parse(l);
          return [j.dataset, j];
        }),
    );
  } catch (e) {
    console.log(
      `scikit-learn not run (${(e as Error).message.split('\n')[0]}): apt-get install -y python3-sklearn`,
    );
  }
  const plugin = wasmBackend({ threads: 1 });
  const tfjsPath = wasmBackend({ threads: 1, fusedTraining: false });
  console.log('| data | layerwise wasm fused | layerwise wasm tfjs path | scikit-learn |');
  console.log('|---|---|---|---|');
  for (const [name, file, skip, gz] of [
    ['breast_cancer', 'breast_cancer.csv', true, false],
    ['digits', 'digits.csv.gz', false, true],
  ] as const) {
    const { X, y } = table(file, skip, gz);
    // the same split idea as train_test_split(test_size=0.25): a seeded shuffle
    const order = X.map((_, i) => i);
    let s = 7;
    for (let i = order.length - 1; i > 0; i--) {
      s = (Math.imul(s, 1664525) + 1013904223) >>> 0;
      const j = s % (i + 1);
      [order[i], order[j]] = [order[j]!, order[i]!];
    }
    const nTest = Math.round(order.length * 0.25);
    const Xtrain = order.slice(nTest).map((i) => X[i]!);
    const Xs = standardise(Xtrain);
    const Xt = standardise(
      Xtrain,
      order.slice(0, nTest).map((i) => X[i]!),
    );
    const yTest = order.slice(0, nTest).map((i) => y[i]!);
    const cells: string[] = [];
    for (const p of [plugin, tfjsPath]) {
      const reg = new Registry().use(p);
      const times: number[] = [];
      let acc = 0;
      for (let round = 0; round < ROUNDS; round++) {
        const clf = new MLPClassifier(
          {
            hiddenLayerSizes: [64],
            batchSize: 32,
            epochs: 50,
            learningRate: 1e-3,
            randomState: round,
            backend: 'wasm',
          },
          { registry: reg },
        );
        const t0 = now();
        await clf.fit(
          Xs,
          order.slice(nTest).map((i) => y[i]!),
        );
        times.push((now() - t0) / 1000);
        acc += (await clf.score(Xt, yTest)) / ROUNDS;
        clf.dispose?.();
      }
      cells.push(`${median(times).toFixed(2)} s (test acc ${acc.toFixed(3)})`);
    }
    const k = sk[name];
    cells.push(k ? `${k.seconds.toFixed(2)} s (test acc ${k.accuracy.toFixed(3)})` : 'n/a');
    console.log(`| ${name} | ${cells.join(' | ')} |`);
  }
  plugin.dispose();
}

/**
 * `transform` of 10 000 MNIST test digits through the main job's encoder 784→500→250→64 (ReLU):
 * StackedAutoencoder on wasm with its kernels (default), the same on its tfjs path (`fusedTraining: false`), and
 * a tfjs-layers model with the same weights, `predict` in one batch on tfjs-backend-wasm (the same engine, one
 * thread). The result is downloaded in every case.
 */
async function transformBench(): Promise<void> {
  console.log(
    '\n## transform of 10 000 MNIST digits, encoder 784→500→250→64 (ReLU) (median seconds, rows/s)',
  );
  const train = await loadMnist({ subset: 'train', limit: 2000 });
  const test = await loadMnist({ subset: 'test' });
  const X = { data: test.X.data as Float32Array, shape: test.X.shape as [number, number] };
  const rows = X.shape[0];
  const params = {
    hiddenLayerSizes: [500, 250, 64],
    activation: 'relu' as const,
    epochs: 1,
    fineTuneEpochs: 0,
    batchSize: 200,
    randomState: 0,
    backend: 'wasm',
    verbose: false,
  };
  const plugin = wasmBackend({ threads: 1 });
  const reg = new Registry().use(plugin);
  const ae = new StackedAutoencoder(params, { registry: reg });
  await ae.fit({ data: train.X.data as Float32Array, shape: train.X.shape as [number, number] });
  // The same fitted weights on the tfjs path: the estimator reloaded into a registry without the accelerator.
  const dir = mkdtempSync(join(tmpdir(), 'lw-bench-transform-'));
  let tfjsPath: StackedAutoencoder;
  let allCores: StackedAutoencoder;
  const cores = Math.min(availableParallelism(), 8);
  const poolPlugin = wasmBackend({ threads: cores });
  try {
    await ae.save(join(dir, 'ae'));
    // the kernels on every core (the thread pool); tfjs itself stays as initialised (1 thread)
    allCores = await StackedAutoencoder.load(join(dir, 'ae'), { registry: new Registry().use(poolPlugin) });
    tfjsPath = await StackedAutoencoder.load(join(dir, 'ae'), {
      registry: new Registry().use(wasmBackend({ threads: 1, fusedTraining: false })),
    });
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
  const model = tfl.sequential();
  ae.toExportable('encoder').layers.forEach((l, i) => {
    const dense = tfl.layers.dense({
      units: l.units,
      activation: l.activation as 'relu',
      ...(i === 0 ? { inputShape: [l.inputSize] } : {}),
    });
    model.add(dense);
    const k = tf.tensor2d(l.kernel, [l.inputSize, l.units]);
    const b = tf.tensor1d(l.bias);
    dense.setWeights([k, b]);
    tf.dispose([k, b]);
  });
  const contenders: [string, () => Promise<Float32Array>][] = [
    [
      'layerwise wasm kernels, 1 thread',
      async () => ((await ae.transform(X)) as { data: Float32Array }).data,
    ],
    [
      `layerwise wasm kernels, ${cores} threads (the default on this machine)`,
      async () => ((await allCores.transform(X)) as { data: Float32Array }).data,
    ],
    [
      'layerwise wasm tfjs path (fusedTraining: false, 1 thread)',
      async () => ((await tfjsPath.transform(X)) as { data: Float32Array }).data,
    ],
    [
      'tfjs-layers predict (tfjs-backend-wasm, stock: 1 thread in Node)',
      async () => {
        const x = tf.tensor2d(X.data, X.shape);
        const out = model.predict(x, { batchSize: rows }) as tf.Tensor;
        const data = (await out.data()) as Float32Array;
        tf.dispose([x, out]);
        return data;
      },
    ],
  ];
  const times = contenders.map(() => [] as number[]);
  const cpu = contenders.map(() => [] as number[]);
  const outs: Float32Array[] = [];
  for (const [i, [, run]] of contenders.entries()) outs[i] = await run(); // warm-up
  for (let r = 0; r < ROUNDS * 3; r++) {
    for (const [i, [, run]] of contenders.entries()) {
      const t0 = now();
      const c0 = process.cpuUsage();
      await run();
      const c = process.cpuUsage(c0);
      times[i]!.push((now() - t0) / 1000);
      cpu[i]!.push((c.user + c.system) / 1e6);
    }
  }
  let worst = 0;
  const last = contenders.length - 1;
  for (let j = 0; j < outs[0]!.length; j++) worst = Math.max(worst, Math.abs(outs[0]![j]! - outs[last]![j]!));
  const same = outs[0]!.every((v, j) => Object.is(v, outs[1]![j]));
  const ref = median(times[last]!);
  const refCpu = median(cpu[last]!);
  console.log('| contender | seconds | rows/s | vs tfjs-layers | CPU-seconds (vs tfjs-layers) |');
  console.log('|---|---|---|---|---|');
  for (const [i, [name]] of contenders.entries()) {
    const t = median(times[i]!);
    const c = median(cpu[i]!);
    console.log(
      `| ${name} | ${t.toFixed(3)} | ${(rows / t).toFixed(0)} | ${(ref / t).toFixed(2)}× | ${c.toFixed(3)} (${(refCpu / c).toFixed(2)}×) |`,
    );
  }
  console.log(
    `largest difference of the codes, kernels vs tfjs-layers: ${worst.toExponential(1)}; kernels 1 thread vs ${cores}: ${same ? 'bit-identical' : 'DIFFERENT'}`,
  );
  model.dispose();
  ae.dispose();
  tfjsPath.dispose();
  allCores.dispose();
  poolPlugin.dispose();
  plugin.dispose();
}

console.log(
  `# bench:fused — ${new Date().toISOString()}, load average ${loadavg()
    .map((l) => l.toFixed(2))
    .join(' ')}, Node ${process.version}`,
);
const only = process.env.LAYERWISE_BENCH_ONLY; // kernels | ae | tabular | transform
if (!only || only === 'kernels') await kernels();
if (!only || only === 'ae') await aeStep();
if (!only || only === 'tabular') await tabular();
if (!only || only === 'transform') await transformBench();
console.log(
  `\nload average at the end: ${loadavg()
    .map((l) => l.toFixed(2))
    .join(' ')}`,
);
