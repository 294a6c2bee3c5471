// Training speed on the wasm backend, one autoencoder layer 784 → 200 → 784 (ReLU, linear out), Adam, MSE,
// batch 100 — three contenders measured interleaved (A B C A B C …) so machine load hits all alike:
//   raw        a tfjs-core loop (optimizer.minimize) with tfjs-backend-wasm's own kernels
//   raw+fast   the same loop with this package's fast path (wasmBackend() default)
//   layers     tfjs-layers model.fit (same model) with tfjs-backend-wasm's own kernels
//   layers+fast  (for information) model.fit with the fast path
// Run: pnpm --filter @layerwise/backend-wasm bench   (node --conditions=source --import tsx bench/matmul-fastpath.ts)
// Options: --rounds N (default 5), --samples N per measurement (default 1000), --profile (per-kernel times).
import '@layerwise/core'; // registers tfjs gradients
import * as tf from '@tensorflow/tfjs-core';
import * as tfl from '@tensorflow/tfjs-layers';
import { installWasmFastPath, uninstallWasmFastPath, wasmBackend } from '../src/index.js';

const arg = (name: string, dflt: number) => {
  const i = process.argv.indexOf(`--${name}`);
  return i >= 0 ? Number(process.argv[i + 1]) : dflt;
};
const rounds = arg('rounds', 5);
const samples = arg('samples', 1000);
const batch = 100;
const [inSize, hidden] = [784, 200];

await wasmBackend().activate();
const x = tf.randomUniform([samples, inSize], 0, 1, 'float32', 1);
const batches = Array.from({ length: samples / batch }, (_, i) =>
  tf.slice(x, [i * batch, 0], [batch, inSize]),
);

// Raw tfjs-core training loop.
const glorot = (rows: number, cols: number, seed: number) =>
  tf.randomUniform(
    [rows, cols],
    -Math.sqrt(6 / (rows + cols)),
    Math.sqrt(6 / (rows + cols)),
    'float32',
    seed,
  );
const w1 = tf.variable(glorot(inSize, hidden, 2));
const b1 = tf.variable(tf.zeros([hidden]));
const w2 = tf.variable(glorot(hidden, inSize, 3));
const b2 = tf.variable(tf.zeros([inSize]));
const optimizer = tf.train.adam(1e-3);
const rawStep = (xb: tf.Tensor) =>
  optimizer.minimize(() => {
    const h = tf.relu(tf.add(tf.matMul(xb as tf.Tensor2D, w1), b1));
    const y = tf.add(tf.matMul(h, w2), b2);
    return tf.mean(tf.square(tf.sub(y, xb))) as tf.Scalar;
  });
async function rawEpoch(): Promise<void> {
  for (const xb of batches) rawStep(xb);
  await w1.data(); // wait for the work to finish
}

// tfjs-layers model.fit.
const model = tfl.sequential({
  layers: [
    tfl.layers.dense({ units: hidden, activation: 'relu', inputShape: [inSize] }),
    tfl.layers.dense({ units: inSize }),
  ],
});
model.compile({ optimizer: tf.train.adam(1e-3), loss: 'meanSquaredError' });
async function layersEpoch(): Promise<void> {
  await model.fit(x, x, { batchSize: batch, epochs: 1, shuffle: false, verbose: 0 });
}

type Contender = { name: string; fast: boolean; epoch: () => Promise<void> };
const contenders: Contender[] = [
  { name: 'raw', fast: false, epoch: rawEpoch },
  { name: 'raw+fast', fast: true, epoch: rawEpoch },
  { name: 'layers', fast: false, epoch: layersEpoch },
  { name: 'layers+fast', fast: true, epoch: layersEpoch },
];
const setFast = (fast: boolean) => (fast ? installWasmFastPath() : uninstallWasmFastPath());

/** Samples per second of wall time, and per second of this process's CPU time (what a quiet core gives). */
async function measure(c: Contender): Promise<{ wall: number; cpu: number }> {
  setFast(c.fast);
  const c0 = process.cpuUsage();
  const t0 = performance.now();
  await c.epoch();
  const wallS = (performance.now() - t0) / 1000;
  const cpu = process.cpuUsage(c0);
  return { wall: samples / wallS, cpu: samples / ((cpu.user + cpu.system) / 1e6) };
}

if (process.argv.includes('--profile')) {
  for (const fast of [false, true]) {
    setFast(fast);
    await rawEpoch();
    const steps = 5;
    const p = await tf.profile(async () => {
      for (let i = 0; i < steps; i++) rawStep(batches[i % batches.length]!);
    });
    const byKernel = new Map<string, number>();
    for (const k of p.kernels) byKernel.set(k.name, (byKernel.get(k.name) ?? 0) + (k.kernelTimeMs as number));
    const total = [...byKernel.values()].reduce((a, b) => a + b, 0) / steps;
    console.log(
      `\nper-kernel ms per step, ${fast ? 'fast path' : 'original kernels'} (total ${total.toFixed(1)} ms):`,
    );
    for (const [k, ms] of [...byKernel].sort((a, b) => b[1] - a[1]).slice(0, 10)) {
      console.log(`  ${k.padEnd(16)} ${(ms / steps).toFixed(2)}`);
    }
  }
}

for (const c of contenders) await measure(c); // warm-up
const results = new Map<string, { wall: number; cpu: number }[]>(contenders.map((c) => [c.name, []]));
for (let r = 0; r < rounds; r++) {
  for (const c of contenders) results.get(c.name)!.push(await measure(c));
}
const median = (v: number[]) => {
  const s = [...v].sort((a, b) => a - b);
  return s.length % 2 ? s[(s.length - 1) / 2]! : (s[s.length / 2 - 1]! + s[s.length / 2]!) / 2;
};
console.log(
  `\nwasm, AE layer ${inSize}→${hidden}→${inSize}, ReLU, Adam, MSE, batch ${batch}; ${rounds} interleaved rounds of ${samples} samples`,
);
console.log('samples/s: wall-clock median (per round) | per CPU-second of this process, median');
for (const [name, v] of results) {
  const wall = v.map((m) => m.wall);
  const cpu = v.map((m) => m.cpu);
  console.log(
    `  ${name.padEnd(12)} ${median(wall).toFixed(0).padStart(6)}  (${wall.map((x) => x.toFixed(0)).join(', ')})  |  ${median(cpu).toFixed(0).padStart(6)}`,
  );
}
// Ratios per round (same moment, same load), then their median.
const ratio = (a: string, b: string, k: 'wall' | 'cpu') =>
  median(results.get(a)!.map((v, i) => v[k] / results.get(b)![i]![k])).toFixed(2);
const line = (label: string, a: string, b: string, note = '') =>
  console.log(`  ${label.padEnd(22)} wall ${ratio(a, b, 'wall')}×   cpu ${ratio(a, b, 'cpu')}×${note}`);
line('raw+fast / raw', 'raw+fast', 'raw');
line('raw+fast / layers', 'raw+fast', 'layers', '   (target ≥ 3×)');
line('layers+fast / layers', 'layers+fast', 'layers');
line('raw / layers', 'raw', 'layers');
